import type { InlineCompletionItem, Position } from 'vscode-languageserver/node';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import type { BackgroundTrace, BenchmarkCapability, CompletionTrace } from '../../../common/protocol';
import type { Settings } from '../../../common/settings';
import type { Logger } from '../log';
import type { CompletionEngine, GenerateOptions, GenerateResult } from '../model/engines';
import type { ModelRuntime } from '../model/runtime';
import type { TeamServer } from '../team/teamServer';
import { AbortedError, delay } from '../util/abort';
import { CompletionCache } from './cache/completionCache';
import { type DocumentWindow, documentWindow } from './context/documentWindow';
import { declineReason } from './context/prefilter';
import { chooseMiddleStart, flatCopy, type MiddleMemory } from './context/middleStart';
import { SnippetRing } from './context/snippets';
import { NO_OTHER_FILES, type Naming, type OtherFilesContext, otherFilesContext, workspaceNaming } from './prompt/otherFiles';
import { postprocess } from './postprocess/postprocess';
import { buildPrompt, templates } from './prompt/template';

/** Tokens kept free in the context for the template's special tokens. */
const TEMPLATE_SLACK = 8;

/** Share of the prefix budget a document's first window uses (documentWindow re-anchors at the same share). */
const FIRST_WINDOW_SHARE = 0.75;

/**
 * The quick window: when the full window's prompt would evaluate more than {@link QUICK_ABOVE_TOKENS}
 * tokens (after a move, a file switch, a start), the answer comes first from this many tokens before
 * and after the cursor, and the full window is evaluated in the background while the user is idle.
 * Chosen by `npm run eval` (Gemma 3 270M, 40 cold cases, first answers): 128 + 32 tokens matched
 * 2.5% of the expected lines exactly (edit similarity 0.379), 192 + 48 10.0% (0.438), 256 + 64
 * 10.0% (0.453), the full 1536-token window 20.0% (0.518); 192 + 48 is about a fifth of the
 * llama.vscode request's cold prefill. A document's first quick window uses three quarters of it,
 * as the full one does.
 */
export const QUICK_PREFIX_TOKENS = 192;
export const QUICK_SUFFIX_TOKENS = 48;
export const QUICK_ABOVE_TOKENS = 384;
/** Idle time after a quick answer before the full window is filled in: a keystroke this soon costs nothing. */
export const FILL_AFTER_IDLE_MS = 250;
/**
 * Idle time after a suggestion before the one after it is prefetched: while the user types on, each
 * keystroke comes sooner and would otherwise wait for a prefetch step (about 30 ms more to the first
 * token, `npm run bench` with debounce 0); reading a suggestion before accepting it takes longer.
 */
export const PREFETCH_AFTER_IDLE_MS = 150;
/**
 * Idle time before a document's prompt is read again with new other-file snippets (the user viewed
 * other places since it was built): about as much work as a new place's fill, so it waits for a
 * pause longer than one between two words.
 */
export const OTHER_FILES_AFTER_IDLE_MS = 1_000;
/** The clipboard's snippet is noted under this name. */
export const CLIPBOARD_URI = 'clipboard';

/** One request's prompt: the window it was cut from, where its middle starts, the other files before it. */
interface Plan {
  window: DocumentWindow;
  middleStart: number;
  context: OtherFilesContext;
  prompt: number[];
}

/** One piece of background work after an answer. */
interface BackgroundStep {
  kind: BackgroundTrace['kind'];
  /** Idle time first: a request this soon costs nothing. */
  idleMs: number;
  /** Returns the prompt tokens it evaluated. */
  job: (signal: AbortSignal) => Promise<number>;
}

/** Per-document positions a window keeps between requests, so that the prompt only grows while the user types. */
interface WindowMemory {
  anchors: Map<string, number>;
  middles: Map<string, MiddleMemory>;
}

/**
 * Answers inline-completion requests: window → prompt → generate → postprocess, with a cache in
 * front. Only the newest request runs: each new one aborts the one before it, which stops the
 * model within one batch, so a burst of keystrokes costs one generation.
 */
