import assert from 'node:assert/strict';
import { CancellationTokenSource } from 'vscode-languageserver-protocol/node';
import { ExplainRequest, SummarizeRequest } from '../../common/protocol';
import { ensureModel } from '../modelgen';
import { endOf, LspClient } from './harness';

/** A code file of about `bytes` bytes, made of many small functions. */
function codeFile(bytes: number): string {
  const parts: string[] = [];
  let size = 0;
  for (let i = 0; size < bytes; i++) {
    const part = `export function handler${i}(request: Request): Response {\n  const value = request.body?.length ?? ${i};\n  return new Response(String(value * ${i}));\n}\n\n`;
    parts.push(part);
    size += part.length;
  }
  return parts.join('');
}

/** Summaries come from a small random-weight model (fast, streams text); completions from the known model. */
function settings(extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    model: { path: ensureModel('known'), threads: 1, contextSize: 2048 },
    chatModel: { path: ensureModel('tiny') },
    inlineCompletion: { debounceMs: 0 },
    summary: { maxTokens: 24 },
    ...extra,
  };
}

describe('summaries and explanations over LSP (local model)', function () {
  let server: LspClient;
  const uri = 'file:///work/service.ts';
  const small = codeFile(600);

  before(async () => {
    server = await LspClient.start({ initializationOptions: settings(), netSpy: true });
    await server.open(uri, small);
  });
  after(async () => {
    await server?.stop();
    assert.deepEqual(server.networkAttempts, [], 'no network connection with fallback off');
  });

  it('summarizes a short file in one piece, streaming the answer as partial results', async function () {
    const { result, partials } = await server.textHelp(SummarizeRequest, { textDocument: { uri } });
    assert.equal(result.chunks, 1);
    assert.ok(result.text.length > 0, 'the answer has text');
    assert.ok(partials.length > 1, `streamed in ${partials.length} pieces`);
    assert.equal(partials.join(''), result.text, 'what streamed is the answer');
    assert.equal(result.model.location, 'local');
    assert.equal(result.model.host, undefined);
    assert.ok(result.usage.promptTokens > 50);
    assert.ok(result.usage.completionTokens > 0 && result.usage.completionTokens <= 24);
    // The time spent writing is reported apart from loading and reading, for a true tokens/s.
    assert.ok(result.usage.generationMs! > 0 && result.usage.generationMs! < result.usage.ms, JSON.stringify(result.usage));
    assert.equal(result.incomplete, undefined);
  });

  it('explains only the selected range', async function () {
    const whole = await server.textHelp(ExplainRequest, { textDocument: { uri } });
    const selected = await server.textHelp(ExplainRequest, {
      textDocument: { uri },
      range: { start: { line: 0, character: 0 }, end: { line: 3, character: 1 } },
    });
    assert.ok(selected.result.text.length > 0);
    assert.ok(
      selected.result.usage.promptTokens < whole.result.usage.promptTokens - 20,
      `selection prompt ${selected.result.usage.promptTokens} tokens, whole file ${whole.result.usage.promptTokens}`,
    );
  });

  it('says so when there is nothing to summarize, or the document is unknown', async function () {
    await assert.rejects(
      server.textHelp(SummarizeRequest, {
        textDocument: { uri },
        range: { start: { line: 1, character: 0 }, end: { line: 1, character: 0 } },
      }),
      /Nothing to summarize: the text is empty/,
    );
    await assert.rejects(server.textHelp(SummarizeRequest, { textDocument: { uri: 'file:///work/unknown.ts' } }), /is not open/);
  });

  it('stops when cancelled and returns what it had, marked incomplete', async function () {
    await server.configure(settings({ summary: { maxTokens: 400 } }));
    const cancel = new CancellationTokenSource();
    let seen = 0;
    const { result, partials } = await server.textHelp(
      SummarizeRequest,
      { textDocument: { uri } },
      { cancel, onPartial: () => ++seen === 3 && cancel.cancel() },
    );
    assert.equal(result.incomplete, true);
    assert.ok(result.usage.completionTokens === 0 || result.usage.completionTokens < 400);
    assert.ok(result.text.startsWith(partials.slice(0, 3).join('')), 'the text streamed before Stop is kept');
    assert.ok(partials.length < 400);
    await server.configure(settings());
  });

  it('summarizes a 200 KB file locally in pieces, reporting each piece, and streams the result', async function () {
    const bigUri = 'file:///work/big-service.ts';
    const big = codeFile(200 * 1024);
    await server.open(bigUri, big);
    const { result, partials, progress } = await server.textHelp(SummarizeRequest, { textDocument: { uri: bigUri } });
    assert.ok(result.chunks > 5, `${result.chunks} pieces`);
    const reading = progress.filter((m) => m.startsWith('reading chunk'));
    assert.equal(reading.length, result.chunks);
    assert.equal(reading[0], `reading chunk 1 of ${result.chunks}`);
    assert.equal(reading[reading.length - 1], `reading chunk ${result.chunks} of ${result.chunks}`);
    assert.ok(result.text.length > 0);
    assert.equal(partials.join(''), result.text);
    assert.equal(result.model.location, 'local');
    await server.close(bigUri);
  });

  it('answers a completion while a long summary runs: the summary gives way', async function () {
    const bigUri = 'file:///work/big-service-2.ts';
    await server.open(bigUri, codeFile(120 * 1024));
    const completionUri = 'file:///work/typing.ts';
    await server.open(completionUri, 'console');
    let summaryDone = false;
    let completionSent = false;
    let answered: Promise<string[]> | undefined;
    const summary = server
      .textHelp(
        SummarizeRequest,
        { textDocument: { uri: bigUri } },
        {
          onProgress: (message) => {
            // Once the summary is well under way, type.
            if (!completionSent && message.startsWith('reading chunk 3')) {
              completionSent = true;
              answered = server.complete(completionUri, endOf('console'));
            }
          },
        },
      )
      .then((r) => ((summaryDone = true), r));
    await server.waitFor(() => answered, 'the completion to be sent');
    assert.deepEqual(await answered, ['.log(']);
    assert.equal(summaryDone, false, 'the completion was answered while the summary was still running');
    const { result } = await summary;
    assert.ok(result.chunks > 3);
  });
});

describe('one model for completion and chat', function () {
  it('loads the file once when chatModel.path names the completion model', async function () {
    const tiny = ensureModel('tiny');
    const server = await LspClient.start({
      initializationOptions: {
        model: { path: tiny, threads: 1 },
        chatModel: { path: tiny },
        summary: { maxTokens: 8 },
        inlineCompletion: { debounceMs: 0 },
      },
    });
    try {
      await server.open('file:///work/a.ts', 'export const a = 1;\n');
      await server.complete('file:///work/a.ts', { line: 1, character: 0 });
      const { result } = await server.textHelp(SummarizeRequest, { textDocument: { uri: 'file:///work/a.ts' } });
      assert.equal(result.model.location, 'local');
      const loads = server.logs.filter((l) => l.message.startsWith('Loaded '));
      assert.equal(loads.length, 1, loads.map((l) => l.message).join('\n'));
    } finally {
      await server.stop();
    }
  });
});
