import { basename } from 'node:path';
import type { ChatWrapper, Llama, LlamaContext, LlamaContextSequence, LlamaModel } from 'node-llama-cpp';
import type { ModelInfo, StatusParams } from '../../../common/protocol';
import type { Settings } from '../../../common/settings';
import type { Logger } from '../log';
import type { FimTokens } from '../completion/prompt/template';
import { Mutex } from '../util/mutex';
import { contextOptions, modelLoadOptions } from './contextOptions';
import { checkModelFile } from './gguf/ggufHeader';
import { LlamaUnavailableError, loadLlama, nodeLlamaCpp } from './llama';

/** A model loaded and ready to generate. */
export interface LoadedModel {
  model: LlamaModel;
  context: LlamaContext;
  /** The sequence inline completion runs on. */
  sequence: LlamaContextSequence;
  /**
   * The sequence summaries and explanations run on: a second sequence of the same context, so a
   * summary never evicts the completion's KV cache (each sequence has its own `contextSize`).
   */
  chatSequence: LlamaContextSequence;
  /** The model's chat template, read from the GGUF by node-llama-cpp. */
  chatWrapper: ChatWrapper;
  info: ModelInfo;
  /** Undefined when the model has no FIM tokens: completion then uses the prefix only. */
  fim?: FimTokens;
}

type ModelSettings = Settings['model'];

/**
 * Owns the model: loads it lazily on first use, reports every state change, and serialises
 * all work on its context sequence. Loading is checked first against the GGUF header, because
 * some malformed files make llama.cpp abort the whole process instead of throwing.
 */
export class ModelHost {
  private settings: ModelSettings;
  private loading?: Promise<LoadedModel | undefined>;
  private loaded?: LoadedModel;
  private current: StatusParams = { state: 'noModel' };
  private generation = 0;
  /** One job at a time on the context sequence. */
  readonly exclusive = new Mutex();

  constructor(
    settings: ModelSettings,
    private readonly log: Logger,
    private readonly onStatus: (status: StatusParams) => void,
  ) {
    this.settings = settings;
    this.current = this.idleStatus();
  }

  get status(): StatusParams {
    return this.current;
  }

  /** Applies new model settings; a changed model is unloaded now and loaded again on next use. */
  async configure(settings: ModelSettings): Promise<void> {
    const changed =
      settings.path !== this.settings.path ||
      settings.contextSize !== this.settings.contextSize ||
      settings.threads !== this.settings.threads;
    this.settings = settings;
    if (!changed) return;
    if (this.loaded || this.loading) this.log.info(`Model settings changed; the model will be loaded again on next use.`);
    await this.unload();
    this.setStatus(this.idleStatus());
  }

  /** The loaded model, loading it first if needed; undefined when there is none or it failed. */
  acquire(): Promise<LoadedModel | undefined> {
    if (this.loaded) return Promise.resolve(this.loaded);
    if (this.current.state === 'error' && !this.loading) return Promise.resolve(undefined);
    return this.load();
  }

  /** Loads the configured model now (again, after an error). */
  load(): Promise<LoadedModel | undefined> {
    if (this.loaded) return Promise.resolve(this.loaded);
    this.loading ??= this.doLoad().finally(() => (this.loading = undefined));
    return this.loading;
  }

  async dispose(): Promise<void> {
    await this.unload();
  }

  private async unload(): Promise<void> {
    this.generation++;
    const loaded = this.loaded;
    this.loaded = undefined;
    if (!loaded) return;
    // Wait for the job on the sequence to finish before freeing the memory under it.
    await this.exclusive.run(async () => {
      await loaded.context.dispose();
      await loaded.model.dispose();
    });
  }

  private idleStatus(): StatusParams {
    return this.settings.path
      ? { state: 'noModel', modelPath: this.settings.path, message: `The model ${this.settings.path} loads on first use.` }
      : { state: 'noModel', message: 'No model set: choose a GGUF file in the setting slmAssist.model.path.' };
  }

  private setStatus(status: StatusParams): void {
    this.current = status;
    this.onStatus(status);
  }

  private async doLoad(): Promise<LoadedModel | undefined> {
    const generation = this.generation;
    const settings = this.settings;
    const path = settings.path;
    if (!path) {
      this.setStatus(this.idleStatus());
      return undefined;
    }
    this.setStatus({ state: 'loading', modelPath: path, message: `Loading ${basename(path)}` });
    const checked = await checkModelFile(path);
    if (!checked.ok) return this.fail(`Cannot load the model ${path}: ${checked.reason}`);

    const started = performance.now();
    let model: LlamaModel | undefined;
    try {
      const llama: Llama = await loadLlama(this.log);
      model = await llama.loadModel(modelLoadOptions(path));
      const context = await model.createContext(contextOptions(settings, 2));
      const infill = model.tokens.infill;
      const fim =
        infill.prefix != null && infill.suffix != null && infill.middle != null
          ? { prefix: infill.prefix, suffix: infill.suffix, middle: infill.middle }
          : undefined;
      const info: ModelInfo = {
        path,
        name: checked.info.name,
        architecture: checked.info.architecture,
        quantization: checked.info.quantization,
        fourBit: checked.info.fourBit,
        contextSize: context.contextSize,
        fim: fim !== undefined,
      };
      const { resolveChatWrapper } = await nodeLlamaCpp();
      const loaded: LoadedModel = {
        model,
        context,
        sequence: context.getSequence(),
        chatSequence: context.getSequence(),
        chatWrapper: resolveChatWrapper(model),
        info,
        fim,
      };
      if (generation !== this.generation) {
        // The settings changed while loading: this model is no longer wanted.
        await context.dispose();
        await model.dispose();
        return undefined;
      }
      this.loaded = loaded;
      const warnings = [
        fim ? undefined : 'This model has no fill-in-the-middle tokens: completions use the text before the cursor only.',
        info.fourBit
          ? undefined
          : `This model is ${info.quantization}, not 4-bit: it needs more memory and runs slower (Q4_K_M is recommended).`,
      ].filter((w): w is string => w !== undefined);
      for (const warning of warnings) this.log.warn(warning);
      this.log.info(
        `Loaded ${info.name} (${info.architecture}, ${info.quantization}, context ${info.contextSize}, FIM ${info.fim ? 'yes' : 'no'}) in ${Math.round(performance.now() - started)} ms`,
      );
      this.setStatus({ state: 'ready', model: info, message: warnings.length ? warnings.join(' ') : undefined });
      return loaded;
    } catch (error) {
      await model?.dispose().catch(() => undefined);
      // llama.cpp itself could not start: that is about this machine, not about the model file.
      if (error instanceof LlamaUnavailableError) return this.fail(error.message);
      return this.fail(`Cannot load the model ${path}: ${error instanceof Error ? error.message : String(error)}`);
    }
  }

  private fail(message: string): undefined {
    this.log.error(message);
    this.setStatus({ state: 'error', modelPath: this.settings.path, message });
    return undefined;
  }
}
