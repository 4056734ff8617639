import type { ChatWrapper, LlamaContext, LlamaContextSequence, LlamaModel, Token } from 'node-llama-cpp';
import type { ModelInfo } from '../../../common/protocol';
import type { Settings } from '../../../common/settings';
import type { Logger } from '../log';
import { AbortedError } from '../util/abort';
import type { PriorityGate } from '../util/gate';
import { Mutex } from '../util/mutex';
import { chatOnSequence } from './chatOnSequence';
import { contextOptions, modelLoadOptions } from './contextOptions';
import type { ChatEngine, CompletionEngine, FimTokens } from './engines';
import type { GgufInfo } from './gguf/ggufHeader';
import { generateOnSequence } from './generateOnSequence';
import { PrefillPacer } from './prefillPacer';
import { loadLlama, nodeLlamaCpp } from './llama';

/** What a loaded file is used for: each role gets a context sequence of its own. */
export type ModelRole = 'completion' | 'chat';

/** One context sequence and the queue in front of it: it does one thing at a time. */
interface Lane {
  sequence: LlamaContextSequence;
  /** Sizes the sequence's prompt batches by its measured speed, so a cancel lands quickly. */
  pacer: PrefillPacer;
  queue: Mutex;
}

/**
 * One GGUF file loaded in llama.cpp, with a context holding one sequence per role, so a summary
 * never evicts the completion's KV cache. It hands out engines for its roles; every job it runs
 * also stops when the model is retired (a model switch), and {@link dispose} waits for them.
 */
export class LoadedModel {
  /** Fires when the model is being replaced: running jobs end as if cancelled. */
  private readonly retired = new AbortController();
  private readonly lanes = new Map<ModelRole, Lane>();

  private constructor(
    private readonly model: LlamaModel,
    private readonly context: LlamaContext,
    private readonly chatWrapper: ChatWrapper,
    readonly info: ModelInfo,
    readonly fim: FimTokens | undefined,
    roles: readonly ModelRole[],
    private readonly gate: PriorityGate,
  ) {
    for (const role of roles) this.lanes.set(role, { sequence: context.getSequence(), pacer: new PrefillPacer(), queue: new Mutex() });
  }

  /** Loads `path` (already checked) for the given roles. */
  static async load(
    path: string,
    checked: GgufInfo & { chatModel: boolean },
    settings: Settings['model'],
    roles: readonly ModelRole[],
    gate: PriorityGate,
    log: Logger,
  ): Promise<LoadedModel> {
    const llama = await loadLlama(log);
    const model = await llama.loadModel(modelLoadOptions(path));
    try {
      const context = await model.createContext(contextOptions(settings, roles.length));
      const infill = model.tokens.infill;
      const fim =
        infill.prefix != null && infill.suffix != null && infill.middle != null
          ? { prefix: infill.prefix, suffix: infill.suffix, middle: infill.middle }
          : undefined;
      const info: ModelInfo = {
        path,
        name: checked.name,
        architecture: checked.architecture,
        quantization: checked.quantization,
        fourBit: checked.fourBit,
        contextSize: context.contextSize,
        fim: fim !== undefined,
        fimUnused:
          fim && checked.chatModel
            ? 'the model looks tuned for chat, not trained for fill-in-the-middle; set slmAssist.inlineCompletion.fillInTheMiddle to "on" to use its FIM tokens anyway'
            : undefined,
      };
      const { resolveChatWrapper } = await nodeLlamaCpp();
      return new LoadedModel(model, context, resolveChatWrapper(model), info, fim, roles, gate);
    } catch (error) {
      await model.dispose();
      throw error;
    }
  }

  has(role: ModelRole): boolean {
    return this.lanes.has(role);
  }

  /** The completion engine; only for a model loaded with the `completion` role. */
  completionEngine(): CompletionEngine {
    this.alive();
    const lane = this.lane('completion');
    const model = this.model;
    // Models trained with a beginning-of-sequence token (Gemma, Llama) write nonsense without it
    // (Gemma 3 270M: "{ return { return" instead of "a + b;"); Qwen and SmolLM2 use none.
    const bos = model.tokens.shouldPrependBosToken ? model.tokens.bos : null;
    const withBos = (prompt: readonly number[]): readonly number[] => (bos === null ? prompt : [bos, ...prompt]);
    return {
      info: this.info,
      fim: this.fim,
      fimByDefault: this.info.fimUnused === undefined,
      tokenize: (text) => {
        this.alive();
        return text ? model.tokenize(text) : [];
      },
      detokenize: (tokens) => model.detokenize(tokens as Token[], true),
      // The gate is held for the whole job, so a summary waits between its batches.
      generate: (prompt, options) =>
        this.gate.hold(() =>
          lane.queue.run(() =>
            this.guard(options.signal, (signal) =>
              generateOnSequence(model, lane.sequence, withBos(prompt), { ...options, signal }, lane.pacer),
            ),
          ),
        ),
    };
  }

  /** The chat engine; only for a model loaded with the `chat` role. */
  chatEngine(): ChatEngine {
    this.alive();
    const lane = this.lane('chat');
    const model = this.model;
    return {
      info: this.info,
      countTokens: (text) => {
        this.alive();
        return model.tokenize(text).length;
      },
      answer: (messages, options) =>
        lane.queue.run(() =>
          this.guard(options.signal, (signal) =>
            chatOnSequence(model, this.chatWrapper, lane.sequence, messages, { ...options, signal, gate: this.gate, pacer: lane.pacer }),
          ),
        ),
    };
  }

  /**
   * Stops every job (they end as if cancelled), waits for them to leave their sequences, and frees
   * the model's memory.
   */
  async dispose(): Promise<void> {
    this.retired.abort();
    await Promise.all([...this.lanes.values()].map((lane) => lane.queue.run(async () => undefined)));
    await this.context.dispose();
    await this.model.dispose();
  }

  private lane(role: ModelRole): Lane {
    const lane = this.lanes.get(role);
    if (!lane) throw new Error(`The model ${this.info.path} was not loaded for ${role}.`);
    return lane;
  }

  /**
   * Throws AbortedError once the model is retired: a job that got its engine (or the model) before
   * a model switch ends as if cancelled when it next tokenizes, instead of calling into a freed
   * model ("Object is disposed", found by the message fuzz).
   */
  private alive(): void {
    if (this.retired.signal.aborted) throw new AbortedError();
  }

  /** Runs a job with a signal that fires on the caller's cancel or when the model is retired. */
  private guard<T>(signal: AbortSignal, job: (signal: AbortSignal) => Promise<T>): Promise<T> {
    if (this.retired.signal.aborted) return Promise.reject(new AbortedError());
    return job(AbortSignal.any([signal, this.retired.signal]));
  }
}
