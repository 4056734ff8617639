import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type InspectOptions, type ModelInspection, inspectModelFile, readModelFile } from '../../server/src/model/gguf/ggufHeader';
import { chatModelReason, formatBytes } from '../../server/src/model/gguf/inspect';
import { ABORTING_BROKEN_KINDS, BROKEN_KINDS, ensureModel, type ModelOptions } from '../modelgen';
import { modelParts } from '../modelgen/models';
import { type GgufValue, writeGguf } from '../modelgen/ggufWriter';

const GiB = 2 ** 30;
const completion: InspectOptions = { contextSize: 4096, sequences: 2, role: 'completion' };
const chat: InspectOptions = { ...completion, role: 'chat' };

async function inspect(path: string, options: InspectOptions = completion): Promise<ModelInspection> {
  const result = await inspectModelFile(path, options);
  assert.ok(result.ok, result.ok ? '' : result.reason);
  return result;
}

/** Warnings other than the one about memory (whose presence depends on the machine). */
function otherWarnings(m: ModelInspection): string[] {
  return m.warnings.filter((w) => !/ is free\./.test(w));
}

describe('inspectModelFile', function () {
  // The first GgufInsights loads node-llama-cpp's addon (no backend), about a second here.
  this.timeout(60_000);
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'slm-inspect-test-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  /** A tiny model written with some metadata changed or removed. */
  function tinyWith(
    name: string,
    options: Partial<ModelOptions>,
    change: (meta: Array<[string, GgufValue]>) => Array<[string, GgufValue]>,
  ): string {
    const { metadata, tensors } = modelParts({ shape: 'tiny', ...options });
    const path = join(dir, `${name}.gguf`);
    writeGguf(path, change(metadata), tensors);
    return path;
  }

  it('describes the 0.5B-shaped model: parameters, quantization, FIM tokens, and memory a 4096-token context with 2 sequences needs', async () => {
    const path = ensureModel('qwen2.5-coder-0.5b');
    const m = await inspect(path);
    const { metadata, tensors } = modelParts({ shape: 'qwen2.5-coder-0.5b' });
    const parameters = tensors.reduce((sum, t) => sum + t.dims.reduce((a, b) => a * b, 1), 0);
    assert.equal(m.parameters, parameters);
    assert.ok(m.parameters > 490e6 && m.parameters < 500e6, `${m.parameters} parameters (Qwen2.5-Coder-0.5B has 494M)`);
    assert.equal(m.architecture, 'qwen2');
    assert.equal(m.quantization, 'Q4_0');
    assert.equal(m.fourBit, true);
    assert.equal(m.trainContextSize, 32768);
    assert.equal(m.vocabSize, 151936);
    assert.equal(m.hasChatTemplate, true);
    assert.equal(m.supportedByLlamaCpp, true);
    assert.equal(m.chatModel, false);
    const id = (key: string): unknown => metadata.find(([k]) => k === key)?.[1].value;
    assert.deepEqual(m.fimTokens, {
      prefix: { id: id('tokenizer.ggml.fim_pre_token_id'), text: '<|fim_prefix|>' },
      suffix: { id: id('tokenizer.ggml.fim_suf_token_id'), text: '<|fim_suffix|>' },
      middle: { id: id('tokenizer.ggml.fim_mid_token_id'), text: '<|fim_middle|>' },
    });
    const fileSize = statSync(path).size;
    assert.equal(m.fileSize, fileSize);
    // Weights about the file's size; the KV cache of 2 × 4096 tokens (24 layers, 2 KV heads of 64) is 96 MiB, plus the graph.
    assert.ok(m.memory.weights > 0.9 * fileSize && m.memory.weights <= fileSize, `weights ${m.memory.weights}, file ${fileSize}`);
    assert.ok(
      m.memory.total > fileSize && m.memory.total < fileSize + GiB,
      `total ${formatBytes(m.memory.total)}, file ${formatBytes(fileSize)}`,
    );
    assert.equal(m.memory.total, m.memory.weights + m.memory.context);
    assert.ok(m.freeMemory > 0);
    assert.deepEqual(otherWarnings(m), []);
  });

  it('estimates more memory for a longer context and more sequences', async () => {
    const path = ensureModel('tiny');
    const small = await inspect(path, { ...completion, contextSize: 1024, sequences: 1 });
    const large = await inspect(path, { ...completion, contextSize: 8192, sequences: 2 });
    assert.equal(small.memory.weights, large.memory.weights);
    assert.ok(large.memory.context > small.memory.context);
  });

  it('warns that a model will not fit at a huge context (131072 tokens × 64 sequences)', async () => {
    const m = await inspect(ensureModel('qwen2.5-coder-0.5b'), { contextSize: 131072, sequences: 64, role: 'completion' });
    assert.ok(m.memory.total > 64 * GiB, `needs ${formatBytes(m.memory.total)}`);
    const fit = m.warnings.find((w) => / is free\./.test(w));
    if (m.memory.total <= m.freeMemory) {
      assert.equal(fit, undefined);
      return;
    }
    assert.ok(fit, m.warnings.join('\n'));
    assert.match(fit, /needs about \d+\.\d GiB at a 131072-token context with 64 sequences; \d+\.\d GiB is free\./);
    assert.ok(fit.includes(formatBytes(m.memory.total)) && fit.includes(formatBytes(m.freeMemory)));
  });

  it('warns that a Q8_0 or F16 model is not 4-bit', async () => {
    for (const quant of ['Q8_0', 'F16'] as const) {
      const m = await inspect(ensureModel('tiny', undefined, { quant }));
      assert.equal(m.quantization, quant);
      assert.deepEqual(otherWarnings(m), [
        `${m.name} is ${quant}, not 4-bit: it needs more memory and runs slower (Q4_K_M is recommended).`,
      ]);
    }
    assert.deepEqual(otherWarnings(await inspect(ensureModel('tiny'))), []);
  });

  it('warns about a base model without a chat template chosen for chat, not for completion', async () => {
    const path = tinyWith('no-template', {}, (meta) => meta.filter(([key]) => key !== 'tokenizer.chat_template'));
    const forChat = await inspect(path, chat);
    assert.equal(forChat.hasChatTemplate, false);
    assert.equal(forChat.chatModel, false);
    assert.equal(otherWarnings(forChat).length, 1);
    assert.match(otherWarnings(forChat)[0], /has no chat template: it looks like a base model.*slmAssist\.chatModel\.path/);
    assert.deepEqual(otherWarnings(await inspect(path, completion)), []);
    assert.deepEqual(otherWarnings(await inspect(ensureModel('tiny'), chat)), []);
  });

  it('warns about an instruct model chosen for completion, not for chat', async () => {
    const path = tinyWith('instruct', { name: 'Tiny Coder 0.5B Instruct' }, (meta) => meta);
    const forCompletion = await inspect(path, completion);
    assert.equal(forCompletion.chatModel, true);
    assert.deepEqual(
      otherWarnings(forCompletion).map((w) => /looks like an instruct \(chat\) model \(its name says "Instruct"\)/.test(w)),
      [true],
    );
    assert.deepEqual(otherWarnings(await inspect(path, chat)), []);
    // By general.finetune too, and by a chat template without FIM tokens.
    const finetune = tinyWith('finetune', {}, (meta) => [...meta, ['general.finetune', { type: 'string', value: 'Chat' }]]);
    assert.equal((await inspect(finetune)).chatModel, true);
    const noFim = await inspect(ensureModel('tiny', undefined, { fim: false }));
    assert.equal(noFim.fimTokens, null);
    assert.equal(noFim.chatModel, true);
    assert.equal(otherWarnings(noFim).length, 2);
    assert.match(otherWarnings(noFim)[0], /instruct \(chat\) model \(it has a chat template and no fill-in-the-middle tokens\)/);
    assert.match(otherWarnings(noFim)[1], /has no fill-in-the-middle tokens: completions use the text before the cursor only/);
  });

  it('tells chat models from base models by name, or by a template without FIM tokens', () => {
    const fim = { prefix: 1, suffix: 2, middle: 3 };
    assert.equal(chatModelReason(['Qwen2.5 Coder 1.5B Instruct'], { hasChatTemplate: true, fim }), 'its name says "Instruct"');
    assert.equal(chatModelReason(['deepseek-coder-6.7b-instruct'], { hasChatTemplate: false, fim: null }), 'its name says "instruct"');
    assert.equal(chatModelReason(['Qwen2.5 Coder 1.5B'], { hasChatTemplate: true, fim }), undefined);
    assert.equal(chatModelReason(['starcoder2-3b'], { hasChatTemplate: false, fim: null }), undefined);
    assert.equal(chatModelReason([], { hasChatTemplate: true, fim: null }), 'it has a chat template and no fill-in-the-middle tokens');
  });

  it('refuses every broken file with the reason checkModelFile gives, before node-llama-cpp inspects it', async () => {
    for (const kind of BROKEN_KINDS) {
      const path = ensureModel(`broken:${kind}`);
      const result = await inspectModelFile(path, completion);
      const checked = await readModelFile(path);
      assert.ok(!result.ok && !checked.ok, kind);
      assert.equal(result.reason, checked.reason, kind);
    }
    assert.deepEqual(ABORTING_BROKEN_KINDS, ['missing-ffn', 'missing-head-count']);
  });

  it('formats sizes as a user reads them', () => {
    assert.equal(formatBytes(1.6 * GiB), '1.6 GiB');
    assert.equal(formatBytes(0.9 * GiB), '0.9 GiB');
    assert.equal(formatBytes(40 * 2 ** 20), '40 MiB');
  });
});
