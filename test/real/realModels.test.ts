import assert from 'node:assert/strict';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ExplainRequest, SummarizeRequest, type StatusParams } from '../../common/protocol';
import { writeModel } from '../modelgen';
import { endOf, LspClient } from '../lsp/harness';
import pins from './models.json';

/**
 * The server with real weights: Gemma 3 270M (Q4_K_M, a base model without a chat template)
 * and SmolLM2-135M-Instruct (Q4_1, with a ChatML template), from `npm run models:real`. Neither
 * was trained for fill-in-the-middle, so both complete from the text before the cursor.
 *
 * Without the files the suite reports skipped, saying why; with SLM_REQUIRE_REAL_MODELS=1 (set by
 * .ci/run) a missing file fails it.
 */

/** Where `npm run models:real` caches them (scripts/realModels.mjs). */
const dir = process.env.SLM_REAL_MODELS_DIR ?? join(__dirname, '../../../.models/real');
const gemma = join(dir, pins.models.gemma.file);
const smollm2 = join(dir, pins.models.smollm2.file);

function requireModels(this: Mocha.Context): void {
  const missing = [gemma, smollm2].filter((file) => !existsSync(file));
  if (missing.length === 0) return;
  const why = `no real model at ${missing.join(', ')}: run \`npm run models:real\``;
  if (process.env.SLM_REQUIRE_REAL_MODELS === '1') throw new Error(why);
  console.log(`      skipped: ${why}`);
  this.skip();
}

function settings(path: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    model: { path, threads: 2, contextSize: 2048 },
    inlineCompletion: { debounceMs: 0, timeBudgetMs: 30_000 },
    summary: { maxTokens: 120 },
    ...extra,
  };
}

const FIXTURE = `/** A cache that forgets the least recently used entry once it holds more than \`capacity\`. */
export class LruCache<K, V> {
  private readonly entries = new Map<K, V>();

  constructor(private readonly capacity: number) {}

  /** The value for \`key\`, which becomes the most recently used. */
  get(key: K): V | undefined {
    const value = this.entries.get(key);
    if (value === undefined) return undefined;
    this.entries.delete(key);
    this.entries.set(key, value);
    return value;
  }

  /** Stores \`value\`; evicts the least recently used entry when the cache is full. */
  set(key: K, value: V): void {
    this.entries.delete(key);
    this.entries.set(key, value);
    if (this.entries.size > this.capacity) this.entries.delete(this.entries.keys().next().value as K);
  }
}
`;

/** Tokens of chat templates that must never reach the user. */
const TEMPLATE_TOKENS = ['<|im_end|>', '<|im_start|>', '<end_of_turn>', '<start_of_turn>', '<|endoftext|>', '<eos>', '<bos>'];

const rss = (server: LspClient): number => Math.round(server.rssBytes() / 2 ** 20);

describe('real weights: load and status', function () {
  before(requireModels);

  const expected = [
    { name: 'Gemma 3 270M', file: () => gemma, architecture: 'gemma3', quantization: 'Q4_K_M', chatTemplate: false },
    { name: 'SmolLM2-135M-Instruct', file: () => smollm2, architecture: 'llama', quantization: 'Q4_1', chatTemplate: true },
  ];
  for (const model of expected) {
    it(`${model.name}: ${model.architecture}, ${model.quantization}, FIM as it really is (none), memory after load and a summary`, async function () {
      const server = await LspClient.start({ initializationOptions: settings(model.file()) });
      try {
        const status: StatusParams = await server.loadModel();
        assert.equal(status.state, 'ready', status.message);
        assert.equal(status.model?.architecture, model.architecture);
        assert.equal(status.model?.quantization, model.quantization);
        assert.equal(status.model?.fourBit, true);
        assert.equal(status.model?.contextSize, 2048);
        assert.equal(status.model?.fim, false, 'neither real model has FIM tokens');
        assert.match(status.message ?? '', /no fill-in-the-middle tokens/);
        // The file serves summaries too: a model without a chat template is named as one.
        assert.equal(/no chat template/.test(status.message ?? ''), !model.chatTemplate, status.message);
        const loaded = rss(server);
        await server.open('file:///work/lru.ts', FIXTURE);
        await server.textHelp(SummarizeRequest, { textDocument: { uri: 'file:///work/lru.ts' } });
        const after = rss(server);
        console.log(`      ${model.name}: RSS ${loaded} MiB after load, ${after} MiB after a summary`);
        assert.ok(after < 1024, `${after} MiB`);
      } finally {
        await server.stop();
      }
    });
  }
});

