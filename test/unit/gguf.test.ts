import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { GgufFileInfo } from 'node-llama-cpp';
import {
  GgufError,
  type GgufCheck,
  checkModelFile,
  readModelFile,
  scanGgufHeader,
  validateGguf,
} from '../../server/src/model/gguf/ggufHeader';
import { ggmlBlock } from '../../server/src/model/gguf/ggmlSizes';
import { Meta as MetaAccess } from '../../server/src/model/gguf/metaAccess';
import { type GgufValue, type TensorSpec, encodeHeader, writeGguf } from '../modelgen/ggufWriter';

type Meta = Array<[string, GgufValue]>;

const VOCAB = ['<|endoftext|>', 'a', 'b', 'ab', ' ', '\n', 'def', '<|im_start|>', '<|im_end|>', '▁tok', 'c', 'z'];

/** A small qwen2-shaped model: 2 layers, 64 wide, 4 heads, 12 tokens. */
function qwenMeta(): Meta {
  return [
    ['general.architecture', { type: 'string', value: 'qwen2' }],
    ['general.name', { type: 'string', value: 'Tiny Coder' }],
    ['general.file_type', { type: 'u32', value: 15 }],
    ['qwen2.context_length', { type: 'u32', value: 4096 }],
    ['qwen2.embedding_length', { type: 'u32', value: 64 }],
    ['qwen2.block_count', { type: 'u32', value: 2 }],
    ['qwen2.feed_forward_length', { type: 'u32', value: 128 }],
    ['qwen2.attention.head_count', { type: 'u32', value: 4 }],
    ['qwen2.attention.head_count_kv', { type: 'u32', value: 2 }],
    ['qwen2.attention.layer_norm_rms_epsilon', { type: 'f32', value: 1e-6 }],
    ['tokenizer.ggml.model', { type: 'string', value: 'gpt2' }],
    ['tokenizer.ggml.pre', { type: 'string', value: 'qwen2' }],
    ['tokenizer.ggml.tokens', { type: 'array', itemType: 'string', value: VOCAB }],
    ['tokenizer.ggml.token_type', { type: 'array', itemType: 'i32', value: VOCAB.map(() => 1) }],
    ['tokenizer.ggml.merges', { type: 'array', itemType: 'string', value: ['a b'] }],
    ['tokenizer.ggml.eos_token_id', { type: 'u32', value: 0 }],
    ['tokenizer.chat_template', { type: 'string', value: '{% for m in messages %}{{ m.content }}{% endfor %}' }],
  ];
}

function tensors(): TensorSpec[] {
  const t = (name: string, dims: number[], type: TensorSpec['type']): TensorSpec => ({ name, dims, type, data: 'zero' });
  return [
    t('token_embd.weight', [64, VOCAB.length], 'Q8_0'),
    t('blk.0.attn_q.weight', [64, 64], 'Q4_0'),
    t('blk.0.attn_k.weight', [64, 32], 'Q4_0'),
    t('blk.0.ffn_up.weight', [64, 128], 'Q4_0'),
    t('blk.0.attn_norm.weight', [64], 'F32'),
    t('output_norm.weight', [64], 'F32'),
  ];
}

/** The metadata with keys removed and others set (replaced in place, or appended). */
function edit(meta: Meta, remove: string[] = [], set: Meta = []): Meta {
  const out = meta.filter(([key]) => !remove.includes(key));
  for (const [key, value] of set) {
    const i = out.findIndex(([k]) => k === key);
    if (i >= 0) out[i] = [key, value];
    else out.push([key, value]);
  }
  return out;
}

/** Sets a token's text in the vocabulary. */
function withTokens(meta: Meta, tokens: string[]): Meta {
  return edit(
    meta,
    [],
    [
      ['tokenizer.ggml.tokens', { type: 'array', itemType: 'string', value: tokens }],
      ['tokenizer.ggml.token_type', { type: 'array', itemType: 'i32', value: tokens.map(() => 1) }],
    ],
  );
}

