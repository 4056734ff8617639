import { basename, resolve } from 'node:path';
import type { ModelStatus, StatusParams } from '../../../common/protocol';
import { modelReloadSettings, type Settings } from '../../../common/settings';
import type { Logger } from '../log';
import { PriorityGate } from '../util/gate';
import { contextSequences } from './contextOptions';
import { CrashMarkers } from './crashMarker';
import type { ChatEngine, CompletionEngine } from './engines';
import { watchModelFile, type FileChange } from './fileWatch';
import { inspectModelFile } from './gguf/inspect';
import { LlamaUnavailableError, loadLlama } from './llama';
import { LoadedModel, type ModelRole } from './loadedModel';

/** One file the runtime has loaded, is loading, or failed to load, for a set of roles. */
interface Entry {
  path: string;
  roles: ReadonlySet<ModelRole>;
  ready: Promise<LoadedModel | undefined>;
  loaded?: LoadedModel;
  failure?: string;
  /** Remarks about a loaded model (no FIM tokens, not 4-bit). */
  warnings: string[];
  /** What happened to the file on disk since it was loaded (deleted, or changed so it no longer loads). */
  fileWarning?: string;
  /** Stops watching the file on disk. */
  unwatch: () => void;
}

/**
 * Owns every model: the completion model and the chat model (one copy when they are the same
 * file), their context sequences, and who runs when (a completion first; a summary gives way
 * between two batches; an unload waits for both). Models load lazily, on first use; a change of a
 * setting in {@link modelReloadSettings} unloads what it affects. A file that changes on disk is
 * loaded again when it still loads (see {@link FileChange}). The rest of the server gets engines, never node-llama-cpp
 * objects.
 */
export class ModelRuntime {
  private settings: Settings;
  private readonly entries = new Map<string, Entry>();
  private readonly gate = new PriorityGate();
  private readonly markers: CrashMarkers;

  constructor(
    settings: Settings,
    stateDir: string,
    private readonly log: Logger,
    private readonly onStatus: (status: StatusParams) => void,
  ) {
    this.settings = settings;
    this.markers = new CrashMarkers(stateDir);
  }

  /** The status of the completion model, and of the chat model when it is another file. */
  get status(): StatusParams {
    const completion = this.roleStatus('completion');
    const chatPath = this.pathFor('chat');
    const chat = chatPath && chatPath !== this.pathFor('completion') ? this.roleStatus('chat') : undefined;
    return chat ? { ...completion, chat } : completion;
  }

  /** Applies new settings; what a changed reload setting affects is unloaded (and loads on next use). */
  async configure(settings: Settings): Promise<void> {
    const before = this.settings;
    this.settings = settings;
    const changed = modelReloadSettings.filter((key) => valueAt(before, key) !== valueAt(settings, key));
    if (changed.length === 0) return;
    const everything = changed.some((key) => key === 'model.contextSize' || key === 'model.threads' || key === 'model.cachedPlaces');
    const stale = [...this.entries.values()].filter((entry) => everything || !this.fits(entry));
    if (stale.length)
      this.log.info(
        `Settings changed (${changed.map((k) => `slmAssist.${k}`).join(', ')}): unloading ${stale.map((e) => basename(e.path)).join(', ')}.`,
      );
    await Promise.all(stale.map((entry) => this.unload(entry)));
    this.emit();
  }

  /** The completion engine, loading its model first if needed; undefined when there is none or it failed. */
  async completion(): Promise<CompletionEngine | undefined> {
    return (await this.acquire('completion'))?.completionEngine();
  }

  /** The chat engine (`chatModel.path`, else the completion model); undefined when there is none or it failed. */
  async chat(): Promise<ChatEngine | undefined> {
    return (await this.acquire('chat'))?.chatEngine();
  }

  /** Why a role has no engine, for a message to the user. */
  unavailable(role: ModelRole): string {
    return this.roleStatus(role).message ?? 'No model is loaded: set slmAssist.model.path.';
  }

  /**
   * Loads the configured models now, forgetting an earlier failure or crash: the user asked for
   * it (Load Model), so a file that once took the server down gets one more try.
   */
  async load(): Promise<StatusParams> {
    const paths = new Set([this.pathFor('completion'), this.pathFor('chat')].filter(Boolean));
    for (const path of paths) {
      const entry = this.entries.get(path);
      if (entry?.failure) this.entries.delete(path);
      this.markers.clear(path);
    }
    await Promise.all([this.acquire('completion', true), this.acquire('chat', true)]);
    return this.status;
  }

