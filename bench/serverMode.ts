import { readFileSync } from 'node:fs';
import { CancellationTokenSource } from 'vscode-languageserver-protocol/node';
import { SummarizeRequest } from '../common/protocol';
import { LspClient } from '../test/lsp/harness';
import { CpuMonitor } from './cpuMonitor';
import { type Fixture, Typist } from './script';
import type { KeystrokeResult, ModeResult } from './report';

export interface ServerModeOptions {
  label: string;
  serverPath: string;
  modelPath: string;
  fixtures: readonly Fixture[];
  /** Tokens generated per request (the server's benchmark switch). */
  fixedTokens: number;
  /** Milliseconds between scheduled keystrokes. */
  keystrokeMs: number;
  /** `slmAssist.model` settings besides the path. */
  modelSettings?: Record<string, unknown>;
  /** `slmAssist.inlineCompletion` settings on top of the defaults (debounce is always 0). */
  inlineCompletion?: Record<string, unknown>;
  monitor: CpuMonitor;
  /**
   * A summary of this document runs throughout the typing: started before the first keystroke,
   * cancelled after the last.
   */
  summary?: { uri: string; text: string; languageId: string; maxTokens: number };
}

/** The summary that ran during a mode's typing. */
export interface SummaryLoad {
  /** Pieces the server split the document into. */
  pieces: number;
  /** Its last progress message before the script ended, and how many it sent until then. */
  lastProgress: string;
  progressMessages: number;
  /** Characters of answer streamed until the script ended. */
  streamedChars: number;
  /** The summary was still running when the script ended (it should be). */
  runningAtEnd: boolean;
  /** How it ended after the cancellation. */
  ended: string;
}

/** The server's resident memory now and at its peak, from /proc. */
export function memory(pid: number): { rss: number; peak: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (key: string): number => Number(new RegExp(`${key}:\\s+(\\d+) kB`).exec(status)?.[1] ?? 0) * 1024;
  return { rss: kb('VmRSS'), peak: kb('VmHWM') };
}

/**
 * Drives the built server over LSP stdio as an editor would: per keystroke an incremental
 * didChange, then an inline-completion request, awaited; the next keystroke goes out at its
 * scheduled time, or at once when the answer came later than that.
 */
export async function runServerMode(
  options: ServerModeOptions,
): Promise<ModeResult & { accepted: Map<number, string>; summary?: SummaryLoad }> {
  const server = await LspClient.start({
    serverPath: options.serverPath,
    initializationOptions: {
      model: { ...options.modelSettings, path: options.modelPath },
      inlineCompletion: { ...options.inlineCompletion, debounceMs: 0 },
      ...(options.summary ? { summary: { maxTokens: options.summary.maxTokens } } : {}),
    },
    experimental: { benchmark: { ignoreEog: true, fixedTokens: options.fixedTokens } },
  });
  const pid = server.process.pid!;
  options.monitor.reset();
  options.monitor.track(pid);
  const perRequest = new CpuMonitor();
  perRequest.track(pid);
  const accepted = new Map<number, string>();
  const keystrokes: KeystrokeResult[] = [];
  const cancelSummary = new CancellationTokenSource();
  let summaryRun: Promise<string> | undefined;
  try {
    for (const fixture of options.fixtures) await server.open(fixture.uri, fixture.text, fixture.languageId);
    const loadStarted = performance.now();
    const status = await server.loadModel();
    const loadMs = performance.now() - loadStarted;
    if (status.state !== 'ready') throw new Error(`the model did not load: ${status.message ?? status.state}`);
    const afterLoad = memory(pid).rss;

    let summaryState: { progress: string[]; streamedChars: number; running: boolean } | undefined;
    if (options.summary) {
      const { uri, text, languageId } = options.summary;
      await server.open(uri, text, languageId);
      const state = { progress: [] as string[], streamedChars: 0, running: true };
      summaryState = state;
      let underWay: () => void = () => undefined;
      const started = new Promise<void>((resolve) => (underWay = resolve));
      summaryRun = server
        .textHelp(
          SummarizeRequest,
          { textDocument: { uri } },
          {
            cancel: cancelSummary,
            onProgress: (message) => (state.progress.push(message), underWay()),
            onPartial: (delta) => (state.streamedChars += delta.length),
          },
        )
        .then(
          (r) => `${r.result.incomplete ? 'cancelled' : 'finished'} after ${r.result.usage.completionTokens} generated tokens`,
          (error: unknown) => `failed: ${error instanceof Error ? error.message : String(error)}`,
        )
        .finally(() => (state.running = false));
      // The first keystroke goes out once the summary reads its first piece (or has ended: then it is reported).
      await Promise.race([started, summaryRun]);
      if (!state.running) throw new Error(`the summary ${await summaryRun} before the first keystroke`);
    }

    const typist = new Typist(options.fixtures);
    let lastSuggestion = '';
    let due = performance.now();
    for (;;) {
      const keystroke = typist.next(() => lastSuggestion);
      if (!keystroke) break;
      if (keystroke.kind === 'accept') accepted.set(keystroke.index, keystroke.text);
      const wait = due - performance.now();
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      const tracesBefore = server.traces.length;
      perRequest.reset();
      const started = performance.now();
      due = started + options.keystrokeMs;
      await server.insert(keystroke.uri, keystroke.at, keystroke.text);
      const items = await server.complete(keystroke.uri, keystroke.cursor);
      const responseMs = performance.now() - started;
      const othersCores = perRequest.othersCores();
      const trace = await server.waitFor(() => server.traces[tracesBefore], `the trace of keystroke ${keystroke.index}`);
      if (items[0]) lastSuggestion = items[0];
      const g = trace.generation;
      const decodeMs = g && g.firstTokenMs !== undefined ? g.totalMs - g.firstTokenMs : undefined;
      keystrokes.push({
        index: keystroke.index,
        kind: keystroke.kind,
        afterMove: keystroke.afterMove,
        source: trace.source,
        responseMs,
        // The client's wait minus the decoding after the first token: keystroke to first token.
        firstTokenMs: decodeMs !== undefined ? responseMs - decodeMs : undefined,
        promptTokens: g?.promptTokens,
        evaluatedTokens: g?.evaluatedTokens,
        generatedTokens: g?.generatedTokens,
        decodeTokensPerSecond: decodeMs && g && g.generatedTokens > 1 ? ((g.generatedTokens - 1) * 1000) / decodeMs : undefined,
        othersCores,
      });
    }
    const { rss, peak } = memory(pid);
    let summary: SummaryLoad | undefined;
    if (summaryState && summaryRun) {
      const runningAtEnd = summaryState.running;
      const lastProgress = summaryState.progress[summaryState.progress.length - 1] ?? '';
      const progressMessages = summaryState.progress.length;
      const streamedChars = summaryState.streamedChars;
      cancelSummary.cancel();
      const ended = await summaryRun;
      const pieces = Number(/ of (\d+)/.exec(summaryState.progress[0] ?? '')?.[1] ?? NaN);
      summary = { pieces, lastProgress, progressMessages, streamedChars, runningAtEnd, ended };
    }
    return {
      label: options.label,
      keystrokes,
      loadMs,
      rssAfterLoadBytes: afterLoad,
      rssBytes: rss,
      peakRssBytes: peak,
      othersCores: options.monitor.othersCores(),
      accepted,
      summary,
    };
  } finally {
    cancelSummary.cancel();
    await summaryRun;
    cancelSummary.dispose();
    options.monitor.poll();
    await server.stop();
  }
}