let dir: string;
let counter = 0;
function tmp(name = 'model.gguf'): string {
  return join(dir, `${counter++}-${name}`);
}
function writeModel(meta: Meta, name?: string): string {
  const path = tmp(name);
  writeGguf(path, meta, tensors());
  return path;
}
async function check(meta: Meta): Promise<GgufCheck> {
  return checkModelFile(writeModel(meta));
}
async function reasonOf(meta: Meta): Promise<string> {
  const result = await check(meta);
  assert.equal(result.ok, false, 'expected the file to be refused');
  return result.ok ? '' : result.reason;
}
async function rejects(path: string, code: GgufError['code'], pattern: RegExp): Promise<void> {
  await assert.rejects(scanGgufHeader(path), (error: unknown) => {
    assert.ok(error instanceof GgufError, `not a GgufError: ${String(error)}`);
    assert.equal(error.code, code, error.message);
    assert.match(error.reason, pattern);
    assert.ok(error.message.startsWith(path), 'the message names the file');
    return true;
  });
}

/** A raw GGUF v3 prefix: magic, version, counts. */
function rawHeader(tensorCount: bigint, kvCount: bigint): Buffer {
  const b = Buffer.alloc(24);
  b.write('GGUF', 0, 'latin1');
  b.writeUInt32LE(3, 4);
  b.writeBigUInt64LE(tensorCount, 8);
  b.writeBigUInt64LE(kvCount, 16);
  return b;
}
const u32 = (v: number): Buffer => {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(v);
  return b;
};
const u64 = (v: bigint): Buffer => {
  const b = Buffer.alloc(8);
  b.writeBigUInt64LE(v);
  return b;
};
const str = (s: string): Buffer => Buffer.concat([u64(BigInt(Buffer.byteLength(s))), Buffer.from(s)]);

