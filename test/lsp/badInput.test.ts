import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CancellationTokenSource } from 'vscode-languageserver-protocol/node';
import { BROKEN_KINDS, ensureModel } from '../modelgen';
import { endOf, LspClient, testSettings } from './harness';

const uri = 'file:///work/bad.ts';

describe('bad model files: a clear error naming the file, and the server keeps running', function () {
  let server: LspClient;
  const folder = mkdtempSync(join(tmpdir(), 'slm-bad-'));
  const expectations: Array<[string, string, RegExp]> = [
    ['a path that does not exist', join(folder, 'nope.gguf'), /does not exist/],
    ['a folder', folder, /folder, not a file/],
    ['a text file', ensureModel('broken:not-gguf'), /not a GGUF file/],
    ['an empty file', ensureModel('broken:empty'), /empty \(0 bytes\)/],
    ['a file cut in the tensor data', ensureModel('broken:truncated'), /truncated: \d+ bytes expected, \d+ present/],
    ['a file cut in the header', ensureModel('broken:truncated-header'), /ends inside the header/],
    // These two make llama.cpp abort the whole process if it is handed them.
    ['a header without feed_forward_length', ensureModel('broken:missing-ffn'), /qwen2\.feed_forward_length is missing/],
    ['a header without attention.head_count', ensureModel('broken:missing-head-count'), /qwen2\.attention\.head_count is missing/],
    ['a header without context_length', ensureModel('broken:missing-context-length'), /qwen2\.context_length is missing/],
    ['an unsupported architecture', ensureModel('broken:unsupported-arch'), /architecture "notamodel".*not supported/],
  ];

  before(async () => {
    server = await LspClient.start({ initializationOptions: testSettings('') });
    await server.open(uri, 'console');
  });
  after(async () => server?.stop());

  it('covers every broken kind the generator makes', function () {
    assert.equal(expectations.length - 2, BROKEN_KINDS.length);
  });

  for (const [what, path, reason] of expectations) {
    it(`reports ${what}`, async function () {
      await server.configure(testSettings(path));
      const status = await server.loadModel();
      assert.equal(status.state, 'error');
      assert.ok(status.message?.includes(path), `the message names the file: ${status.message}`);
      assert.match(status.message ?? '', reason);
      assert.deepEqual(await server.complete(uri, endOf('console')), []);
      assert.ok(server.alive, 'the server process is still running');
    });
  }

  it('completes again once the setting points at a good model, without a restart', async function () {
    await server.configure(testSettings(ensureModel('known')));
    assert.deepEqual(await server.complete(uri, endOf('console')), ['.log(']);
    assert.equal(server.statuses[server.statuses.length - 1].state, 'ready');
  });

  it('says there is no model when the path is empty, and completes nothing', async function () {
    await server.configure(testSettings(''));
    const status = await server.loadModel();
    assert.equal(status.state, 'noModel');
    assert.match(status.message ?? '', /slmAssist\.model\.path/);
    assert.deepEqual(await server.complete(uri, endOf('console')), []);
  });
});

describe('bad documents and positions: a correct or empty result, never a crash', function () {
  let server: LspClient;
  before(async () => {
    server = await LspClient.start({ initializationOptions: testSettings(ensureModel('known')) });
  });
  after(async () => server?.stop());
  afterEach(function () {
    assert.ok(server.alive, 'the server process is still running');
  });

  it('completes at the end of a 50 MB document', async function () {
    const line = 'const filler = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16];\n';
    const big = line.repeat(Math.ceil((50 * 1024 * 1024) / line.length)) + 'console';
    await server.open('file:///work/big.ts', big);
    assert.deepEqual(await server.complete('file:///work/big.ts', endOf(big)), ['.log(']);
    await server.close('file:///work/big.ts');
  });

  it('declines a binary file (NUL bytes), says why once, and still completes text files', async function () {
    const bytes = Buffer.alloc(64 * 1024);
    for (let i = 0; i < bytes.length; i++) bytes[i] = (i * 7919) % 256;
    await server.open('file:///work/blob.bin', bytes.toString('latin1') + 'console', 'plaintext');
    const end = { line: 1e6, character: 0 };
    assert.deepEqual(await server.complete('file:///work/blob.bin', end), []);
    assert.deepEqual(await server.complete('file:///work/blob.bin', end), []);
    const declined = server.traces.filter((t) => t.uri === 'file:///work/blob.bin');
    assert.deepEqual(
      declined.map((t) => [t.source, t.declined]),
      Array(2).fill(['none', 'it holds NUL characters near the cursor (a binary file)']),
    );
    const said = server.logs.filter((l) => l.message.startsWith('No completions in file:///work/blob.bin'));
    assert.equal(said.length, 1, 'the reason is logged once per document, not per keystroke');
    await server.open('file:///work/text.ts', 'console');
    assert.deepEqual(await server.complete('file:///work/text.ts', endOf('console')), ['.log(']);
  });

  it('declines the 10 MB line of a minified file without holding up a request in another file', async function () {
    const minified = 'var a=function(b){return b*2};'.repeat(Math.ceil((10 * 1024 * 1024) / 31)) + 'console';
    await server.open('file:///work/bundle.min.js', minified, 'javascript');
    await server.open('file:///work/app.ts', 'console');
    // Both at once, as when the user switches files mid-request: the other file gets its answer.
    const [inMinified, inApp] = await Promise.all([
      server.complete('file:///work/bundle.min.js', endOf(minified)),
      server.complete('file:///work/app.ts', endOf('console')),
    ]);
    assert.deepEqual(inMinified, []);
    assert.deepEqual(inApp, ['.log(']);
    const trace = server.traces.find((t) => t.uri === 'file:///work/bundle.min.js');
    assert.match(
      trace?.declined ?? '',
      /^the cursor's line is 10,\d{3},\d{3} characters long \(minified or generated; completions skip lines over 5,000\)$/,
    );
    // A hand-written long line (a 4,000-character string literal) still gets a completion.
    const long = `const s = "${'x'.repeat(4_000)}";\nconsole`;
    await server.open('file:///work/long.ts', long);
    assert.deepEqual(await server.complete('file:///work/long.ts', endOf(long)), ['.log(']);
  });

  it('returns nothing for an empty file at 0:0', async function () {
    await server.open('file:///work/empty.ts', '');
    assert.deepEqual(await server.complete('file:///work/empty.ts', { line: 0, character: 0 }), []);
  });

  it('treats a position past the end as the end of the document', async function () {
    await server.open('file:///work/short.ts', 'console');
    assert.deepEqual(await server.complete('file:///work/short.ts', { line: 40, character: 99 }), ['.log(']);
    assert.deepEqual(await server.complete('file:///work/short.ts', { line: 0, character: 999 }), ['.log(']);
  });

  it('returns nothing for a document it was never told about', async function () {
    assert.deepEqual(await server.complete('file:///work/never-opened.ts', { line: 0, character: 0 }), []);
  });
});

