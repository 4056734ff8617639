import type { InlineCompletionItem, Position } from 'vscode-languageserver/node';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import type { BenchmarkCapability, CompletionTrace } from '../../../common/protocol';
import type { Settings } from '../../../common/settings';
import type { Logger } from '../log';
import type { CompletionEngine, GenerateOptions, GenerateResult } from '../model/engines';
import type { ModelRuntime } from '../model/runtime';
import type { TeamServer } from '../team/teamServer';
import { AbortedError, delay } from '../util/abort';
import { CompletionCache } from './cache/completionCache';
import { documentWindow } from './context/documentWindow';
import { declineReason } from './context/prefilter';
import { chooseMiddleStart, flatCopy, type MiddleMemory } from './context/middleStart';
import { postprocess } from './postprocess/postprocess';
import { buildPrompt, templates } from './prompt/template';

/** Tokens kept free in the context for the template's special tokens. */
const TEMPLATE_SLACK = 8;

/** Share of the prefix budget a document's first window uses (documentWindow re-anchors at the same share). */
const FIRST_WINDOW_SHARE = 0.75;

/**
 * Answers inline-completion requests: window → prompt → generate → postprocess, with a cache in
 * front. Only the newest request runs: each new one aborts the one before it, which stops the
 * model within one batch, so a burst of keystrokes costs one generation.
 */
export class CompletionService {
  private latest?: AbortController;
  private readonly cache = new CompletionCache(64);
  /** The prefix window's start per document, so the prompt only grows while the user types. */
  private readonly anchors = new Map<string, number>();
  /** Where the middle of the `appendable` layout starts, per document. */
  private readonly middles = new Map<string, MiddleMemory>();
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
  ) {}

  /** The reason last logged for declining a document, so a user typing there is told once. */
  private readonly declined = new Map<string, string>();

  /** Forgets what is known about a closed document. */
  forget(uri: string): void {
    this.anchors.delete(uri);
    this.middles.delete(uri);
    this.declined.delete(uri);
  }

  private logDeclined(uri: string, reason: string): void {
    if (this.declined.get(uri) === reason) return;
    this.declined.set(uri, reason);
    this.log.info(`No completions in ${uri}: ${reason}.`);
  }

  /** Drops cached completions (the model changed). */
  clear(): void {
    this.cache.clear();
    this.anchors.clear();
    this.middles.clear();
  }

  async provide(document: TextDocument, position: Position, cancel: AbortSignal): Promise<InlineCompletionItem[]> {
    const started = performance.now();
    const settings = this.settings().inlineCompletion;
    this.latest?.abort();
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
      const countTokens = (s: string): number => engine.tokenize(s).length;
      const budget = Math.max(16, engine.info.contextSize - settings.maxTokens - settings.suffixTokens - TEMPLATE_SLACK);
      const anchor = this.anchors.get(document.uri);
      const prefixTokens = Math.min(settings.prefixTokens, budget);
      const window = documentWindow(
        text,
        offset,
        // A document's first window leaves the same slack as a re-anchored one, so that typing does
        // not outgrow it (and evaluate the whole prompt again) within the first few lines.
        {
          prefixTokens: anchor === undefined ? Math.floor(prefixTokens * FIRST_WINDOW_SHARE) : prefixTokens,
          suffixTokens: settings.suffixTokens,
        },
        countTokens,
        anchor,
      );
      this.anchors.set(document.uri, window.prefixStart);
      const middleStart = chooseMiddleStart(text, offset, window, this.middles.get(document.uri));
      this.middles.set(document.uri, { start: middleStart, suffix: flatCopy(window.suffix) });

      const cached = this.cache.get(window.prefix, window.suffix);
      if (cached !== undefined) {
        trace.source = 'cache';
        return this.items(cached, position, trace);
      }
      if (settings.debounceMs > 0) await delay(settings.debounceMs, controller.signal);

      const result = await this.run(engine, window, middleStart, controller.signal);
      trace.source = 'model';
      const { text: raw, backend, ...generation } = result;
      trace.generation = generation;
      trace.backend = backend;
      const completion = postprocess({
        completion: raw,
        linePrefix: window.linePrefix,
        lineSuffix: window.lineSuffix,
        suffix: window.suffix,
        eol: window.eol,
      });
      if (completion !== undefined) this.cache.set(window.prefix, window.suffix, completion);
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

  private run(
    engine: CompletionEngine,
    window: ReturnType<typeof documentWindow>,
    middleStart: number,
    signal: AbortSignal,
  ): Promise<GenerateResult & { backend: 'local' | 'team' }> {
    const settings = this.settings().inlineCompletion;
    const fim = usesFim(engine, settings.fillInTheMiddle) ? engine.fim : undefined;
    const layout = !fim ? 'prefixOnly' : settings.promptLayout === 'appendable' ? 'appendable' : 'psm';
    // Only the appendable layout splits the text before the cursor; the others keep it whole.
    const split = layout === 'appendable' ? middleStart - window.prefixStart : window.prefix.length;
    const prompt = buildPrompt(
      templates[layout],
      {
        prefix: engine.tokenize(window.prefix.slice(0, split)),
        suffix: fim ? engine.tokenize(window.suffix) : [],
        middle: engine.tokenize(window.prefix.slice(split)),
      },
      fim,
    );
    this.log.debug(`completion: evaluating a prompt of ${prompt.length} tokens`);
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
    const local = (): Promise<GenerateResult> => engine.generate(prompt, options);
    if (this.team && !bench) return this.team.generate(engine, prompt, options, local);
    return local().then((result) => ({ ...result, backend: 'local' as const }));
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

/** Whether completions use the model's FIM tokens under `inlineCompletion.fillInTheMiddle`. */
export function usesFim(engine: Pick<CompletionEngine, 'fim' | 'fimByDefault'>, setting: 'auto' | 'on' | 'off'): boolean {
  if (!engine.fim || setting === 'off') return false;
  return setting === 'on' || engine.fimByDefault;
}
