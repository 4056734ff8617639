import assert from 'node:assert/strict';
import { ensureModel } from '../modelgen';
import { endOf, LspClient, testSettings } from './harness';

const uri = 'file:///work/example.ts';

describe('inline completion over LSP stdio (known-output model)', function () {
  let server: LspClient;
  let known: string;

  before(async function () {
    known = ensureModel('known');
    server = await LspClient.start({ initializationOptions: testSettings(known) });
  });
  after(async () => server?.stop());

  it('advertises inlineCompletionProvider in its initialize result', function () {
    assert.ok(server.initializeResult?.capabilities.inlineCompletionProvider);
  });

  it('loads the model on the first request and reports loading, then ready with the FIM flag', async function () {
    const text = 'const x = 1;\nconsole';
    await server.open(uri, text);
    const items = await server.complete(uri, endOf(text));
    assert.deepEqual(items, ['.log(']);
    const states = server.statuses.map((s) => s.state);
    assert.ok(states.indexOf('loading') < states.indexOf('ready'), `states: ${states.join(', ')}`);
    const ready = server.statuses.find((s) => s.state === 'ready');
    assert.equal(ready?.model?.path, known);
    assert.equal(ready?.model?.architecture, 'qwen2');
    assert.equal(ready?.model?.fim, true);
  });

  it('completes from what the prefix ends with, through the fill-in-the-middle prompt', async function () {
    const cases: Array<[string, string, string]> = [
      ['import numpy as', '\n\nprint(np.zeros(3))\n', ' np'],
      ['SELECT * FROM', '\n', ' users;'],
      ['while (', '\n', 'true)'],
    ];
    for (const [before, after, expected] of cases) {
      await server.replace(uri, before + after);
      assert.deepEqual(await server.complete(uri, endOf(before)), [expected], `after ${JSON.stringify(before)}`);
    }
  });

  it('returns a multi-line block that ends where the block ends', async function () {
    const before = 'export function add(a, b) {';
    await server.replace(uri, `${before}\n\nconst y = add(1, 2);\n`);
    assert.deepEqual(await server.complete(uri, endOf(before)), ['\n  return a + b;\n}']);
  });

  it('keeps only the first line when the cursor is mid-line, and trims what is already right of the cursor', async function () {
    await server.replace(uri, 'if (x) { while () }\n');
    assert.deepEqual(await server.complete(uri, { line: 0, character: 'if (x) { while ('.length }), ['true']);
  });

  it('shows nothing when the model has nothing to say', async function () {
    await server.replace(uri, 'let unknownWordHere');
    assert.deepEqual(await server.complete(uri, endOf('let unknownWordHere')), []);
  });

  it('answers from the cache, without the model, when the user types what the suggestion shows', async function () {
    const text = 'function f() {\n  while (';
    await server.replace(uri, text);
    assert.deepEqual(await server.complete(uri, endOf(text)), ['true)']);
    const typed = `${text}tr`;
    await server.replace(uri, typed);
    const before = server.traces.length;
    assert.deepEqual(await server.complete(uri, endOf(typed)), ['ue)']);
    const trace = await server.waitFor(() => server.traces[before], 'the trace of the typed-through request');
    assert.equal(trace.source, 'cache');
  });

  it('reuses the KV cache: the next keystroke evaluates only the new tokens and the suffix', async function () {
    const lines = Array.from({ length: 60 }, (_, i) => `const value${i} = compute(${i}, "item-${i}");`).join('\n');
    const first = `${lines}\nconsole`;
    await server.replace(uri, `${first}\n// end\n`);
    const mark = server.backgroundTraces.length;
    await server.complete(uri, endOf(first));
    // The cold request is answered from the quick window; the full one is evaluated right after.
    const cold = await server.waitFor(() => server.backgroundTraces.slice(mark).find((t) => t.kind === 'fill'), 'the fill');
    const second = `${lines}\nconsole.log(1);\nwhile (`;
    await server.replace(uri, `${second}\n// end\n`);
    assert.deepEqual(await server.complete(uri, endOf(second)), ['true)']);
    const warm = server.traces[server.traces.length - 1].generation!;
    assert.ok(cold.evaluatedTokens! > 500, `the cold window's fill evaluated ${cold.evaluatedTokens} tokens`);
    assert.ok(warm.evaluatedTokens < 40, `warm prompt evaluated ${warm.evaluatedTokens} of ${warm.promptTokens} tokens`);
  });

  it('handles CRLF documents', async function () {
    const text = 'let a = 1;\r\nlet b = 2;\r\nconsole';
    await server.replace(uri, `${text}\r\n`);
    assert.deepEqual(await server.complete(uri, { line: 2, character: 'console'.length }), ['.log(']);
  });

  it('counts positions in UTF-16 code units (emoji and CJK before the cursor)', async function () {
    const line = "const s = '😀 中文 🎉'; while (";
    await server.replace(uri, `${line}\nnext();\n`);
    // '😀' and '🎉' are two UTF-16 code units each: a server counting code points would put the
    // cursor two characters early, after "whil", where the model has nothing to say.
    assert.deepEqual(await server.complete(uri, { line: 0, character: line.length }), ['true)']);
  });

  it('returns nothing when inline completion is turned off, and completes again when it is back on', async function () {
    const text = 'console';
    await server.replace(uri, text);
    await server.configure({ ...testSettings(known), inlineCompletion: { enabled: false, debounceMs: 0 } });
    assert.deepEqual(await server.complete(uri, endOf(text)), []);
    await server.configure(testSettings(known));
    assert.deepEqual(await server.complete(uri, endOf(text)), ['.log(']);
  });
});

