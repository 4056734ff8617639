import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Llama, LlamaModel, Token } from 'node-llama-cpp';
import { readGgufMetadata } from '../modelgen/ggufReader';
import { ensureModel, realVocabFile, realVocabTests } from '../modelgen/index';
import { QWEN_VOCAB_SIZE } from '../modelgen/tokenizer';

/** Code the generated model must tokenize exactly as the real vocabulary does. */
const CODE = [
  "import { readFile } from 'node:fs/promises';\n\nexport async function main(args: string[]): Promise<void> {\n  const text = await readFile(args[0], 'utf8');\n}\n",
  'def greet(name: str) -> str:\n    """Return a greeting."""\n    return f"Hello, {name}!"\n',
  '\t\tfor (let i = 0; i < 10_000; i++) { sum += i ** 2; } // 😀 naïve café\r\n',
  'SELECT id, name FROM users WHERE age > 18 ORDER BY name;',
  '    \n\n\n    }\n}',
];

describe('generated models: the real Qwen2.5-Coder tokenizer in llama.cpp', function () {
  this.timeout(120_000);
  let llama: Llama;
  let readGgufFileInfo: typeof import('node-llama-cpp').readGgufFileInfo;
  /** The generated 0.5B-shaped model and llama.cpp's Qwen2 vocabulary file, both loaded vocabulary only. */
  let generated: LlamaModel;
  let real: LlamaModel;

  before(async () => {
    const lib = await import('node-llama-cpp');
    readGgufFileInfo = lib.readGgufFileInfo;
    llama = await lib.getLlama({ gpu: false, build: 'never', logLevel: lib.LlamaLogLevel.disabled });
    generated = await llama.loadModel({ modelPath: ensureModel('qwen2.5-coder-0.5b'), vocabOnly: true });
    real = await llama.loadModel({ modelPath: realVocabFile('qwen2'), vocabOnly: true });
  });

  after(async () => {
    await generated?.dispose();
    await real?.dispose();
  });

  it("reads the vocabulary file as node-llama-cpp's readGgufFileInfo does", async () => {
    const path = realVocabFile('qwen2');
    const ours = readGgufMetadata(path);
    const info = await readGgufFileInfo(path, { readTensorInfo: false });
    const ggml = (info.metadata as unknown as { tokenizer: { ggml: Record<string, unknown> } }).tokenizer.ggml;
    for (const key of ['tokens', 'token_type', 'merges', 'pre', 'model', 'eos_token_id']) {
      assert.deepEqual(ours.get(`tokenizer.ggml.${key}`), ggml[key], key);
    }
    assert.equal((ours.get('tokenizer.ggml.tokens') as string[]).length, QWEN_VOCAB_SIZE);
  });

  it("tokenizes llama.cpp's own test texts for this vocabulary to the ids it expects", () => {
    const cases = realVocabTests('qwen2');
    assert.ok(cases.length > 30);
    for (const { text, ids } of cases) {
      assert.deepEqual(generated.tokenize(text), ids, JSON.stringify(text));
      assert.deepEqual(real.tokenize(text), ids, JSON.stringify(text));
    }
  });

  it('tokenizes code exactly as the real vocabulary does', () => {
    const fixture = readFileSync(join(__dirname, '../../../bench/fixtures/jinja-parser.ts.txt'), 'utf8');
    for (const text of [...CODE, fixture]) {
      assert.deepEqual(generated.tokenize(text), real.tokenize(text), JSON.stringify(text.slice(0, 40)));
      assert.equal(generated.detokenize(generated.tokenize(text)), text);
    }
    // About 4 characters a token on TypeScript (the small trained tokenizer gave 1.8).
    const snippet = fixture.slice(0, 1000);
    const count = generated.tokenize(snippet).length;
    assert.ok(count > 200 && count < 300, `${count} tokens for 1,000 characters`);
  });

  it("has Qwen2.5-Coder's added tokens as single control tokens at their ids, FIM and end-of-generation as llama.cpp sees them", () => {
    const expected: Array<[string, number, boolean]> = [
      ['<|endoftext|>', 151643, true],
      ['<|im_start|>', 151644, false],
      ['<|im_end|>', 151645, true],
      ['<|fim_prefix|>', 151659, false],
      ['<|fim_middle|>', 151660, false],
      ['<|fim_suffix|>', 151661, false],
      ['<|fim_pad|>', 151662, true],
      ['<|repo_name|>', 151663, true],
      ['<|file_sep|>', 151664, true],
    ];
    for (const [text, id, eog] of expected) {
      assert.deepEqual(generated.tokenize(text, true), [id], text);
      // A control token: typed as text in a file, it stays text.
      assert.ok(generated.tokenize(text, false).length > 1, text);
      assert.equal(generated.isEogToken(id as Token), eog, `${text} ends generation`);
    }
    const { prefix, suffix, middle } = generated.tokens.infill;
    assert.deepEqual({ prefix, suffix, middle }, { prefix: 151659, suffix: 151661, middle: 151660 });
    assert.equal(generated.tokens.eos, 151643);
    assert.equal(generated.tokens.eot, 151645);
    // The vocabulary file leaves the FIM ids as placeholders: only the generated model has them.
    assert.equal(real.tokens.infill.prefix, null);
  });
});