describe('bursts and cancellation', function () {
  it('generates only the newest of 200 requests in a burst, with flat memory', async function () {
    const server = await LspClient.start({ initializationOptions: testSettings(ensureModel('known'), { debounceMs: 75 }) });
    try {
      await server.open(uri, '');
      await server.loadModel();
      const rss: number[] = [];
      for (let round = 0; round < 3; round++) {
        // A new text each round, so the answer cannot come from the cache.
        const text = `let i = ${round};\nwhile (`;
        await server.replace(uri, text);
        const from = server.traces.length;
        const answers = await Promise.all(Array.from({ length: 200 }, () => server.complete(uri, endOf(text))));
        await server.waitFor(() => (server.traces.length - from >= 200 ? true : undefined), '200 traces');
        const traces = server.traces.slice(from);
        const generated = traces.filter((t) => t.source === 'model');
        assert.equal(generated.length, 1, `requests that ran the model: ${generated.length}`);
        assert.equal(traces.filter((t) => t.cancelled).length, 199);
        assert.deepEqual(answers[199], ['true)']);
        assert.deepEqual(answers.slice(0, 199).flat(), []);
        rss.push(server.rssBytes());
      }
      const growth = rss[2] - rss[0];
      assert.ok(growth < 32 * 1024 * 1024, `RSS grew by ${(growth / 1048576).toFixed(1)} MiB between bursts 1 and 3`);
    } finally {
      await server.stop();
    }
  });

  it('stops a long prompt evaluation within one batch when the request is cancelled', async function () {
    // A model of Qwen2.5-Coder-0.5B's shape: a cold 1,500-token prompt takes several seconds here.
    const server = await LspClient.start({
      initializationOptions: {
        ...testSettings(ensureModel('qwen2.5-coder-0.5b')),
        model: { path: ensureModel('qwen2.5-coder-0.5b'), threads: 2 },
      },
    });
    try {
      const text = Array.from({ length: 200 }, (_, i) => `export const item${i} = { id: ${i}, name: "n${i}" };`).join('\n');
      await server.open(uri, text);
      assert.equal((await server.loadModel()).state, 'ready');
      const cancel = new CancellationTokenSource();
      const from = server.traces.length;
      const answer = server.complete(uri, endOf(text), cancel);
      // Cancel once the server has started on the prompt: its log says so.
      await server.waitFor(
        () => server.logs.find((l) => l.message.startsWith('completion: evaluating')),
        'the start of the prompt evaluation',
      );
      const cancelledAt = performance.now();
      cancel.cancel();
      assert.deepEqual(await answer, []);
      const stoppedAfter = performance.now() - cancelledAt;
      const trace = await server.waitFor(() => server.traces[from], 'the trace');
      assert.equal(trace.cancelled, true);
      // Batches are sized to take about 400 ms at the measured speed (PrefillPacer); the whole
      // prompt takes several seconds. The bound leaves room for a busy machine.
      console.log(`      answered ${Math.round(stoppedAfter)} ms after the cancel`);
      assert.ok(stoppedAfter < 2000, `answered ${Math.round(stoppedAfter)} ms after the cancel`);
      // The server still works after the cancellation.
      await server.open('file:///work/after.ts', 'let x = 1;\n');
      await server.complete('file:///work/after.ts', { line: 1, character: 0 });
      const after = server.traces[server.traces.length - 1];
      assert.equal(after.cancelled, false);
      assert.equal(after.source, 'model');
    } finally {
      await server.stop();
    }
  });
});

describe('invalid settings', function () {
  it('names each invalid setting, uses its default, and keeps the valid ones', async function () {
    const known = ensureModel('known');
    const server = await LspClient.start({
      initializationOptions: { model: { path: known, threads: 1 }, inlineCompletion: { debounceMs: 'soon', maxTokens: -3 } },
    });
    try {
      const named = (setting: string): boolean => server.messages.some((m) => m.message.includes(setting));
      await server.waitFor(
        () => (named('slmAssist.inlineCompletion.debounceMs') && named('slmAssist.inlineCompletion.maxTokens') ? true : undefined),
        'both warnings',
      );
      // The valid model path was kept: completions work.
      await server.open(uri, 'console');
      assert.deepEqual(await server.complete(uri, endOf('console')), ['.log(']);
    } finally {
      await server.stop();
    }
  });
});