  async dispose(): Promise<void> {
    await Promise.all([...this.entries.values()].map((entry) => this.unload(entry)));
  }

  /** The file a role uses: `model.path`, and for chat `chatModel.path` when set. */
  private pathFor(role: ModelRole): string {
    const { model, chatModel } = this.settings;
    const path = role === 'chat' && chatModel.path ? chatModel.path : model.path;
    return path ? resolve(path) : '';
  }

  /** The roles a file serves under the current settings. */
  private rolesFor(path: string): Set<ModelRole> {
    return new Set((['completion', 'chat'] as const).filter((role) => this.pathFor(role) === path));
  }

  /** Whether an entry still serves every role its file is configured for. */
  private fits(entry: Entry): boolean {
    const needed = this.rolesFor(entry.path);
    return needed.size > 0 && [...needed].every((role) => entry.roles.has(role));
  }

  private async acquire(role: ModelRole, explicit = false): Promise<LoadedModel | undefined> {
    const path = this.pathFor(role);
    if (!path) return undefined;
    let entry = this.entries.get(path);
    if (entry && !entry.failure && !entry.roles.has(role)) {
      // The file now serves another role too (chatModel.path was cleared, say): load it again with both.
      await this.unload(entry);
      entry = undefined;
    }
    if (entry) return entry.ready;
    return this.start(path, explicit).ready;
  }

  private start(path: string, explicit: boolean): Entry {
    const entry: Entry = { path, roles: this.rolesFor(path), ready: Promise.resolve(undefined), warnings: [], unwatch: () => {} };
    this.entries.set(path, entry);
    entry.unwatch = watchModelFile(path, (change) => this.onFileChange(entry, change));
    entry.ready = this.loadEntry(entry, explicit);
    this.emit();
    return entry;
  }

  /**
   * The model is read into memory (no mmap), so the loaded copy survives whatever happens to the
   * file; the status must still say what is on disk. A loaded file that is deleted keeps working,
   * and the status says so. One that is replaced or written to is checked: when it is still a model
   * that loads, it is loaded again (the user put a new model there); when it no longer is (truncated,
   * half-written), the loaded copy keeps working and the status says why the file would not load.
   * A file that failed is tried again when it changes, so fixing it is enough.
   */
  private onFileChange(entry: Entry, change: FileChange): void {
    if (this.entries.get(entry.path) !== entry) return;
    if (!entry.loaded && !entry.failure) {
      // Still loading: deal with it once the load has ended.
      void entry.ready.then(() => this.onFileChange(entry, change));
      return;
    }
    const { path } = entry;
    if (change.kind === 'deleted') {
      if (entry.loaded)
        this.warnFile(entry, `The model file ${path} was deleted from disk; the loaded copy keeps working until a model is loaded again.`);
      return;
    }
    const what =
      change.kind === 'replaced'
        ? 'was replaced on disk'
        : change.size < change.previousSize
          ? `was truncated on disk (from ${change.previousSize} to ${change.size} bytes)`
          : 'changed on disk';
    void this.recheck(entry, what);
  }

  private async recheck(entry: Entry, what: string): Promise<void> {
    const { path } = entry;
    if (entry.loaded) {
      const roles = [...entry.roles];
      const checked = await inspectModelFile(path, {
        contextSize: this.settings.model.contextSize,
        sequences: contextSequences(roles, this.settings.model.cachedPlaces),
        role: roles.length > 1 ? 'both' : roles[0],
        llama: await loadLlama(this.log),
      }).catch((error: unknown) => ({ ok: false as const, reason: error instanceof Error ? error.message : String(error) }));
      if (this.entries.get(path) !== entry) return;
      if (!checked.ok) {
        this.warnFile(
          entry,
          `The model file ${path} ${what} and would not load now (${checked.reason}); the loaded copy keeps working until the file is fixed or another model is chosen.`,
        );
        return;
      }
    }
    this.log.warn(`The model file ${path} ${what}: ${entry.loaded ? 'loading it again' : 'trying it again'}.`);
    await this.unload(entry);
    if (!this.entries.has(path) && this.rolesFor(path).size > 0) this.start(path, false);
  }