export class CompletionService {
  private latest?: AbortController;
  /** The background job under way or waiting (a fill or a prefetch); every request stops it. */
  private background?: AbortController;
  private backgroundUri?: string;
  private readonly cache = new CompletionCache(64);
  /** The full window's prefix start and middle start, per document. */
  private readonly full: WindowMemory = { anchors: new Map(), middles: new Map() };
  /** The same for the quick window. */
  private readonly quick: WindowMemory = { anchors: new Map(), middles: new Map() };
  /** The places the user viewed and edited recently: the other-file context's snippets. */
  private readonly snippets = new SnippetRing();
  /**
   * The other-file context each document's full prompts are built with. It changes only once the
   * prompt with new snippets has been read in the background (after {@link OTHER_FILES_AFTER_IDLE_MS}
   * idle), so a keystroke finds its prompt cached, and returning to a document finds the context
   * its cached place was built with.
   */
  private readonly otherFiles = new Map<string, OtherFilesContext>();
  private naming: Naming = workspaceNaming([]);
  /**
   * Set only by the initialize request's experimental capability (`npm run bench`): fixed-length
   * generations, so every benchmark run does the same work.
   */
  benchmark?: BenchmarkCapability;

  constructor(
    private readonly runtime: ModelRuntime,
    private readonly settings: () => Settings,
    private readonly log: Logger,
    private readonly onTrace?: (trace: CompletionTrace) => void,
    /** Where completions go first when `teamServer.url` is set. */
    private readonly team?: TeamServer,
    private readonly onBackground?: (trace: BackgroundTrace) => void,
  ) {}

  /** The reason last logged for declining a document, so a user typing there is told once. */
  private readonly declined = new Map<string, string>();

  /** The workspace folders' URIs, which name the files of the other-file context. */
  setWorkspaceFolders(folders: readonly string[]): void {
    this.naming = workspaceNaming(folders);
  }

  /** The user looks at `offset` of a document: a place for other documents' context. */
  viewed(uri: string, text: string, offset: number): void {
    if (declineReason(text, offset) === undefined) this.snippets.note(uri, text, offset);
  }

  /** The clipboard's text changed (sent only with `clipboardContext` on, and checked again here). */
  clipboard(text: string): void {
    if (this.settings().inlineCompletion.clipboardContext && !text.includes('\0')) this.snippets.noteText(CLIPBOARD_URI, text);
  }

  /**
   * Forgets what is known about a closed document, and stops background work for it. Its snippets
   * stay: it was viewed recently.
   */
  forget(uri: string): void {
    if (this.backgroundUri === uri) this.background?.abort();
    this.otherFiles.delete(uri);
    for (const memory of [this.full, this.quick]) {
      memory.anchors.delete(uri);
      memory.middles.delete(uri);
    }
    this.declined.delete(uri);
  }

  private logDeclined(uri: string, reason: string): void {
    if (this.declined.get(uri) === reason) return;
    this.declined.set(uri, reason);
    this.log.info(`No completions in ${uri}: ${reason}.`);
  }

  /** Drops cached completions (the model changed). */
  clear(): void {
    this.background?.abort();
    this.cache.clear();
    this.otherFiles.clear();
    for (const memory of [this.full, this.quick]) {
      memory.anchors.clear();
      memory.middles.clear();
    }
  }

