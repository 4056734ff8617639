import { type GgufValue, type TensorSpec, type TensorType, writeGguf } from './ggufWriter';
import { SHAPES, type Shape, type ShapeName } from './shapes';
import { qwenCoderVocab } from './realVocab';
import { buildVocab, tokenizerMetadata, type Vocab } from './tokenizer';

/** Weight types a generated model's matrices can have. */
export type Quant = 'Q4_0' | 'Q8_0' | 'F16';
export const QUANTS: readonly Quant[] = ['Q4_0', 'Q8_0', 'F16'];

/** `general.file_type` (llama_ftype) per weight type: MOSTLY_F16 = 1, MOSTLY_Q4_0 = 2, MOSTLY_Q8_0 = 7. */
export const FILE_TYPE: Record<Quant, number> = { F16: 1, Q4_0: 2, Q8_0: 7 };

export const ARCH = 'qwen2';

export interface ModelOptions {
  shape: ShapeName | Shape;
  /** Type of the weight matrices (default Q4_0). Norms and biases are always F32. */
  quant?: Quant;
  /** Include the FIM tokens and `tokenizer.ggml.fim_*` keys (default true). */
  fim?: boolean;
  /** `qwen2.context_length` (default: the shape's). */
  contextLength?: number;
  /** `general.name` (default: the shape's display name). */
  name?: string;
}

export interface WrittenModel {
  path: string;
  bytes: number;
  /** Milliseconds the write took. */
  ms: number;
}

export function resolveShape(shape: ShapeName | Shape): Shape {
  return typeof shape === 'string' ? SHAPES[shape] : shape;
}

/** The real Qwen2.5-Coder tokenizer for the `qwen` shapes, the small trained one for `compact`. */
export function vocabFor(shape: Shape, fim: boolean): Vocab {
  return shape.vocab === 'qwen' ? qwenCoderVocab(fim) : buildVocab({ fim });
}

/** The `general.*` and `qwen2.*` metadata of a shape followed by the tokenizer's. */
export function modelMetadata(
  shape: Shape,
  vocab: Vocab,
  options: { fileType: number; contextLength?: number; name?: string; ropeFreqBase?: number },
): Array<[string, GgufValue]> {
  const u32 = (value: number): GgufValue => ({ type: 'u32', value });
  return [
    ['general.architecture', { type: 'string', value: ARCH }],
    ['general.type', { type: 'string', value: 'model' }],
    ['general.name', { type: 'string', value: options.name ?? shape.displayName }],
    ['general.file_type', u32(options.fileType)],
    ['general.quantization_version', u32(2)],
    [`${ARCH}.block_count`, u32(shape.nLayer)],
    [`${ARCH}.context_length`, u32(options.contextLength ?? shape.contextLength)],
    [`${ARCH}.embedding_length`, u32(shape.nEmbd)],
    [`${ARCH}.feed_forward_length`, u32(shape.nFf)],
    [`${ARCH}.attention.head_count`, u32(shape.nHead)],
    [`${ARCH}.attention.head_count_kv`, u32(shape.nHeadKv)],
    [`${ARCH}.rope.freq_base`, { type: 'f32', value: options.ropeFreqBase ?? shape.ropeFreqBase }],
    [`${ARCH}.attention.layer_norm_rms_epsilon`, { type: 'f32', value: shape.rmsEps }],
    ...tokenizerMetadata(vocab),
  ];
}

/** Random weights: matrices of `quant` (a tied embedding Q8_0 when `quant` is Q4_0), norms all ones, biases small random F32. */
export function modelTensors(shape: Shape, nVocab: number, quant: TensorType): TensorSpec[] {
  const { nEmbd, nFf } = shape;
  const nEmbdKv = (nEmbd / shape.nHead) * shape.nHeadKv;
  // llama-quantize keeps a tied embedding (it is also the output matrix) at higher precision
  // for Q4_0: Q6_K, or Q8_0 when the row length is not a multiple of 256 (0.5B: 896). This
  // writer has no K-quants, so Q8_0 for all: the 0.5B file then has the real model's size.
  const embdType: TensorType = quant === 'Q4_0' && shape.tied ? 'Q8_0' : quant;
  const tensors: TensorSpec[] = [{ name: 'token_embd.weight', dims: [nEmbd, nVocab], type: embdType, data: 'random' }];
  const ones = (n: number): Float32Array => new Float32Array(n).fill(1);
  for (let i = 0; i < shape.nLayer; i++) {
    const p = `blk.${i}.`;
    tensors.push(
      { name: `${p}attn_norm.weight`, dims: [nEmbd], type: 'F32', data: ones(nEmbd) },
      { name: `${p}attn_q.weight`, dims: [nEmbd, nEmbd], type: quant, data: 'random' },
      { name: `${p}attn_q.bias`, dims: [nEmbd], type: 'F32', data: 'random' },
      { name: `${p}attn_k.weight`, dims: [nEmbd, nEmbdKv], type: quant, data: 'random' },
      { name: `${p}attn_k.bias`, dims: [nEmbdKv], type: 'F32', data: 'random' },
      { name: `${p}attn_v.weight`, dims: [nEmbd, nEmbdKv], type: quant, data: 'random' },
      { name: `${p}attn_v.bias`, dims: [nEmbdKv], type: 'F32', data: 'random' },
      { name: `${p}attn_output.weight`, dims: [nEmbd, nEmbd], type: quant, data: 'random' },
      { name: `${p}ffn_norm.weight`, dims: [nEmbd], type: 'F32', data: ones(nEmbd) },
      { name: `${p}ffn_gate.weight`, dims: [nEmbd, nFf], type: quant, data: 'random' },
      { name: `${p}ffn_up.weight`, dims: [nEmbd, nFf], type: quant, data: 'random' },
      { name: `${p}ffn_down.weight`, dims: [nFf, nEmbd], type: quant, data: 'random' },
    );
  }
  tensors.push({ name: 'output_norm.weight', dims: [nEmbd], type: 'F32', data: ones(nEmbd) });
  if (!shape.tied) tensors.push({ name: 'output.weight', dims: [nEmbd, nVocab], type: quant, data: 'random' });
  return tensors;
}

/** Everything `writeModel` writes, without writing it (for the broken-file variants). */
export function modelParts(options: ModelOptions): {
  metadata: Array<[string, GgufValue]>;
  tensors: TensorSpec[];
} {
  const shape = resolveShape(options.shape);
  const quant = options.quant ?? 'Q4_0';
  const vocab = vocabFor(shape, options.fim ?? true);
  return {
    metadata: modelMetadata(shape, vocab, {
      fileType: FILE_TYPE[quant],
      contextLength: options.contextLength,
      name: options.name,
    }),
    tensors: modelTensors(shape, vocab.tokens.length, quant),
  };
}

/** Writes a qwen2 GGUF of the given shape with random weights. */
export function writeModel(path: string, options: ModelOptions): WrittenModel {
  const start = performance.now();
  const { metadata, tensors } = modelParts(options);
  const bytes = writeGguf(path, metadata, tensors);
  return { path, bytes, ms: performance.now() - start };
}
