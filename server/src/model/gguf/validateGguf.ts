import { basename } from 'node:path';
import type { GgufFileInfo } from 'node-llama-cpp';
import { ARCHITECTURES, MAX_EXPERTS, MAX_LAYERS, ROPE_SCALING_TYPES, type ArchitectureSpec } from './architectures';
import { isFourBit } from './ggmlSizes';
import type { GgufCheck, GgufInfo, GgufScan } from './ggufTypes';
import { Invalid, Meta } from './metaAccess';
import { type GgufNames, checkTensors, quantizationName } from './tensorCheck';
import { checkVocab, findFimTokens } from './vocabCheck';

/** Keys (without the `{arch}.` prefix) that are per-layer integers; the others in the table are f32 or u32. */
const PER_LAYER_KEYS = new Set(['feed_forward_length', 'expert_feed_forward_length']);
const F32_KEYS = new Set(['attention.layer_norm_rms_epsilon', 'attention.layer_norm_epsilon', 'logit_scale']);

/**
 * Checks node-llama-cpp's parse of a header (with the key types from the pre-scan) for what
 * llama.cpp needs, so that a file that would make it fail, or abort the whole process
 * (GGML_ASSERT), is refused with a reason instead. `path` gives the name when the file has no
 * `general.name`. The reason is a sentence without the path (the caller adds it).
 */
export function validateGguf(fileInfo: GgufFileInfo, scan: GgufScan, names: GgufNames, path: string): GgufCheck {
  try {
    return { ok: true, info: validate(fileInfo, scan, names, path) };
  } catch (error) {
    if (error instanceof Invalid) return { ok: false, reason: error.message };
    throw error;
  }
}

function validate(fileInfo: GgufFileInfo, scan: GgufScan, names: GgufNames, path: string): GgufInfo {
  const meta = new Meta(fileInfo, scan);
  const architecture = meta.string('general.architecture', true);
  const spec = ARCHITECTURES.get(architecture);
  if (!spec) {
    throw new Invalid(
      `the architecture "${architecture}" (general.architecture) is not supported. Supported: ${[...ARCHITECTURES.keys()].join(', ')}.`,
    );
  }
  const a = `${architecture}.`;
  const contextLength = positive(meta, `${a}context_length`);
  const embeddingLength = positive(meta, `${a}embedding_length`);
  const blockCount = positive(meta, `${a}block_count`);
  if (blockCount > MAX_LAYERS) throw new Invalid(`${a}block_count is ${blockCount}; llama.cpp allows at most ${MAX_LAYERS} layers.`);
  const nextn = meta.u32(`${a}nextn_predict_layers`);
  if (nextn !== undefined && nextn > blockCount)
    throw new Invalid(`${a}nextn_predict_layers (${nextn}) exceeds ${a}block_count (${blockCount}).`);

  checkHeads(meta, a, blockCount, embeddingLength);
  checkArchitectureKeys(meta, a, spec, blockCount);
  checkExperts(meta, a, spec, blockCount);
  const rope = meta.string(`${a}rope.scaling.type`);
  if (rope !== undefined && !ROPE_SCALING_TYPES.has(rope)) {
    throw new Invalid(`${a}rope.scaling.type is "${rope}", which llama.cpp does not know (it would abort).`);
  }

  const tokens = checkVocab(meta);
  const parameters = checkTensors(fileInfo, names, scan.alignment, scan.fileSize);
  const fileType = meta.u32('general.file_type');
  const quantization = quantizationName(fileType, fileInfo.tensorInfo ?? [], names);
  const generalName = meta.string('general.name');
  const template = meta.get('tokenizer.chat_template');
  return {
    architecture,
    name: generalName?.trim() || basename(path).replace(/\.gguf$/i, ''),
    quantization,
    fourBit: isFourBit(quantization),
    contextLength,
    embeddingLength,
    blockCount,
    vocabSize: tokens.length,
    fim: findFimTokens(meta, tokens),
    hasChatTemplate: typeof template === 'string' && template.length > 0,
    parameters,
    fileType,
    fileSize: scan.fileSize,
  };
}

function positive(meta: Meta, key: string): number {
  const value = meta.u32(key, true);
  if (value === 0) throw new Invalid(`the metadata key ${key} is 0.`);
  return value;
}