  async provide(document: TextDocument, position: Position, cancel: AbortSignal): Promise<InlineCompletionItem[]> {
    const started = performance.now();
    const settings = this.settings().inlineCompletion;
    this.latest?.abort();
    this.background?.abort();
    const controller = new AbortController();
    this.latest = controller;
    const onCancel = (): void => controller.abort();
    cancel.addEventListener('abort', onCancel, { once: true });
    const trace: CompletionTrace = { uri: document.uri, source: 'none', cancelled: false, totalMs: 0, items: 0 };
    try {
      if (!settings.enabled || settings.disabledLanguages.includes(document.languageId)) return [];
      const engine = await this.runtime.completion();
      if (!engine) return [];
      const text = document.getText();
      const offset = document.offsetAt(position);
      const declined = declineReason(text, offset);
      if (declined !== undefined) {
        trace.declined = declined;
        this.logDeclined(document.uri, declined);
        return [];
      }
      const uri = document.uri;
      const local = !this.teamFirst();
      this.snippets.note(uri, text, offset);
      // Other files go to the local model only, with the context this document's prompts were built with.
      const context = local ? (this.otherFiles.get(uri) ?? NO_OTHER_FILES) : NO_OTHER_FILES;
      const plan = this.plan(engine, text, offset, uri, this.full, true, { context });
      // A prompt the cached places do not hold is answered from a short window first; the full one
      // is evaluated in the background, so the next keystrokes find it cached.
      const missing = () => (local ? plan.prompt.length - engine.cachedTokens(plan.prompt) : 0);
      let cached = this.cached(plan);
      let quick: Plan | undefined;
      if (cached === undefined && settings.quickFirstAnswer && missing() > QUICK_ABOVE_TOKENS) {
        quick = this.plan(engine, text, offset, uri, this.quick, true, { quick: true });
        cached = this.cached(quick);
      }
      const used = quick ?? plan;
      // After the answer: the suggestion that follows it, the full window (after a quick answer),
      // then the prompt with new other-file snippets, if other places were viewed since.
      const background = (completion: string | undefined): void => {
        const steps: BackgroundStep[] = [];
        if (local && completion) steps.push(this.prefetch(engine, uri, text, offset, completion, used, quick !== undefined));
        if (local) {
          // The fill reads the full window with the snippets the document's prompts were built with,
          // so that it resumes where a keystroke stopped it; new snippets come after it.
          if (quick) steps.push({ kind: 'fill', idleMs: FILL_AFTER_IDLE_MS, job: (signal) => engine.prefill(plan.prompt, signal) });
          steps.push({
            kind: 'otherFiles',
            idleMs: OTHER_FILES_AFTER_IDLE_MS,
            job: (signal) => this.readOtherFiles(engine, document, text, offset, plan, signal),
          });
        }
        this.startBackground(uri, started, steps);
      };
      if (cached !== undefined) {
        trace.source = 'cache';
        background(cached);
        return this.items(cached, position, trace);
      }
      if (settings.debounceMs > 0) await delay(settings.debounceMs, controller.signal);

      const result = await this.run(engine, used, controller.signal, quick !== undefined);
      trace.source = 'model';
      const { text: raw, backend, ...generation } = result;
      trace.generation = generation;
      trace.backend = backend;
      if (backend === 'local') {
        trace.window = quick ? 'quick' : 'full';
        trace.otherFiles = used.context.snippets;
      }
      const completion = this.finish(raw, used.window);
      if (completion !== undefined) this.store(used, completion);
      background(completion);
      return this.items(completion, position, trace);
    } catch (error) {
      if (error instanceof AbortedError) {
        trace.cancelled = true;
        return [];
      }
      throw error;
    } finally {
      cancel.removeEventListener('abort', onCancel);
      if (this.latest === controller) this.latest = undefined;
      trace.totalMs = performance.now() - started;
      this.report(trace);
    }
  }

  /**
   * The prompt for a request at `offset`: the window around the cursor (anchored where the previous
   * request's was, so that the prompt only grows while the user types) and where its middle starts.
   * `commit` remembers the anchor and the middle for the next request; a prefetch looks without.
   */
  private plan(
    engine: CompletionEngine,
    text: string,
    offset: number,
    uri: string,
    memory: WindowMemory,
    commit: boolean,
    { quick = false, context = NO_OTHER_FILES }: { quick?: boolean; context?: OtherFilesContext } = {},
  ): Plan {
    const settings = this.settings().inlineCompletion;
    const countTokens = (s: string): number => engine.tokenize(s).length;
    const contextTokens = context.repo.length + context.notes.length;
    const budget = Math.max(16, engine.info.contextSize - settings.maxTokens - settings.suffixTokens - TEMPLATE_SLACK - contextTokens);
    const anchor = memory.anchors.get(uri);
    const prefixTokens = Math.min(quick ? QUICK_PREFIX_TOKENS : settings.prefixTokens, budget);
    const window = documentWindow(
      text,
      offset,
      // A document's first window leaves the same slack as a re-anchored one, so that typing does
      // not outgrow it (and evaluate the whole prompt again) within the first few lines.
      {
        prefixTokens: anchor === undefined ? Math.floor(prefixTokens * FIRST_WINDOW_SHARE) : prefixTokens,
        suffixTokens: quick ? Math.min(QUICK_SUFFIX_TOKENS, settings.suffixTokens) : settings.suffixTokens,
      },
      countTokens,
      anchor,
    );
    const middleStart = chooseMiddleStart(text, offset, window, memory.middles.get(uri));
    if (commit) {
      memory.anchors.set(uri, window.prefixStart);
      memory.middles.set(uri, { start: middleStart, suffix: flatCopy(window.suffix) });
    }
    return { window, middleStart, context, prompt: this.prompt(engine, window, middleStart, context) };
  }