describe('real weights: summaries and explanations with the model’s own chat template', function () {
  before(requireModels);
  let server: LspClient;
  const uri = 'file:///work/lru.ts';
  before(async function () {
    server = await LspClient.start({ initializationOptions: settings(smollm2) });
    await server.open(uri, FIXTURE);
  });
  after(async () => server?.stop());

  it('SmolLM2 summarizes the class in prose that says what it does, with no code block and no template token', async function () {
    const { result, partials } = await server.textHelp(SummarizeRequest, { textDocument: { uri } });
    console.log(`      summary: ${JSON.stringify(result.text)}`);
    assert.equal(partials.join(''), result.text);
    // What the class is and does. A 135M model names the class only when it goes on to rewrite the
    // code (which the server cuts: a summary stops at a code fence) and never names the methods
    // (measured with four prompts), so identifiers are not asked of it.
    assert.match(result.text, /cache/i);
    assert.match(result.text, /least recently used|evict/i);
    assert.ok(!result.text.includes('```'), 'no code block in a summary');
    assert.ok(/[a-z]{3,} [a-z]{3,} [a-z]{3,}/i.test(result.text), 'prose, not code alone');
    assert.ok(!result.text.includes('this.entries.delete(key);'), 'not a copy of the code');
    for (const token of TEMPLATE_TOKENS) assert.ok(!result.text.includes(token), `${token} leaked`);
  });

  it('SmolLM2 explains a selected method', async function () {
    const range = { start: { line: 6, character: 0 }, end: { line: 13, character: 3 } };
    const { result } = await server.textHelp(ExplainRequest, { textDocument: { uri }, range });
    console.log(`      explanation: ${JSON.stringify(result.text)}`);
    assert.match(result.text, /\bget\b|value|key/i);
    for (const token of TEMPLATE_TOKENS) assert.ok(!result.text.includes(token), `${token} leaked`);
  });

  it('Gemma 3 270M (a base model) answers through its architecture’s turn format with no template token leaking', async function () {
    const base = await LspClient.start({ initializationOptions: settings(gemma) });
    try {
      await base.open(uri, FIXTURE);
      const { result } = await base.textHelp(SummarizeRequest, { textDocument: { uri } });
      console.log(`      gemma summary: ${JSON.stringify(result.text.slice(0, 160))}`);
      for (const token of TEMPLATE_TOKENS) assert.ok(!result.text.includes(token), `${token} leaked`);
      assert.equal(result.model.location, 'local');
    } finally {
      await base.stop();
    }
  });
});

/** Unambiguous prefix-only cases: the text, its language, what the suggestion should contain. */
const CASES: Array<{ name: string; language: string; before: string; after: string; expect: RegExp }> = [
  {
    name: 'add.ts',
    language: 'typescript',
    before: 'function add(a: number, b: number): number {\n  return',
    after: '\n}\n',
    expect: /a \+ b|b \+ a/,
  },
  { name: 'even.py', language: 'python', before: 'def is_even(n):\n    return', after: '\n', expect: /n % 2 == 0/ },
  {
    name: 'loop.ts',
    language: 'typescript',
    before: 'const items = ["a", "b"];\nfor (let i = 0; i < items.length; i++) {\n  console.log(',
    after: '\n}\n',
    expect: /items\[i\]/,
  },
  {
    name: 'max.go',
    language: 'go',
    before: 'func max(a, b int) int {\n\tif a > b {\n\t\treturn a\n\t}\n',
    after: '}\n',
    expect: /return b/,
  },
];