describe('models without fill-in-the-middle tokens, and not 4-bit', function () {
  it('completes from the prefix only and says so in the status', async function () {
    const server = await LspClient.start({ initializationOptions: testSettings(ensureModel('known-nofim')) });
    try {
      const text = 'x = 1\nimport numpy as';
      await server.open(uri, `${text}\nprint(np)\n`);
      assert.deepEqual(await server.complete(uri, endOf(text)), [' np']);
      const ready = await server.waitForStatus('ready');
      assert.equal(ready.model?.fim, false);
      assert.match(ready.message ?? '', /no fill-in-the-middle tokens/);
    } finally {
      await server.stop();
    }
  });

  it('reports the quantization: Q4_0 is 4-bit, Q8_0 loads with a warning', async function () {
    for (const quant of ['Q4_0', 'Q8_0'] as const) {
      const path = ensureModel('tiny', undefined, { quant });
      const server = await LspClient.start({ initializationOptions: testSettings(path) });
      try {
        const status = await server.loadModel();
        assert.equal(status.state, 'ready');
        assert.equal(status.model?.quantization, quant);
        assert.equal(status.model?.fourBit, quant === 'Q4_0');
        if (quant === 'Q8_0') assert.match(status.message ?? '', /Q8_0, not 4-bit/);
        else assert.equal(status.message, undefined);
      } finally {
        await server.stop();
      }
    }
  });
});

describe('the benchmark switch', function () {
  const text = 'while (';
  it('is honoured from the initialize capability: a fixed number of tokens, past end-of-text', async function () {
    const server = await LspClient.start({
      initializationOptions: testSettings(ensureModel('known')),
      experimental: { benchmark: { ignoreEog: true, fixedTokens: 5 } },
    });
    try {
      await server.open(uri, text);
      await server.complete(uri, endOf(text));
      assert.equal(server.traces[server.traces.length - 1].generation?.generatedTokens, 5);
    } finally {
      await server.stop();
    }
  });

  it('is ignored when a workspace or user puts it in the settings', async function () {
    const server = await LspClient.start({
      initializationOptions: { ...testSettings(ensureModel('known')), benchmark: { ignoreEog: true, fixedTokens: 5 } },
    });
    try {
      await server.open(uri, text);
      assert.deepEqual(await server.complete(uri, endOf(text)), ['true)']);
      // "true)" is two tokens, then the model ends the text by itself.
      assert.ok(server.traces[server.traces.length - 1].generation!.generatedTokens < 5);
    } finally {
      await server.stop();
    }
  });
});