/** Head counts: llama.cpp defaults head_count_kv to head_count; bad values abort it when it builds the graph. */
function checkHeads(meta: Meta, a: string, layers: number, embedding: number): void {
  const headKey = `${a}attention.head_count`;
  meta.require(headKey, ' (without it llama.cpp aborts the process)');
  const heads = meta.perLayer(headKey, layers) ?? [];
  const kvHeads = meta.perLayer(`${a}attention.head_count_kv`, layers) ?? heads;
  const hasKeyLength = meta.has(`${a}attention.key_length`);
  for (const key of [`${a}attention.key_length`, `${a}attention.value_length`]) {
    if (meta.u32(key) === 0) throw new Invalid(`the metadata key ${key} is 0, which makes llama.cpp abort.`);
  }
  for (let il = 0; il < layers; il++) {
    const h = heads[il];
    const kv = kvHeads[il];
    if (h === 0) throw new Invalid(`${headKey} is 0 for layer ${il}, which makes llama.cpp abort.`);
    if (kv === 0 || kv > h || h % kv !== 0) {
      throw new Invalid(`${a}attention.head_count_kv (${kv}) must divide ${headKey} (${h}); llama.cpp would abort.`);
    }
    if (!hasKeyLength && embedding % h !== 0) {
      throw new Invalid(
        `${a}embedding_length (${embedding}) is not a multiple of ${headKey} (${h}) and ${a}attention.key_length is missing.`,
      );
    }
  }
}

/** The keys the architecture's table entry requires, with llama.cpp's types. */
function checkArchitectureKeys(meta: Meta, a: string, spec: ArchitectureSpec, layers: number): void {
  for (const entry of spec.required) {
    const options = typeof entry === 'string' ? [entry] : entry;
    const present = options.filter((key) => meta.has(a + key));
    if (present.length === 0) {
      const keys = options.map((key) => a + key);
      const abort = options.includes('feed_forward_length') ? ' (without it llama.cpp aborts the process)' : '';
      if (keys.length === 1) meta.require(keys[0], abort);
      throw new Invalid(
        `the metadata keys ${keys.join(' and ')} are both missing${abort}. The file was not converted correctly: use another GGUF of this model.`,
      );
    }
    for (const key of present) {
      if (PER_LAYER_KEYS.has(key)) {
        // A zero size gives a tensor a zero dimension: llama.cpp asserts (aborts). MoE layers may be dense-free.
        const values = meta.perLayer(a + key, layers) ?? [];
        const zero = values.indexOf(0);
        if (zero >= 0 && (!spec.moe || values.every((v) => v === 0))) {
          throw new Invalid(
            `the metadata key ${a + key} is 0${values.length > 1 ? ` for layer ${zero}` : ''}, which makes llama.cpp abort.`,
          );
        }
      } else if (F32_KEYS.has(key)) {
        meta.f32(a + key);
      } else {
        meta.u32(a + key);
      }
    }
  }
}

/** Expert counts: llama.cpp asserts these relations and aborts when they do not hold. */
function checkExperts(meta: Meta, a: string, spec: ArchitectureSpec, layers: number): void {
  if (spec.moe) {
    meta.require(`${a}expert_count`, ' (the architecture is a mixture of experts)');
    meta.require(`${a}expert_used_count`, ' (the architecture is a mixture of experts)');
  }
  const experts = meta.u32(`${a}expert_count`) ?? 0;
  const usedKey = `${a}expert_used_count`;
  const used = meta.has(usedKey) ? Math.max(...(meta.perLayer(usedKey, layers) ?? [0])) : 0;
  const groups = meta.u32(`${a}expert_group_count`) ?? 0;
  const groupsUsed = meta.u32(`${a}expert_group_used_count`) ?? 0;
  const fail = (why: string): never => {
    throw new Invalid(`the expert settings are inconsistent (${why}), which makes llama.cpp abort.`);
  };
  if (experts > MAX_EXPERTS) fail(`${a}expert_count ${experts} > ${MAX_EXPERTS}`);
  if (used > experts) fail(`${usedKey} ${used} > ${a}expert_count ${experts}`);
  if (experts > 0) {
    if (used === 0) fail(`${usedKey} is 0`);
    if (groups >= experts) fail(`${a}expert_group_count ${groups} >= ${a}expert_count ${experts}`);
    if (groups > 1 && (experts % groups !== 0 || groupsUsed === 0 || groupsUsed >= groups)) {
      fail(`${a}expert_group_count ${groups}, ${a}expert_group_used_count ${groupsUsed}`);
    }
  } else if (groups !== 0) {
    fail(`${a}expert_group_count without experts`);
  }
}