describe('real weights: prefix-only completion', function () {
  before(requireModels);

  for (const [label, file] of [
    ['SmolLM2-135M-Instruct', () => smollm2],
    ['Gemma 3 270M', () => gemma],
  ] as const) {
    it(`${label}: code, not the suffix, indented for the block, stopped at its end`, async function () {
      const server = await LspClient.start({ initializationOptions: settings(file()) });
      const right: string[] = [];
      try {
        for (const c of CASES) {
          const uri = `file:///work/${c.name}`;
          await server.open(uri, c.before + c.after, c.language);
          const [suggestion = ''] = await server.complete(uri, endOf(c.before));
          console.log(`      ${c.name}: ${JSON.stringify(suggestion)}`);
          if (c.expect.test(suggestion)) right.push(c.name);
          const lines = suggestion.split('\n');
          assert.ok(!lines.some((line, i) => i > 0 && line.trim() !== '' && line.trim() === c.after.trim()), 'repeats the suffix');
          // Every later line stays inside the cursor's block: indented at least as deep, or one closer.
          const cursorIndent = /^\s*/.exec(c.before.split('\n').at(-1) ?? '')?.[0].length ?? 0;
          for (const [i, line] of lines.entries()) {
            if (i === 0 || line.trim() === '') continue;
            const indent = /^\s*/.exec(line)?.[0].length ?? 0;
            if (indent < cursorIndent)
              assert.ok(i === lines.length - 1 && /^[)\]}]/.test(line.trim()), `leaves the block: ${JSON.stringify(suggestion)}`);
          }
        }
      } finally {
        await server.stop();
      }
      console.log(`      ${label}: ${right.length} of ${CASES.length} as expected (${right.join(', ')})`);
      // Both get at least three right (Gemma only since the server sends its <bos>: 0 of 4 without).
      assert.ok(right.length >= 3, `only ${right.join(', ')}`);
    });
  }
});

describe('real weights: SentencePiece prompts (Gemma)', function () {
  before(requireModels);

  it('the prompt is the beginning-of-sequence token and the whole prefix tokenized at once', async function () {
    const { getLlama } = await import('node-llama-cpp');
    const llama = await getLlama({ gpu: false, build: 'never' });
    const model = await llama.loadModel({ modelPath: gemma, vocabOnly: true });
    const server = await LspClient.start({ initializationOptions: settings(gemma) });
    try {
      const text = 'def greet(name):\n    message = "Hello, " + name\n    return';
      await server.open('file:///work/g.py', text, 'python');
      await server.complete('file:///work/g.py', endOf(text));
      const trace = server.traces.at(-1);
      assert.ok(trace?.generation, 'the model ran');
      // Pieces tokenized apart would differ at each boundary (a leading-space marker, a merge); the
      // server tokenizes the prefix in one piece and adds only <bos>, which Gemma needs.
      assert.equal(model.tokens.shouldPrependBosToken, true);
      assert.equal(trace.generation.promptTokens, 1 + model.tokenize(text).length);
    } finally {
      await server.stop();
      await model.dispose();
    }
  });
});

describe('fill-in-the-middle is used only where the model was trained for it', function () {
  before(requireModels);

  it('real models without FIM tokens get a prefix-only prompt; an instruct model with FIM-looking tokens too, unless the setting says on', async function () {
    const dir = mkdtempSync(join(tmpdir(), 'slm-fim-'));
    const instruct = writeModel(join(dir, 'tiny-instruct.gguf'), { shape: 'tiny', name: 'Tiny Coder Instruct' }).path;
    const text = 'const a = 1;\nconst b = ';
    const suffix = '\nconst c = a + b;\nexport { a, b, c };\n';
    const promptTokens = async (path: string, fillInTheMiddle: string): Promise<{ tokens: number; status: StatusParams }> => {
      const server = await LspClient.start({
        initializationOptions: settings(path, { inlineCompletion: { debounceMs: 0, fillInTheMiddle } }),
      });
      try {
        const status = await server.loadModel();
        await server.open('file:///work/f.ts', text + suffix);
        await server.complete('file:///work/f.ts', endOf(text));
        return { tokens: server.traces.at(-1)?.generation?.promptTokens ?? -1, status };
      } finally {
        await server.stop();
      }
    };
    const auto = await promptTokens(instruct, 'auto');
    const on = await promptTokens(instruct, 'on');
    assert.equal(auto.status.model?.fim, true, 'the tokens are there');
    assert.match(auto.status.model?.fimUnused ?? '', /looks tuned for chat/);
    assert.ok(on.tokens > auto.tokens + 3, `with FIM the suffix is in the prompt (${on.tokens} vs ${auto.tokens} tokens)`);
    for (const real of [gemma, smollm2]) {
      const { status } = await promptTokens(real, 'on');
      assert.equal(status.model?.fim, false);
    }
  });
});
