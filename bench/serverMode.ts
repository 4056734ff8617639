import { readFileSync } from 'node:fs';
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
}

/** The server's resident memory now and at its peak, from /proc. */
function memory(pid: number): { rss: number; peak: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (key: string): number => Number(new RegExp(`${key}:\\s+(\\d+) kB`).exec(status)?.[1] ?? 0) * 1024;
  return { rss: kb('VmRSS'), peak: kb('VmHWM') };
}

/**
 * Drives the built server over LSP stdio as an editor would: per keystroke an incremental
 * didChange, then an inline-completion request, awaited; the next keystroke goes out at its
 * scheduled time, or at once when the answer came later than that.
 */
export async function runServerMode(options: ServerModeOptions): Promise<ModeResult & { accepted: Map<number, string> }> {
  const server = await LspClient.start({
    serverPath: options.serverPath,
    initializationOptions: {
      model: { ...options.modelSettings, path: options.modelPath },
      inlineCompletion: { ...options.inlineCompletion, debounceMs: 0 },
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
  try {
    for (const fixture of options.fixtures) await server.open(fixture.uri, fixture.text, fixture.languageId);
    const loadStarted = performance.now();
    const status = await server.loadModel();
    const loadMs = performance.now() - loadStarted;
    if (status.state !== 'ready') throw new Error(`the model did not load: ${status.message ?? status.state}`);
    const afterLoad = memory(pid).rss;

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
    return {
      label: options.label,
      keystrokes,
      loadMs,
      rssAfterLoadBytes: afterLoad,
      rssBytes: rss,
      peakRssBytes: peak,
      othersCores: options.monitor.othersCores(),
      accepted,
    };
  } finally {
    options.monitor.poll();
    await server.stop();
  }
}
