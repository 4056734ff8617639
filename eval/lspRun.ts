import { type CompletionTrace, type StatusParams, ViewedNotification } from '../common/protocol';
import { LspClient } from '../test/lsp/harness';
import type { EvalCase, ViewedPlace } from './cases';

/** How one model is asked: the `slmAssist.inlineCompletion` settings that pick the prompt layout. */
export interface Layout {
  /** The name in the results: `prefix-only`, `FIM`. */
  name: string;
  inlineCompletion: Record<string, unknown>;
}

/** What the server answered for one case. */
export interface CaseRun {
  id: string;
  suggestion: string;
  /** From sending `textDocument/inlineCompletion` to its answer, as a client sees it. */
  latencyMs: number;
  trace?: CompletionTrace;
}

export interface LspRunResult {
  status: StatusParams;
  loadMs: number;
  runs: CaseRun[];
}

/** The fixture's document URI: its path without the `.txt` suffix, as an editor would name it. */
function uriOf(file: string): string {
  return `file:///eval/${file.replace(/\.txt$/, '')}`;
}

/**
 * Replays the cases through the built server over LSP stdio, as an editor would: each fixture
 * opened once, its text replaced by the case's document (the file without the rest of the
 * cursor's line), then one `textDocument/inlineCompletion` at the cursor. Debounce 0 and a long
 * time budget, so what is scored is what the model says rather than how fast this machine is;
 * every other setting is the default unless `extra` says otherwise.
 */
export async function runOverLsp(
  serverPath: string,
  modelPath: string,
  layout: Layout,
  cases: EvalCase[],
  extra: {
    threads?: number;
    onCase?: (done: number) => void;
    /**
     * Other-file context: before each case these places are opened and reported viewed, and the case
     * is asked twice, the second time once the server has read its new snippets while idle.
     */
    otherFiles?: (c: EvalCase) => ViewedPlace[];
  } = {},
): Promise<LspRunResult> {
  const server = await LspClient.start({
    serverPath,
    initializationOptions: {
      model: { path: modelPath, ...(extra.threads ? { threads: extra.threads } : {}) },
      inlineCompletion: { debounceMs: 0, timeBudgetMs: 60_000, ...layout.inlineCompletion },
    },
  });
  try {
    const started = performance.now();
    const status = await server.loadModel();
    const loadMs = performance.now() - started;
    if (status.state !== 'ready') throw new Error(`${modelPath} did not load: ${status.message ?? status.state}`);
    const opened = new Set<string>();
    const runs: CaseRun[] = [];
    for (const c of cases) {
      const uri = uriOf(c.file);
      const text = c.prefix + c.suffix;
      for (const place of extra.otherFiles?.(c) ?? []) {
        const other = uriOf(place.file);
        if (!opened.has(other)) {
          await server.open(other, place.text, place.language);
          opened.add(other);
        }
        await server.connection.sendNotification(ViewedNotification.method, { textDocument: { uri: other }, line: place.line });
      }
      if (opened.has(uri)) await server.replace(uri, text);
      else {
        await server.open(uri, text, c.language);
        opened.add(uri);
      }
      if (extra.otherFiles) {
        // As after a pause: the snippets are read in the background, then the user asks again.
        const mark = server.backgroundTraces.length;
        await server.complete(uri, { line: c.line, character: c.character });
        await server.waitFor(
          () => server.backgroundTraces.slice(mark).find((t) => t.uri === uri && t.kind === 'otherFiles' && !t.cancelled),
          `the other files of ${c.id}`,
          120_000,
        );
      }
      const traces = server.traces.length;
      const sent = performance.now();
      const [suggestion = ''] = await server.complete(uri, { line: c.line, character: c.character });
      const latencyMs = performance.now() - sent;
      // The trace is sent just before the answer; wait for it rather than assume the order.
      const trace = await server.waitFor(() => server.traces.slice(traces).find((t) => t.uri === uri), `the trace of ${c.id}`, 10_000);
      runs.push({ id: c.id, suggestion, latencyMs, trace });
      extra.onCase?.(runs.length);
    }
    return { status, loadMs, runs };
  } finally {
    await server.stop();
  }
}