  private warnFile(entry: Entry, warning: string): void {
    this.log.warn(warning);
    entry.fileWarning = warning;
    this.emit();
  }

  private async loadEntry(entry: Entry, explicit: boolean): Promise<LoadedModel | undefined> {
    const { path } = entry;
    const fail = (message: string): undefined => {
      entry.failure = message;
      this.log.error(message);
      this.emit();
      return undefined;
    };
    if (!explicit && this.markers.crashed(path)) return fail(crashedMessage(path));
    const started = performance.now();
    try {
      // llama.cpp first: if it cannot run on this machine, no file can load, and the message says why.
      const llama = await loadLlama(this.log);
      const roles = [...entry.roles];
      const checked = await inspectModelFile(path, {
        contextSize: this.settings.model.contextSize,
        sequences: contextSequences(roles, this.settings.model.cachedPlaces),
        role: roles.length > 1 ? 'both' : roles[0],
        llama,
      });
      if (!checked.ok) return fail(`Cannot load the model ${path}: ${checked.reason}`);
      const loaded = await this.markers.around(path, () =>
        LoadedModel.load(path, checked, this.settings.model, roles, this.gate, this.log),
      );
      if (this.entries.get(path) !== entry) {
        // Unloaded (the settings changed) while it was loading: nobody wants it now.
        await loaded.dispose();
        return undefined;
      }
      entry.loaded = loaded;
      const info = loaded.info;
      entry.warnings = checked.warnings;
      for (const warning of entry.warnings) this.log.warn(warning);
      this.log.info(
        `Loaded ${info.name} (${info.architecture}, ${info.quantization}, context ${info.contextSize}, FIM ${info.fim ? 'yes' : 'no'}, ` +
          `for ${[...entry.roles].join(' and ')}) in ${Math.round(performance.now() - started)} ms`,
      );
      this.emit();
      return loaded;
    } catch (error) {
      // llama.cpp itself could not start: that is about this machine, not about the model file.
      if (error instanceof LlamaUnavailableError) return fail(error.message);
      return fail(`Cannot load the model ${path}: ${error instanceof Error ? error.message : String(error)}`);
    }
  }

  /** Forgets an entry now and frees its model once its running jobs have stopped. */
  private async unload(entry: Entry): Promise<void> {
    if (this.entries.get(entry.path) === entry) this.entries.delete(entry.path);
    entry.unwatch();
    const loaded = entry.loaded ?? (await entry.ready.catch(() => undefined));
    await loaded?.dispose();
  }

  private roleStatus(role: ModelRole): ModelStatus {
    const path = this.pathFor(role);
    if (!path) {
      return role === 'completion'
        ? { state: 'noModel', message: 'No model set: choose a GGUF file in the setting slmAssist.model.path.' }
        : { state: 'noModel' };
    }
    const entry = this.entries.get(path);
    // A restarted server says at once why it will not load the file that took the last one down.
    if (!entry && this.markers.crashed(path)) return { state: 'error', modelPath: path, message: crashedMessage(path) };
    if (!entry) return { state: 'noModel', modelPath: path, message: `The model ${path} loads on first use.` };
    if (entry.failure) return { state: 'error', modelPath: path, message: entry.failure };
    if (!entry.loaded) return { state: 'loading', modelPath: path, message: `Loading ${basename(path)}` };
    const remarks = entry.fileWarning ? [...entry.warnings, entry.fileWarning] : entry.warnings;
    return { state: 'ready', model: entry.loaded.info, message: remarks.length ? remarks.join(' ') : undefined };
  }

  private emit(): void {
    this.onStatus(this.status);
  }
}

function crashedMessage(path: string): string {
  return (
    `llama.cpp aborted the SLM Assist server while it was loading the model ${path}, so it is not loaded again. ` +
    'See the log; choose another file, or run "SLM Assist: Load Model" to try once more.'
  );
}

/** The value at a dotted key of the settings (`model.path`). */
function valueAt(settings: Settings, key: string): unknown {
  return key.split('.').reduce<unknown>((value, part) => (value as Record<string, unknown> | undefined)?.[part], settings);
}