describe('GGUF header', () => {
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'slm-gguf-test-'));
  });
  after(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  describe("the pre-scan and node-llama-cpp's reader", () => {
    it('reads every value type, arrays and tensor infos', async () => {
      const extra: Meta = [
        ['t.u8', { type: 'u8', value: 200 }],
        ['t.i8', { type: 'i8', value: -100 }],
        ['t.u16', { type: 'u16', value: 60000 }],
        ['t.i16', { type: 'i16', value: -30000 }],
        ['t.u32', { type: 'u32', value: 4_000_000_000 }],
        ['t.i32', { type: 'i32', value: -2_000_000_000 }],
        ['t.f32', { type: 'f32', value: 0.5 }],
        ['t.bool', { type: 'bool', value: true }],
        ['t.string', { type: 'string', value: 'héllo ✓' }],
        ['t.u64', { type: 'u64', value: 2n ** 60n }],
        ['t.i64', { type: 'i64', value: -(2n ** 60n) }],
        ['t.f64', { type: 'f64', value: Math.PI }],
        ['t.u32s', { type: 'array', itemType: 'u32', value: [1, 2, 3] }],
        ['t.f32s', { type: 'array', itemType: 'f32', value: [0.25, -1] }],
      ];
      const path = writeModel(edit(qwenMeta(), [], extra));
      const scan = await scanGgufHeader(path);
      assert.equal(scan.version, 3);
      const read = await readModelFile(path);
      assert.ok(read.ok, read.ok ? '' : read.reason);
      // Values from node-llama-cpp's parse, types from the pre-scan.
      const meta = new MetaAccess(read.fileInfo, scan);
      const expected: Record<string, unknown> = {
        'general.architecture': 'qwen2',
        't.u8': 200,
        't.i8': -100,
        't.u16': 60000,
        't.i16': -30000,
        't.u32': 4_000_000_000,
        't.i32': -2_000_000_000,
        't.f32': 0.5,
        't.bool': true,
        't.string': 'héllo ✓',
        't.u64': 2n ** 60n,
        't.i64': -(2n ** 60n),
        't.f64': Math.PI,
        'qwen2.context_length': 4096,
      };
      for (const [key, value] of Object.entries(expected)) assert.equal(meta.get(key), value, key);
      assert.deepEqual(scan.keys.get('t.i16'), { type: 'i16' });
      assert.deepEqual(scan.keys.get('t.u32s'), { type: 'array', arrayType: 'u32', length: 3 });
      assert.deepEqual(meta.get('t.u32s'), [1, 2, 3]);
      assert.deepEqual(meta.get('t.f32s'), [0.25, -1]);
      assert.deepEqual(meta.get('tokenizer.ggml.tokens'), VOCAB);
      assert.equal(meta.get('t.missing'), undefined);

      const tensorInfo = read.fileInfo.tensorInfo ?? [];
      assert.equal(scan.tensorCount, 6);
      assert.equal(tensorInfo.length, 6);
      const brief = (i: number): unknown => {
        const { name, dimensions, ggmlType, offset } = tensorInfo[i];
        return { name, dims: dimensions, type: ggmlType, offset };
      };
      assert.deepEqual(brief(0), { name: 'token_embd.weight', dims: [64, 12], type: 8, offset: 0 });
      assert.deepEqual(brief(1), { name: 'blk.0.attn_q.weight', dims: [64, 64], type: 2, offset: 832 });
      assert.equal(tensorInfo[4].ggmlType, 0);
      assert.equal(read.fileInfo.infoEndOffset, encodeHeader(edit(qwenMeta(), [], extra), tensors()).length);
      assert.equal(scan.alignment, 32);
    });

    it('reads GGUF version 2 (the same layout with u64 counts)', async () => {
      const path = writeModel(qwenMeta());
      const bytes = encodeHeader(qwenMeta(), tensors());
      bytes.writeUInt32LE(2, 4);
      writeFileSync(path, bytes, { flag: 'r+' });
      assert.equal((await scanGgufHeader(path)).version, 2);
      assert.equal((await checkModelFile(path)).ok, true);
    });

    it('refuses arrays of arrays, as llama.cpp does, before node-llama-cpp builds them', async () => {
      const path = tmp();
      const inner = Buffer.concat([u32(4), u64(2n), u32(7), u32(8)]);
      const kv = Buffer.concat([str('t.nested'), u32(9), u32(9), u64(2n), inner, inner]);
      writeFileSync(path, Buffer.concat([rawHeader(0n, 1n), kv]));
      await rejects(path, 'corrupt', /t\.nested is an array of arrays/);
    });

    it('refuses a file that is not GGUF, with a hint', async () => {
      const path = tmp('notes.gguf');
      writeFileSync(path, 'version https://git-lfs.github.com/spec/v1\noid sha256:abc\n');
      await rejects(path, 'not-gguf', /not a GGUF file \(the first bytes are 76 65 72 .*Git LFS pointer/);
      const html = tmp('page.gguf');
      writeFileSync(html, '<!DOCTYPE html><html>');
      await rejects(html, 'not-gguf', /HTML page/);
      const tiny = tmp('tiny.gguf');
      writeFileSync(tiny, 'GG');
      await rejects(tiny, 'not-gguf', /not a GGUF file/);
    });

    it('refuses unsupported versions', async () => {
      for (const [version, pattern] of [
        [1, /version 1/],
        [4, /version 4/],
        [0x03000000, /big-endian/],
      ] as const) {
        const path = tmp();
        const bytes = rawHeader(0n, 0n);
        bytes.writeUInt32LE(version, 4);
        writeFileSync(path, bytes);
        await rejects(path, 'unsupported-version', pattern);
      }
    });

    it('refuses a file truncated inside the header, wherever it is cut', async () => {
      const full = encodeHeader(qwenMeta(), tensors());
      for (const length of [6, 20, 30, 100, 300, Math.floor(full.length / 2), full.length - 40]) {
        const path = tmp();
        writeFileSync(path, full.subarray(0, length));
        await rejects(path, 'truncated', /truncated: it ends inside the header/);
      }
    });

    it('fails fast on absurd lengths and counts, without allocating them', async () => {
      const cases: Array<[string, Buffer]> = [
        ['key length 2^40', Buffer.concat([rawHeader(0n, 1n), u64(2n ** 40n), Buffer.alloc(64)])],
        ['value length 2^40', Buffer.concat([rawHeader(0n, 1n), str('k'), u32(8), u64(2n ** 40n), Buffer.alloc(64)])],
        ['array count 2^40', Buffer.concat([rawHeader(0n, 1n), str('k'), u32(9), u32(4), u64(2n ** 40n), Buffer.alloc(64)])],
        ['string array count 2^40', Buffer.concat([rawHeader(0n, 1n), str('k'), u32(9), u32(8), u64(2n ** 40n), Buffer.alloc(64)])],
        ['tensor count 2^40', Buffer.concat([rawHeader(2n ** 40n, 0n), Buffer.alloc(64)])],
        ['metadata count 2^62', Buffer.concat([rawHeader(0n, 2n ** 62n), Buffer.alloc(64)])],
        ['tensor name length 2^63', Buffer.concat([rawHeader(1n, 0n), u64(2n ** 63n), Buffer.alloc(64)])],
      ];
      for (const [what, bytes] of cases) {
        const path = tmp();
        writeFileSync(path, bytes);
        const before = process.memoryUsage().arrayBuffers;
        const started = performance.now();
        await rejects(path, 'corrupt', /corrupt/);
        assert.ok(performance.now() - started < 200, `${what}: too slow`);
        assert.ok(process.memoryUsage().arrayBuffers - before < 64 * 1024 * 1024, `${what}: allocated too much`);
      }
    });

    it('refuses invalid value types, duplicate keys, too many dimensions and keys that reach a prototype', async () => {
      const badType = tmp();
      writeFileSync(badType, Buffer.concat([rawHeader(0n, 1n), str('k'), u32(13), Buffer.alloc(16)]));
      await rejects(badType, 'corrupt', /invalid value type 13/);
      const dupKey = tmp();
      writeFileSync(dupKey, Buffer.concat([rawHeader(0n, 2n), str('k'), u32(4), u32(1), str('k'), u32(4), u32(2)]));
      await rejects(dupKey, 'corrupt', /"k" appears twice/);
      const dims = tmp();
      writeFileSync(dims, Buffer.concat([rawHeader(1n, 0n), str('w'), u32(5), Buffer.alloc(64)]));
      await rejects(dims, 'corrupt', /5 dimensions/);
      const proto = tmp();
      writeFileSync(proto, Buffer.concat([rawHeader(0n, 1n), str('general.__proto__'), u32(4), u32(1)]));
      await rejects(proto, 'corrupt', /"general\.__proto__" is not a metadata key/);
    });

    it('checks a 151,936-token vocabulary with 150,000 merges: the pre-scan in well under a second, all of it in 1.5 s', async function () {
      this.timeout(30_000);
      const tokens = Array.from({ length: 151_936 }, (_, i) => (i === 151_660 ? '<|fim_prefix|>' : `tok${i}_ĠÄ`));
      const merges = Array.from({ length: 150_000 }, (_, i) => `Ġt ok${i}`);
      const meta = edit(
        withTokens(qwenMeta(), tokens),
        [],
        [
          ['tokenizer.ggml.merges', { type: 'array', itemType: 'string', value: merges }],
          ['tokenizer.ggml.scores', { type: 'array', itemType: 'f32', value: new Float32Array(tokens.length) }],
        ],
      );
      const path = tmp();
      writeGguf(path, meta, [{ name: 'token_embd.weight', dims: [64, tokens.length], type: 'Q4_0', data: 'zero' }]);
      await checkModelFile(path); // warm up
      const started = performance.now();
      const scan = await scanGgufHeader(path);
      const scanned = performance.now() - started;
      const result = await checkModelFile(path);
      const total = performance.now() - started;
      // The pre-scan only measures; node-llama-cpp's reader builds every token and merge.
      assert.ok(scanned < 500, `the pre-scan took ${scanned.toFixed(0)} ms`);
      assert.ok(total < 1500, `the pre-scan and the check took ${total.toFixed(0)} ms`);
      assert.deepEqual(scan.keys.get('tokenizer.ggml.tokens'), { type: 'array', arrayType: 'string', length: 151_936 });
      assert.deepEqual(scan.keys.get('tokenizer.ggml.merges'), { type: 'array', arrayType: 'string', length: 150_000 });
      assert.deepEqual(scan.keys.get('tokenizer.ggml.scores'), { type: 'array', arrayType: 'f32', length: 151_936 });
      assert.ok(result.ok, result.ok ? '' : result.reason);
      assert.equal(result.info.vocabSize, 151_936);
      assert.deepEqual(result.info.fim, null);
    });

    it('refuses absurd counts and lengths in a 1 KB file fast, before node-llama-cpp allocates them', async () => {
      // node-llama-cpp is loaded (and warm) first, so that only what the check itself allocates is measured.
      assert.equal((await checkModelFile(writeModel(qwenMeta()))).ok, true);
      const pad = Buffer.alloc(1024);
      const cases: Array<[string, Buffer, RegExp]> = [
        [
          '2^40 strings',
          Buffer.concat([rawHeader(0n, 1n), str('k'), u32(9), u32(8), u64(2n ** 40n), pad]),
          /corrupt: the array "k" claims 1099511627776 elements/,
        ],
        [
          'a 4 GiB string',
          Buffer.concat([rawHeader(0n, 1n), str('k'), u32(8), u64(2n ** 32n), pad]),
          /corrupt: the value of "k" claims 4294967296 bytes/,
        ],
        [
          'a 4 GiB token',
          Buffer.concat([rawHeader(0n, 1n), str('tokenizer.ggml.tokens'), u32(9), u32(8), u64(1n), u64(2n ** 32n), pad]),
          /corrupt: element 0 of the array "tokenizer.ggml.tokens" claims 4294967296 bytes/,
        ],
        ['2^40 tensors', Buffer.concat([rawHeader(2n ** 40n, 0n), pad]), /corrupt: it claims 0 metadata entries and 1099511627776 tensors/],
      ];
      for (const [what, bytes, pattern] of cases) {
        const path = tmp();
        writeFileSync(path, bytes);
        const before = process.memoryUsage();
        const started = performance.now();
        const result = await checkModelFile(path);
        const elapsed = performance.now() - started;
        const after = process.memoryUsage();
        assert.ok(!result.ok, what);
        assert.match(result.reason, pattern, what);
        assert.ok(elapsed < 100, `${what}: ${elapsed.toFixed(0)} ms`);
        assert.ok(
          after.arrayBuffers - before.arrayBuffers < 4 * 1024 * 1024,
          `${what}: buffers grew by ${after.arrayBuffers - before.arrayBuffers} bytes`,
        );
        assert.ok(after.rss - before.rss < 16 * 1024 * 1024, `${what}: RSS grew by ${after.rss - before.rss} bytes`);
      }
    });
  });

  describe('validateGguf and checkModelFile', () => {
    it('summarises a valid model', async () => {
      const result = await check(qwenMeta());
      assert.ok(result.ok, result.ok ? '' : result.reason);
      assert.deepEqual(result.info, {
        architecture: 'qwen2',
        name: 'Tiny Coder',
        quantization: 'Q4_K_M',
        fourBit: true,
        contextLength: 4096,
        embeddingLength: 64,
        blockCount: 2,
        vocabSize: VOCAB.length,
        fim: null,
        hasChatTemplate: true,
        parameters: 64 * 12 + 64 * 64 + 64 * 32 + 64 * 128 + 64 + 64,
        fileType: 15,
        fileSize: result.info.fileSize,
      });
      assert.ok(result.info.fileSize > 0);
    });

    it('names the quantization from general.file_type, else from the weights', async () => {
      const cases: Array<[number | undefined, string, boolean]> = [
        [0, 'F32', false],
        [1, 'F16', false],
        [2, 'Q4_0', true],
        [7, 'Q8_0', false],
        [8, 'Q5_0', false],
        [14, 'Q4_K_S', true],
        [17, 'Q5_K_M', false],
        [18, 'Q6_K', false],
        [30, 'IQ4_XS', true],
        [32, 'BF16', false],
        [undefined, 'Q4_0', true],
        [999, 'Q4_0', true],
      ];
      for (const [fileType, name, fourBit] of cases) {
        const meta =
          fileType === undefined
            ? edit(qwenMeta(), ['general.file_type'])
            : edit(qwenMeta(), [], [['general.file_type', { type: 'u32', value: fileType }]]);
        const result = await check(meta);
        assert.ok(result.ok);
        assert.equal(result.info.quantization, name, `file_type ${fileType}`);
        assert.equal(result.info.fourBit, fourBit, `file_type ${fileType}`);
      }
    });

    it('takes the name from the file when general.name is missing', async () => {
      const result = await checkModelFile(writeModel(edit(qwenMeta(), ['general.name']), 'qwen2.5-coder-0.5b-q4_k_m.gguf'));
      assert.ok(result.ok);
      assert.match(result.info.name, /^\d+-qwen2\.5-coder-0\.5b-q4_k_m$/);
      assert.equal(result.info.hasChatTemplate, true);
    });

    it('finds FIM tokens by key, by the older keys, and by token text as llama.cpp does', async () => {
      const ids = (a: number, b: number, c: number): Meta => [
        ['tokenizer.ggml.fim_pre_token_id', { type: 'u32', value: a }],
        ['tokenizer.ggml.fim_suf_token_id', { type: 'u32', value: b }],
        ['tokenizer.ggml.fim_mid_token_id', { type: 'u32', value: c }],
      ];
      const fim = async (meta: Meta): Promise<unknown> => {
        const result = await check(meta);
        assert.ok(result.ok, result.ok ? '' : result.reason);
        return result.info.fim;
      };
      assert.deepEqual(await fim(edit(qwenMeta(), [], ids(1, 2, 3))), { prefix: 1, suffix: 2, middle: 3 });
      const old: Meta = [
        ['tokenizer.ggml.prefix_token_id', { type: 'u32', value: 4 }],
        ['tokenizer.ggml.suffix_token_id', { type: 'u32', value: 5 }],
        ['tokenizer.ggml.middle_token_id', { type: 'u32', value: 6 }],
      ];
      assert.deepEqual(await fim(edit(qwenMeta(), [], old)), { prefix: 4, suffix: 5, middle: 6 });
      const byText = (texts: string[]): Meta => withTokens(qwenMeta(), [...VOCAB, ...texts]);
      const n = VOCAB.length;
      assert.deepEqual(await fim(byText(['<|fim_prefix|>', '<|fim_middle|>', '<|fim_suffix|>'])), {
        prefix: n,
        suffix: n + 2,
        middle: n + 1,
      });
      assert.deepEqual(await fim(byText(['<fim_suffix>', '<fim_prefix>', '<fim_middle>'])), { prefix: n + 1, suffix: n, middle: n + 2 });
      assert.deepEqual(await fim(byText(['▁<PRE>', '▁<SUF>', '▁<MID>'])), { prefix: n, suffix: n + 1, middle: n + 2 });
      assert.deepEqual(await fim(byText(['<｜fim▁begin｜>', '<｜fim▁hole｜>', '<｜fim▁end｜>'])), {
        prefix: n,
        suffix: n + 1,
        middle: n + 2,
      });
      // An id outside the vocabulary is ignored (llama.cpp warns and keeps looking by text).
      const outOfRange = edit(byText(['<|fim_prefix|>', '<|fim_suffix|>', '<|fim_middle|>']), [], ids(999, 2, 3));
      assert.deepEqual(await fim(outOfRange), { prefix: n, suffix: 2, middle: 3 });
      assert.equal(await fim(byText(['<|fim_prefix|>', '<|fim_suffix|>'])), null);
    });

    const required = [
      'general.architecture',
      'qwen2.context_length',
      'qwen2.embedding_length',
      'qwen2.block_count',
      'qwen2.feed_forward_length',
      'qwen2.attention.head_count',
      'qwen2.attention.layer_norm_rms_epsilon',
      'tokenizer.ggml.model',
      'tokenizer.ggml.tokens',
      'tokenizer.ggml.merges',
    ];
    for (const key of required) {
      it(`refuses a file without ${key}, naming it`, async () => {
        const reason = await reasonOf(edit(qwenMeta(), [key]));
        assert.ok(reason.includes(`${key} is missing`), reason);
      });
    }

    it('accepts a file without head_count_kv (llama.cpp defaults it to head_count)', async () => {
      assert.equal((await check(edit(qwenMeta(), ['qwen2.attention.head_count_kv']))).ok, true);
    });

    it('needs merges only for BPE tokenizers, and the LayerNorm epsilon for starcoder2', async () => {
      const spm = edit(qwenMeta(), ['tokenizer.ggml.merges'], [['tokenizer.ggml.model', { type: 'string', value: 'llama' }]]);
      assert.equal((await check(spm)).ok, true);
      const starcoder = qwenMeta().map(([k, v]): [string, GgufValue] => [k.replace(/^qwen2\./, 'starcoder2.'), v]);
      const arch = edit(starcoder, [], [['general.architecture', { type: 'string', value: 'starcoder2' }]]);
      assert.match(await reasonOf(arch), /starcoder2\.attention\.layer_norm_epsilon is missing/);
      const fixed = edit(arch, [], [['starcoder2.attention.layer_norm_epsilon', { type: 'f32', value: 1e-5 }]]);
      assert.equal((await check(fixed)).ok, true);
    });

    it('refuses unsupported architectures, wrong types and values that make llama.cpp abort', async () => {
      const cases: Array<[Meta, RegExp]> = [
        [edit(qwenMeta(), [], [['general.architecture', { type: 'string', value: 'mamba' }]]), /architecture "mamba" .*not supported/],
        [
          edit(qwenMeta(), [], [['qwen2.context_length', { type: 'i32', value: 4096 }]]),
          /qwen2\.context_length must be a u32 but is a i32/,
        ],
        [edit(qwenMeta(), [], [['qwen2.block_count', { type: 'u32', value: 0 }]]), /block_count is 0/],
        [edit(qwenMeta(), [], [['qwen2.attention.head_count_kv', { type: 'u32', value: 3 }]]), /head_count_kv \(3\) must divide/],
        [
          edit(qwenMeta(), [], [['qwen2.feed_forward_length', { type: 'array', itemType: 'u32', value: [128] }]]),
          /1 values but the model has 2 layers/,
        ],
        [
          edit(qwenMeta(), [], [['qwen2.feed_forward_length', { type: 'array', itemType: 'u32', value: [128, 0] }]]),
          /feed_forward_length is 0 for layer 1, which makes llama.cpp abort/,
        ],
        [edit(qwenMeta(), [], [['qwen2.attention.key_length', { type: 'u32', value: 0 }]]), /key_length is 0/],
        [edit(qwenMeta(), [], [['qwen2.rope.scaling.type', { type: 'string', value: 'ntk' }]]), /rope\.scaling\.type is "ntk"/],
        [edit(qwenMeta(), [], [['qwen2.expert_used_count', { type: 'u32', value: 2 }]]), /expert settings are inconsistent/],
        [edit(qwenMeta(), [], [['tokenizer.ggml.model', { type: 'string', value: 'no_vocab' }]]), /no vocabulary/],
        [
          edit(qwenMeta(), [], [['tokenizer.ggml.model', { type: 'string', value: 'sentencepiece' }]]),
          /tokenizer "sentencepiece" .*unknown/,
        ],
        [withTokens(qwenMeta(), [...VOCAB, 'ab']), /token "ab" twice \(ids 3 and 12\)/],
        [
          edit(qwenMeta(), [], [['tokenizer.ggml.token_type', { type: 'array', itemType: 'i32', value: [1, 1] }]]),
          /token_type has 2 entries for 12 tokens/,
        ],
        // gpt2's default BOS id 11 is outside an 8-token vocabulary, and so is the key's.
        [
          edit(
            withTokens(qwenMeta(), VOCAB.slice(0, 8)),
            [],
            [
              ['tokenizer.ggml.add_bos_token', { type: 'bool', value: true }],
              ['tokenizer.ggml.bos_token_id', { type: 'u32', value: 500 }],
            ],
          ),
          /add_bos_token is true but/,
        ],
      ];
      for (const [meta, pattern] of cases) assert.match(await reasonOf(meta), pattern);
      const moe = edit(qwenMeta(), [], [['general.architecture', { type: 'string', value: 'qwen3moe' }]]);
      assert.match(
        await reasonOf(moe.map(([k, v]): [string, GgufValue] => [k.replace(/^qwen2\./, 'qwen3moe.'), v])),
        /qwen3moe\.expert_count is missing/,
      );
    });

    it('refuses a file truncated inside the tensor data', async () => {
      const path = writeModel(qwenMeta());
      const fileSize = statSync(path).size;
      truncateSync(path, fileSize - 100);
      const result = await checkModelFile(path);
      assert.ok(!result.ok);
      assert.equal(result.reason, `the file is truncated: ${fileSize} bytes expected, ${fileSize - 100} present. Download it again.`);
    });

    it('refuses a file whose header is valid but which has no tensors', async () => {
      const path = tmp();
      writeGguf(path, qwenMeta(), []);
      assert.match(await checkModelFile(path).then((r) => (r.ok ? '' : r.reason)), /no tensors/);
    });

    it('explains an empty path, a missing file, a folder, an empty file and a non-GGUF file', async () => {
      const reason = async (path: string): Promise<string> => {
        const result = await checkModelFile(path);
        assert.equal(result.ok, false);
        return result.ok ? '' : result.reason;
      };
      assert.match(await reason(''), /no model file is set/);
      assert.match(await reason('   '), /no model file is set/);
      assert.match(await reason(join(dir, 'missing.gguf')), /does not exist/);
      const folder = join(dir, 'folder.gguf');
      mkdirSync(folder);
      assert.match(await reason(folder), /is a folder/);
      const empty = tmp('empty.gguf');
      writeFileSync(empty, '');
      assert.match(await reason(empty), /the file is empty/);
      const text = tmp('readme.gguf');
      writeFileSync(text, 'hello world, not a model');
      assert.match(await reason(text), /not a GGUF file/);
      const cut = tmp('cut.gguf');
      writeFileSync(cut, encodeHeader(qwenMeta(), tensors()).subarray(0, 200));
      assert.match(await reason(cut), /truncated/);
    });

    it('refuses an unreadable file', async function () {
      if (process.platform === 'win32' || process.getuid?.() === 0) this.skip();
      const path = writeModel(qwenMeta());
      const { chmodSync } = await import('node:fs');
      chmodSync(path, 0o000);
      assert.match(await checkModelFile(path).then((r) => (r.ok ? '' : r.reason)), /permission denied/);
    });

    it("keeps the ggml block sizes the same as node-llama-cpp's addon, and leaves out the types it removed", async () => {
      // The addon's numbers are internal to node-llama-cpp (GgufInsights computes tensor sizes with
      // them): read here only to keep ggmlSizes.ts true when node-llama-cpp is updated.
      const { GgmlType, GgufInsights } = await import('node-llama-cpp');
      const checked = await readModelFile(writeModel(qwenMeta()));
      assert.ok(checked.ok);
      const insights = await GgufInsights.from(checked.fileInfo);
      const bindings = (
        insights as unknown as {
          _llama: {
            _bindings: { getTypeSizeForGgmlType(t: number): number | undefined; getBlockSizeForGgmlType(t: number): number | undefined };
          };
        }
      )._llama._bindings;
      for (const [name, id] of Object.entries(GgmlType)) {
        if (typeof id !== 'number') continue;
        // A type the table leaves out is one llama.cpp has removed: the addon gives it no size.
        const block = ggmlBlock(name) ?? { blockSize: 0, blockBytes: 0 };
        assert.deepEqual({ blockSize: bindings.getBlockSizeForGgmlType(id), blockBytes: bindings.getTypeSizeForGgmlType(id) }, block, name);
      }
    });

    it('never throws for a header validated directly', () => {
      const fileInfo = { metadata: {}, tensorInfo: [] } as unknown as GgufFileInfo;
      const scan = { version: 3, tensorCount: 0, keys: new Map(), alignment: 32, fileSize: 24 };
      const result = validateGguf(fileInfo, scan, { GgmlType: {}, GgufFileType: {} }, '/models/x.gguf');
      assert.ok(!result.ok && /general\.architecture is missing/.test(result.reason));
    });
  });
});
