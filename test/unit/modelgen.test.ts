import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Llama, LlamaModel, Token } from 'node-llama-cpp';
import { ABORTING_BROKEN_KINDS, BROKEN_KINDS, type BrokenKind } from '../modelgen/broken';
import { decodeValues, encodeValues, f32ToF16 } from '../modelgen/ggufWriter';
import { defaultModelDir, ensureModel, GENERATOR_VERSION, modelFileName } from '../modelgen/index';
import { knownContinuations, knownEntries, knownTable } from '../modelgen/knownModel';
import {
  buildVocab,
  bytesToUnicode,
  CORPUS,
  decode,
  encode,
  encodePiece,
  preTokenize,
  QWEN_SPECIAL_TOKENS,
  QWEN_VOCAB_SIZE,
  tokenizerMetadata,
  TokenType,
} from '../modelgen/tokenizer';
import { qwenCoderVocab } from '../modelgen/realVocab';

describe('modelgen: GGUF writer and tokenizer (no llama.cpp)', () => {
  it('converts to half precision like IEEE (normal, subnormal, rounding, overflow)', () => {
    assert.equal(f32ToF16(1), 0x3c00);
    assert.equal(f32ToF16(-2), 0xc000);
    assert.equal(f32ToF16(0.5), 0x3800);
    assert.equal(f32ToF16(65504), 0x7bff);
    assert.equal(f32ToF16(1e6), 0x7c00);
    assert.equal(f32ToF16(2 ** -24), 0x0001);
    assert.equal(f32ToF16(1 + 2 ** -11 + 2 ** -20), 0x3c01); // just over half an ulp: rounds up
    assert.equal(f32ToF16(0), 0);
  });

  it('quantizes Q4_0 and Q8_0 close to the input', () => {
    const values = new Float32Array(64).map((_, i) => Math.sin(i) * 0.3);
    for (const [type, tolerance] of [
      ['Q4_0', 0.04],
      ['Q8_0', 0.002],
      ['F16', 1e-3],
    ] as const) {
      const back = decodeValues(type, encodeValues(type, values), values.length);
      for (let i = 0; i < values.length; i++) assert.ok(Math.abs(back[i] - values[i]) < tolerance, `${type}[${i}]`);
    }
  });

  it('maps the 256 bytes to distinct characters, printable ASCII to itself', () => {
    const map = bytesToUnicode();
    assert.equal(new Set(map).size, 256);
    assert.equal(map[0x41], 'A');
    assert.equal(map[0x20], 'Ġ');
    assert.equal(map[0x0a], 'Ċ');
  });

  it('trains merges so every corpus piece is one token, and encodes/decodes round trip', () => {
    const vocab = buildVocab({ fim: true });
    for (const piece of new Set(preTokenize(CORPUS))) assert.equal(encodePiece(vocab, piece).length, 1, JSON.stringify(piece));
    const text = 'console.log("héllo wörld") 😀\n\tx';
    assert.equal(decode(vocab, encode(vocab, text)), text);
    const fim = encode(vocab, '<|fim_prefix|>a<|fim_suffix|>b<|fim_middle|>');
    assert.equal(fim.length, 5);
    assert.equal(fim[0], vocab.special.get('<|fim_prefix|>'));
  });

  it("takes the qwen shapes' tokenizer from llama.cpp's Qwen2 vocabulary, with Qwen2.5-Coder's added tokens", () => {
    const vocab = qwenCoderVocab(true);
    assert.equal(vocab.tokens.length, QWEN_VOCAB_SIZE);
    assert.equal(vocab.merges.length, 151387);
    const expected: Array<[string, number]> = [
      ['<|endoftext|>', 151643],
      ['<|im_start|>', 151644],
      ['<|im_end|>', 151645],
      ['<|fim_prefix|>', 151659],
      ['<|fim_middle|>', 151660],
      ['<|fim_suffix|>', 151661],
      ['<|fim_pad|>', 151662],
      ['<|repo_name|>', 151663],
      ['<|file_sep|>', 151664],
    ];
    for (const [text, id] of expected) {
      assert.equal(vocab.special.get(text), id, text);
      assert.equal(vocab.tokens[id], text);
      assert.equal(vocab.tokenTypes[id], TokenType.Control, text);
    }
    assert.equal(vocab.tokenTypes[vocab.special.get('<tool_call>')!], TokenType.UserDefined);
    assert.equal(vocab.tokens[151665], '[PAD151665]');
    assert.equal(new Set(vocab.tokens).size, vocab.tokens.length);
    assert.equal(QWEN_SPECIAL_TOKENS.length, 22);

    const md = new Map(tokenizerMetadata(vocab));
    const u32 = (key: string): unknown => md.get(key)?.value;
    assert.equal(u32('tokenizer.ggml.pre'), 'qwen2');
    assert.equal(u32('tokenizer.ggml.eos_token_id'), 151643);
    assert.equal(u32('tokenizer.ggml.eot_token_id'), 151645);
    assert.equal(u32('tokenizer.ggml.fim_pre_token_id'), 151659);
    assert.equal(u32('tokenizer.ggml.fim_suf_token_id'), 151661);
    assert.equal(u32('tokenizer.ggml.fim_mid_token_id'), 151660);
    assert.equal(u32('tokenizer.ggml.fim_rep_token_id'), 151663);
    assert.equal(u32('tokenizer.ggml.fim_sep_token_id'), 151664);

    const noFim = qwenCoderVocab(false);
    assert.equal(noFim.tokens.length, QWEN_VOCAB_SIZE);
    assert.equal(noFim.special.get('<|fim_prefix|>'), undefined);
    assert.equal(noFim.tokens[151659], '[PAD151659]');
    assert.equal(noFim.special.get('<|im_end|>'), 151645);
    assert.equal(new Map(tokenizerMetadata(noFim)).get('tokenizer.ggml.fim_pre_token_id'), undefined);
  });

  it('builds a consistent table for the known model', () => {
    const table = knownTable(true);
    assert.ok(knownEntries.length >= 3);
    assert.ok(table.classNext.length <= 32);
    assert.equal(Object.keys(knownContinuations).length, knownEntries.length);
  });

  it('names cached files by kind, options and generator version', () => {
    assert.equal(modelFileName('tiny'), `tiny-Q4_0-fim-g${GENERATOR_VERSION}.gguf`);
    assert.equal(modelFileName('tiny', { quant: 'Q8_0', fim: false }), `tiny-Q8_0-nofim-g${GENERATOR_VERSION}.gguf`);
    assert.equal(modelFileName('known', { contextLength: 2048 }), `known-ctx2048-g${GENERATOR_VERSION}.gguf`);
    assert.equal(modelFileName('broken:empty'), `broken-empty-g${GENERATOR_VERSION}.gguf`);
    // The real tokenizer's shapes carry a hash of its vocabulary file: another vocabulary, another file.
    assert.match(
      modelFileName('qwen2.5-coder-0.5b'),
      new RegExp(`^qwen2\\.5-coder-0\\.5b-Q4_0-fim-vocab-qwen2-[0-9a-f]{8}-g${GENERATOR_VERSION}\\.gguf$`),
    );
  });

  it('ensureModel writes once, then reuses the file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'modelgen-'));
    try {
      const path = ensureModel('tiny', dir);
      const first = statSync(path).mtimeMs;
      assert.equal(ensureModel('tiny', dir), path);
      assert.equal(statSync(path).mtimeMs, first);
      assert.notEqual(ensureModel('tiny', dir, { fim: false }), path);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('modelgen: generated models in real llama.cpp', function () {
  this.timeout(60_000);
  const dir = defaultModelDir();
  let llama: Llama;
  let LlamaCompletion: typeof import('node-llama-cpp').LlamaCompletion;
  const loaded: LlamaModel[] = [];

  before(async () => {
    const lib = await import('node-llama-cpp');
    LlamaCompletion = lib.LlamaCompletion;
    llama = await lib.getLlama({ gpu: false, build: 'never', logLevel: lib.LlamaLogLevel.disabled });
  });

  after(async () => {
    for (const m of loaded) await m.dispose();
  });

  async function load(path: string): Promise<LlamaModel> {
    const model = await llama.loadModel({ modelPath: path });
    loaded.push(model);
    return model;
  }

  /** Greedy completion of a token prompt; one thread (2 threads spin for ~300 ms a token here). */
  async function complete(model: LlamaModel, tokens: Token[], maxTokens = 24): Promise<{ text: string; stop: string }> {
    const context = await model.createContext({ contextSize: 1024, threads: 1 });
    try {
      const completion = new LlamaCompletion({ contextSequence: context.getSequence() });
      const res = await completion.generateCompletionWithMeta(tokens, { maxTokens, temperature: 0 });
      return { text: res.response, stop: res.metadata.stopReason };
    } finally {
      await context.dispose();
    }
  }

  const special = (model: LlamaModel, text: string): Token => {
    const ids = model.tokenize(text, true);
    assert.equal(ids.length, 1, `${text} is one token`);
    return ids[0];
  };

  /** `<|fim_prefix|>PREFIX<|fim_suffix|>SUFFIX<|fim_middle|>` from tokens, as the completion pipeline builds it. */
  const fimPrompt = (model: LlamaModel, prefix: string, suffix: string): Token[] => [
    special(model, '<|fim_prefix|>'),
    ...model.tokenize(prefix),
    special(model, '<|fim_suffix|>'),
    ...model.tokenize(suffix),
    special(model, '<|fim_middle|>'),
  ];

  it('tiny: loads, has the metadata written, runs with finite outputs', async () => {
    const model = await load(ensureModel('tiny', dir));
    const md = model.fileInfo.metadata as unknown as Record<string, Record<string, unknown>>;
    assert.equal(md.general.architecture, 'qwen2');
    assert.equal(md.general.name, 'SLM Assist test model (tiny)');
    assert.equal(md.general.file_type, 2);
    assert.equal((md.qwen2.attention as Record<string, unknown>).head_count, 4);
    assert.equal(md.qwen2.context_length, 4096);
    assert.equal(model.fileInsights.trainContextSize, 4096);
    assert.equal(model.tokens.infill.prefix, special(model, '<|fim_prefix|>'));
    assert.equal(model.tokens.infill.suffix, special(model, '<|fim_suffix|>'));
    assert.equal(model.tokens.infill.middle, special(model, '<|fim_middle|>'));
    assert.equal(model.tokens.eos, special(model, '<|endoftext|>'));
    for (const eog of ['<|endoftext|>', '<|im_end|>', '<|fim_pad|>', '<|file_sep|>', '<|repo_name|>']) {
      assert.ok(model.isEogToken(special(model, eog)), eog);
    }
    assert.ok(!model.isEogToken(special(model, '<|fim_middle|>')));
    assert.match(String((md.tokenizer as Record<string, unknown>).chat_template), /<\|im_start\|>/);
    assert.deepEqual(model.detokenize(model.tokenize('function add(a, b) {')), 'function add(a, b) {');
    assert.equal(model.tokenize(' console').length, 1);

    const context = await model.createContext({ contextSize: 256, threads: 1 });
    try {
      const seq = context.getSequence();
      let n = 0;
      for await (const out of seq.evaluateWithMetadata(model.tokenize('const x = 1;'), { confidence: true }, { temperature: 0 })) {
        assert.ok(Number.isFinite(out.confidence) && out.confidence > 0 && out.confidence <= 1, `confidence ${out.confidence}`);
        if (++n === 3) break;
      }
    } finally {
      await context.dispose();
    }
  });

  it('tiny Q8_0 without FIM: file type 7, no infill tokens, runs', async () => {
    const model = await load(ensureModel('tiny', dir, { quant: 'Q8_0', fim: false }));
    const md = model.fileInfo.metadata as unknown as Record<string, Record<string, unknown>>;
    assert.equal(md.general.file_type, 7);
    assert.equal(model.tokens.infill.prefix, null);
    assert.ok(model.tokenize('<|fim_prefix|>', true).length > 1);
    const { text } = await complete(model, model.tokenize('def main():'), 4);
    assert.equal(typeof text, 'string');
  });

  describe('known-output model', () => {
    let model: LlamaModel;
    before(async () => {
      model = await load(ensureModel('known', dir));
    });

    it('continues prefix-only prompts with the bigram chain, then stops by itself', async () => {
      const cases: Array<[string, string]> = [
        ['console', '.log('],
        ['let y = 2;\nfunction add(a, b) {', '\n  return a + b;\n}'],
        ['import numpy as', ' np'],
        ['hello', ''],
      ];
      for (const [prompt, expected] of cases) {
        const { text, stop } = await complete(model, model.tokenize(prompt));
        assert.equal(text, expected, JSON.stringify(prompt));
        assert.equal(stop, 'eogToken');
      }
    });

    it('completes FIM prompts from the last token of the PREFIX, not of the suffix', async () => {
      // The suffixes end in tokens that would lead elsewhere ("console" → ".log", ";\n" → "}").
      const cases: Array<[string, string, string]> = [
        ['const x = 1;\nconsole', '\n}\n', '.log('],
        ['// math\nfunction add(a, b) {', '\n\nconsole.log(add(1, 2));\n', '\n  return a + b;\n}'],
        ['import os\nimport numpy as', '\nconsole', ' np'],
        ['x = 1\ndef main():', '', ' pass'],
        ['do {\nwhile (', ') {}', 'true)'],
        ['SELECT * FROM', ' WHERE id = 1;', ' users;'],
        ['hello', 'console', ''],
      ];
      for (const [prefix, suffix, expected] of cases) {
        const { text, stop } = await complete(model, fimPrompt(model, prefix, suffix));
        assert.equal(text, expected, JSON.stringify({ prefix, suffix }));
        assert.equal(stop, 'eogToken');
      }
    });

    it('keeps working deep into the context', async () => {
      const prefix = 'let x = 1;\n'.repeat(120) + 'console';
      const suffix = '\nwhile (true) { break; }'.repeat(20);
      const prompt = fimPrompt(model, prefix, suffix);
      assert.ok(prompt.length > 800);
      assert.equal((await complete(model, prompt)).text, '.log(');
    });

    it("works with node-llama-cpp's own infill layout too", async () => {
      const context = await model.createContext({ contextSize: 256, threads: 1 });
      try {
        const completion = new LlamaCompletion({ contextSequence: context.getSequence() });
        assert.ok(completion.infillSupported);
        const text = await completion.generateInfillCompletion('x = 1\nimport numpy as', '\nprint(x)\n', { maxTokens: 8, temperature: 0 });
        assert.equal(text, ' np');
      } finally {
        await context.dispose();
      }
    });

    it('agrees with the exported table', async () => {
      for (const { prompt, continuation } of knownEntries) {
        assert.equal((await complete(model, fimPrompt(model, prompt, '\n'))).text, continuation, prompt);
      }
    });
  });

  it('known model without FIM: no FIM tokens, bigram chains still work', async () => {
    const model = await load(ensureModel('known-nofim', dir));
    assert.equal(model.tokens.infill.prefix, null);
    assert.equal(model.tokens.infill.middle, null);
    assert.ok(model.tokenize('<|fim_middle|>', true).length > 1);
    assert.equal((await complete(model, model.tokenize('while ('))).text, 'true)');
    assert.equal((await complete(model, model.tokenize('SELECT * FROM'))).text, ' users;');
  });

  const rejecting = BROKEN_KINDS.filter((k) => !ABORTING_BROKEN_KINDS.includes(k));
  for (const kind of rejecting) {
    it(`rejects a broken file: ${kind}`, async () => {
      await assert.rejects(llama.loadModel({ modelPath: ensureModel(`broken:${kind}`, dir) }));
    });
  }

  it(`aborts the process (so only in a child) on: ${ABORTING_BROKEN_KINDS.join(', ')}`, async () => {
    // node-llama-cpp is imported by absolute URL, so the probe can live in a temporary folder.
    const lib = pathToFileURL(require.resolve('node-llama-cpp')).href;
    const probeDir = mkdtempSync(join(tmpdir(), 'modelgen-probe-'));
    const probe = join(probeDir, 'load.mjs');
    writeFileSync(
      probe,
      `const { getLlama, LlamaLogLevel } = await import(${JSON.stringify(lib)});\n` +
        "const llama = await getLlama({ gpu: false, build: 'never', logLevel: LlamaLogLevel.disabled });\n" +
        'await llama.loadModel({ modelPath: process.argv[2] });\n' +
        "console.log('LOADED');\n",
    );
    try {
      const results = await Promise.all(
        ABORTING_BROKEN_KINDS.map((kind: BrokenKind) => runChild(probe, ensureModel(`broken:${kind}`, dir))),
      );
      for (const [i, r] of results.entries()) {
        const kind = ABORTING_BROKEN_KINDS[i];
        assert.ok(!r.stdout.includes('LOADED'), `${kind} loaded`);
        assert.ok(r.signal === 'SIGABRT' || (r.code !== 0 && r.code !== null), `${kind}: code ${r.code}, signal ${r.signal}`);
        assert.match(r.stderr, /GGML_ASSERT/, kind);
      }
    } finally {
      rmSync(probeDir, { recursive: true, force: true });
    }
  });
});

function runChild(script: string, arg: string): Promise<{ code: number | null; signal: string | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [script, arg], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}