  /** The suggestion cached for a plan's window with its other files. */
  private cached(plan: Plan): string | undefined {
    return this.cache.get(plan.window.prefix, cacheSuffix(plan));
  }

  private store(plan: Plan, completion: string): void {
    this.cache.set(plan.window.prefix, cacheSuffix(plan), completion);
  }

  /**
   * A document's other-file context as the snippets are now, in the model family's form
   * (repository-level tokens only in a FIM prompt; comments otherwise).
   */
  private freshContext(engine: CompletionEngine, uri: string, languageId: string): OtherFilesContext {
    const settings = this.settings().inlineCompletion;
    return otherFilesContext(this.snippets, {
      uri,
      languageId,
      budget: settings.otherFilesTokens,
      tokenize: (text) => engine.tokenize(text),
      repo: usesFim(engine, settings.fillInTheMiddle) ? engine.repo : undefined,
      naming: this.naming,
    });
  }

  /**
   * Background, after the full window is cached: when other places were viewed since the document's
   * prompts were built (a snippet's edits alone do not count: its new text comes with the next new
   * places), its full prompt is read with the snippets as they are now, beside the place holding
   * the old one, which it then replaces; only then do its prompts use them. A keystroke half-way
   * leaves the cached prompt as it was, and the next pause goes on from where it stopped. Returns
   * the tokens evaluated (0: nothing changed).
   */
  private async readOtherFiles(
    engine: CompletionEngine,
    document: TextDocument,
    text: string,
    offset: number,
    plan: Plan,
    signal: AbortSignal,
  ): Promise<number> {
    const context = this.freshContext(engine, document.uri, document.languageId);
    if (context.places === plan.context.places) return 0;
    const next = this.plan(engine, text, offset, document.uri, this.full, false, { context });
    const evaluated = await engine.prefill(next.prompt, signal, plan.prompt);
    this.otherFiles.set(document.uri, context);
    return evaluated;
  }

  private prompt(engine: CompletionEngine, window: DocumentWindow, middleStart: number, context: OtherFilesContext): number[] {
    const settings = this.settings().inlineCompletion;
    const fim = usesFim(engine, settings.fillInTheMiddle) ? engine.fim : undefined;
    const layout = !fim ? 'prefixOnly' : settings.promptLayout === 'appendable' ? 'appendable' : 'psm';
    // Only the appendable layout splits the text before the cursor; the others keep it whole.
    const split = layout === 'appendable' ? middleStart - window.prefixStart : window.prefix.length;
    return buildPrompt(
      templates[layout],
      {
        prefix: engine.tokenize(window.prefix.slice(0, split)),
        suffix: fim ? engine.tokenize(window.suffix) : [],
        middle: engine.tokenize(window.prefix.slice(split)),
        repo: context.repo,
        notes: context.notes,
      },
      fim,
    );
  }

  private finish(raw: string, window: DocumentWindow): string | undefined {
    return postprocess({
      completion: raw,
      linePrefix: window.linePrefix,
      lineSuffix: window.lineSuffix,
      suffix: window.suffix,
      eol: window.eol,
    });
  }

  private options(window: DocumentWindow, signal: AbortSignal): GenerateOptions {
    const settings = this.settings().inlineCompletion;
    const options: GenerateOptions = {
      maxTokens: settings.maxTokens,
      timeBudgetMs: settings.timeBudgetMs,
      signal,
      stopAtNewline: window.lineSuffix.trim() !== '',
    };
    const bench = this.benchmark;
    if (bench) {
      Object.assign(options, { maxTokens: bench.fixedTokens, ignoreEog: bench.ignoreEog, stopAtNewline: false, timeBudgetMs: Infinity });
    }
    return options;
  }

  private run(
    engine: CompletionEngine,
    plan: Plan,
    signal: AbortSignal,
    quick: boolean,
  ): Promise<GenerateResult & { backend: 'local' | 'team' }> {
    this.log.debug(`completion: evaluating a ${quick ? 'quick' : 'full'} prompt of ${plan.prompt.length} tokens`);
    const options = { ...this.options(plan.window, signal), quick };
    const local = (): Promise<GenerateResult> => engine.generate(plan.prompt, options);
    if (this.teamFirst()) return this.team!.generate(engine, plan.prompt, options, local);
    return local().then((result) => ({ ...result, backend: 'local' as const }));
  }

  /**
   * After a suggestion is shown: generate the one that follows it, as if it were accepted, so that
   * accepting and asking again is answered from the cache (llama.vscode does the same). It runs on
   * the sequence the suggestion came from, which holds all of its prompt, and stops at the next
   * request. "Nothing to show" is cached too: it is what the model would answer then.
   */
  private prefetch(
    engine: CompletionEngine,
    uri: string,
    text: string,
    offset: number,
    completion: string,
    shown: Plan,
    quick: boolean,
  ): BackgroundStep {
    return {
      kind: 'prefetch',
      idleMs: PREFETCH_AFTER_IDLE_MS,
      job: async (signal) => {
        const next = text.slice(0, offset) + completion + text.slice(offset);
        const cursor = offset + completion.length;
        if (declineReason(next, cursor) !== undefined) return 0;
        const plan = this.plan(engine, next, cursor, uri, quick ? this.quick : this.full, false, { quick, context: shown.context });
        if (this.cached(plan) !== undefined) return 0;
        const result = await engine.generate(plan.prompt, { ...this.options(plan.window, signal), quick });
        this.store(plan, this.finish(result.text, plan.window) ?? '');
        return result.evaluatedTokens;
      },
    };
  }

  /** Whether completions go to the team server first (never in the benchmark). */
  private teamFirst(): boolean {
    return !this.benchmark && this.team?.routes() === true;
  }

  /**
   * Runs the steps one after the other, each after its idle wait, until a request comes: a request
   * stops the step under way (between two batches or tokens) and the ones after it.
   */
  private startBackground(uri: string, started: number, steps: BackgroundStep[]): void {
    this.background?.abort();
    if (steps.length === 0) return;
    const controller = new AbortController();
    this.background = controller;
    this.backgroundUri = uri;
    void (async () => {
      for (const step of steps) {
        const trace: BackgroundTrace = { uri, kind: step.kind, cancelled: false, totalMs: 0 };
        try {
          if (step.idleMs > 0) await delay(step.idleMs, controller.signal);
          trace.evaluatedTokens = await step.job(controller.signal);
        } catch (error) {
          if (!(error instanceof AbortedError)) {
            this.log.warn(`Background ${step.kind} for ${uri} failed: ${error instanceof Error ? error.message : String(error)}`);
          }
          trace.cancelled = true;
        }
        trace.totalMs = performance.now() - started;
        this.log.debug(
          `completion ${step.kind} ${trace.cancelled ? 'stopped' : 'done'} ${Math.round(trace.totalMs)} ms, ${trace.evaluatedTokens ?? 0} tokens evaluated`,
        );
        this.onBackground?.(trace);
        if (trace.cancelled) break;
      }
      if (this.background === controller) this.background = undefined;
    })();
  }

  private items(completion: string | undefined, position: Position, trace: CompletionTrace): InlineCompletionItem[] {
    if (!completion) return [];
    trace.items = 1;
    return [{ insertText: completion, range: { start: position, end: position } }];
  }

  private report(trace: CompletionTrace): void {
    const g = trace.generation;
    this.log.debug(
      `completion ${trace.source} ${Math.round(trace.totalMs)} ms` +
        (g
          ? `: prompt ${g.promptTokens} tokens (${g.evaluatedTokens} evaluated), ${g.generatedTokens} generated, first token ${Math.round(g.firstTokenMs ?? -1)} ms, stop ${g.stopReason}`
          : ''),
    );
    this.onTrace?.(trace);
  }
}

/** The cache's suffix key: the other files are part of what a suggestion was made from. */
function cacheSuffix(plan: Plan): string {
  return plan.context.key ? `${plan.context.key}\0${plan.window.suffix}` : plan.window.suffix;
}

/** Whether completions use the model's FIM tokens under `inlineCompletion.fillInTheMiddle`. */
export function usesFim(engine: Pick<CompletionEngine, 'fim' | 'fimByDefault'>, setting: 'auto' | 'on' | 'off'): boolean {
  if (!engine.fim || setting === 'off') return false;
  return setting === 'on' || engine.fimByDefault;
}
