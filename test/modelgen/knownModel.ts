import { type TensorSpec, writeGguf } from './ggufWriter';
import { modelMetadata, type WrittenModel } from './models';
import type { Shape } from './shapes';
import { buildVocab, decode, encode, type Vocab } from './tokenizer';

/**
 * A qwen2 model whose greedy output is known in advance: a bigram table on tokens, made
 * fill-in-the-middle aware, built from hand-set F32 weights and run by real llama.cpp.
 *
 * Residual stream (n_embd = 128, 2 heads of 64, all F32):
 *   CUR  [0, 32)   one-hot class of the current token (the embedding row; nothing else writes it)
 *   PREV [32, 64)  class of the previous token (written by layer 0)
 *   FP   [64, 96)  at `<|fim_middle|>`: the class of the token right before `<|fim_suffix|>`
 *                  (written by layer 1); elsewhere a uniform average of PREV over the context.
 *
 * Layer 0, head 0, attends to the previous position by position alone: Wq = Wk = 0 and constant
 * q/k biases. With rope.freq_base = 2^32 and head size 64 the NEOX pairs rotate at θ_i = 2^-i,
 * and q_i = √a·e^{-iθ_i}, k_i = √a, so the score of distance Δ is (a/8)·Σ_i cos((Δ-1)θ_i): the
 * maximum a·32/8 at Δ = 1, and for any other Δ below 2^32 some θ_i puts (Δ-1)θ_i in [1, 2),
 * so at least 0.46·a/8 (57 for a = 1000) lower. Its value copies CUR into PREV.
 * Layer 1, head 0, attends by content: only `<|fim_middle|>` has a query and only
 * `<|fim_suffix|>` a key (on the slowest rope pairs, whose rotation is negligible), score 200;
 * its value copies the attended token's PREV into FP. Every other query is 0, so elsewhere the
 * head averages PREV uniformly (total weight 1).
 * FFNs are zero. output.weight maps CUR[c] → next(c) with weight A = 8 and FP[c] → next(c) with
 * B = 4; CUR[`<|fim_middle|>`] maps to nothing. So an ordinary position follows the bigram of its
 * own token (A beats whatever the FP average holds), and `<|fim_middle|>` follows the token before
 * `<|fim_suffix|>`, i.e. the last token of the FIM prefix. Tokens outside the table, and the end
 * of every chain, lead to `<|endoftext|>`.
 */

export interface KnownEntry {
  /** Text whose LAST token selects the continuation (a prefix-only prompt, or a FIM prefix). */
  prompt: string;
  /** Exact greedy output after `prompt` (then `<|endoftext|>`). */
  continuation: string;
}

/** The table. The continuation depends only on the last token of the prompt. */
export const knownEntries: readonly KnownEntry[] = [
  { prompt: 'console', continuation: '.log(' },
  { prompt: 'function add(a, b) {', continuation: '\n  return a + b;\n}' },
  { prompt: 'import numpy as', continuation: ' np' },
  { prompt: 'def main():', continuation: ' pass' },
  { prompt: 'while (', continuation: 'true)' },
  { prompt: 'SELECT * FROM', continuation: ' users;' },
];

/** `prompt → continuation`, e.g. `{ console: '.log(' }`. */
export const knownContinuations: Readonly<Record<string, string>> = Object.fromEntries(knownEntries.map((e) => [e.prompt, e.continuation]));

/** The shape of the known model (not one of the benchmark shapes). */
export const KNOWN_SHAPE: Shape = {
  name: 'tiny',
  displayName: 'SLM Assist known-output test model',
  nLayer: 2,
  nEmbd: 128,
  nHead: 2,
  nHeadKv: 2,
  nFf: 64,
  vocab: 'compact',
  tied: false,
  contextLength: 8192,
  ropeFreqBase: 2 ** 32,
  rmsEps: 1e-6,
};

const D = KNOWN_SHAPE.nEmbd;
const HEAD = D / KNOWN_SHAPE.nHead; // 64
const CUR = 0;
const PREV = 32;
const FP = 64;
const MAX_CLASSES = 32;
/** Positional attention strength per rope pair (see above). */
const POS_A = 1000;
/** Content attention weight (q = k = 8·W on 4 dims: score 32·W² = 200). */
const CONTENT_W = 2.5;
const CONTENT_DIMS = [28, 29, 30, 31];
const A = 8;
const B = 4;

export interface KnownModelOptions {
  /** Include FIM tokens (default true). Without them the model is the plain bigram chain. */
  fim?: boolean;
  contextLength?: number;
}

export interface KnownTable {
  vocab: Vocab;
  /** token id → next token id (chains end in `<|endoftext|>`). */
  next: Map<number, number>;
  /** token id → class (dimension within a block); tokens without a class use `other`. */
  classOf: Map<number, number>;
  other: number;
  fimMiddle?: number;
  fimSuffix?: number;
  /** class → the token it leads to, or -1 for none. */
  classNext: number[];
}

export function knownVocab(fim: boolean): Vocab {
  return buildVocab({
    fim,
    extraTexts: knownEntries.flatMap((e) => [e.prompt, e.continuation]),
  });
}

/** Builds the bigram table from `knownEntries`; throws if two entries disagree on a token's successor. */
export function knownTable(fim: boolean): KnownTable {
  const vocab = knownVocab(fim);
  const eot = vocab.endOfText;
  const next = new Map<number, number>();
  const link = (from: number, to: number): void => {
    const had = next.get(from);
    if (had !== undefined && had !== to) {
      throw new Error(`known model: token ${JSON.stringify(decode(vocab, [from]))} leads to two tokens`);
    }
    next.set(from, to);
  };
  for (const { prompt, continuation } of knownEntries) {
    const promptIds = encode(vocab, prompt);
    const chain = encode(vocab, continuation);
    if (decode(vocab, chain) !== continuation) throw new Error(`known model: ${JSON.stringify(continuation)} does not round-trip`);
    let from = promptIds[promptIds.length - 1];
    for (const id of chain) {
      link(from, id);
      from = id;
    }
    link(from, eot);
  }
  const classOf = new Map<number, number>();
  const classNext: number[] = [];
  for (const [from, to] of next) {
    classOf.set(from, classNext.length);
    classNext.push(to);
  }
  const other = classNext.length;
  classNext.push(eot);
  const table: KnownTable = { vocab, next, classOf, other, classNext };
  if (fim) {
    const mid = vocab.special.get('<|fim_middle|>')!;
    const suf = vocab.special.get('<|fim_suffix|>')!;
    if (classOf.has(mid) || classOf.has(suf)) throw new Error('known model: FIM tokens in the table');
    table.fimMiddle = classNext.length;
    classOf.set(mid, classNext.length);
    classNext.push(-1);
    table.fimSuffix = classNext.length;
    classOf.set(suf, classNext.length);
    classNext.push(eot);
  }
  if (classNext.length > MAX_CLASSES) throw new Error(`known model: ${classNext.length} classes, at most ${MAX_CLASSES}`);
  return table;
}

/** The tensors of the known model (all F32). */
export function knownTensors(table: KnownTable): TensorSpec[] {
  const nVocab = table.vocab.tokens.length;
  const nFf = KNOWN_SHAPE.nFf;
  const classes = table.classNext.length;
  const cls = (id: number): number => table.classOf.get(id) ?? table.other;
  /** A matrix in ggml order: `dims = [nIn, nOut]`, element (out, in) at out·nIn + in. */
  const matrix = (nIn: number, nOut: number) => {
    const data = new Float32Array(nIn * nOut);
    return { data, set: (out: number, inp: number, v: number) => (data[out * nIn + inp] = v) };
  };
  const ones = (n: number) => new Float32Array(n).fill(1);
  const zeros = (n: number) => new Float32Array(n);

  const embd = matrix(D, nVocab);
  for (let t = 0; t < nVocab; t++) embd.set(t, CUR + cls(t), 1);

  // Layer 0: previous-token head.
  const q0b = zeros(D);
  const k0b = zeros(D);
  for (let i = 0; i < HEAD / 2; i++) {
    const theta = 2 ** -i;
    q0b[i] = Math.sqrt(POS_A) * Math.cos(theta);
    q0b[i + HEAD / 2] = -Math.sqrt(POS_A) * Math.sin(theta);
    k0b[i] = Math.sqrt(POS_A);
  }
  const v0 = matrix(D, D);
  const o0 = matrix(D, D);
  for (let c = 0; c < classes; c++) {
    v0.set(c, CUR + c, 1 / Math.sqrt(D)); // rms-normed one-hot is √D
    o0.set(PREV + c, c, 1);
  }

  // Layer 1: `<|fim_middle|>` looks up `<|fim_suffix|>` and copies its PREV.
  const q1 = matrix(D, D);
  const k1 = matrix(D, D);
  if (table.fimMiddle !== undefined && table.fimSuffix !== undefined) {
    for (const d of CONTENT_DIMS) {
      q1.set(d, CUR + table.fimMiddle, CONTENT_W);
      k1.set(d, CUR + table.fimSuffix, CONTENT_W);
    }
  }
  const v1 = matrix(D, D);
  const o1 = matrix(D, D);
  for (let c = 0; c < classes; c++) {
    v1.set(c, PREV + c, 1 / Math.sqrt(D / 2)); // two unit entries (CUR, PREV) after rms norm: √(D/2)
    o1.set(FP + c, c, 1);
  }

  const out = matrix(D, nVocab);
  table.classNext.forEach((to, c) => {
    if (to < 0) return;
    out.set(to, CUR + c, A);
    out.set(to, FP + c, B);
  });

  const layer = (
    i: number,
    q: Float32Array,
    qb: Float32Array,
    k: Float32Array,
    kb: Float32Array,
    v: Float32Array,
    o: Float32Array,
  ): TensorSpec[] => {
    const p = `blk.${i}.`;
    return [
      { name: `${p}attn_norm.weight`, dims: [D], type: 'F32', data: ones(D) },
      { name: `${p}attn_q.weight`, dims: [D, D], type: 'F32', data: q },
      { name: `${p}attn_q.bias`, dims: [D], type: 'F32', data: qb },
      { name: `${p}attn_k.weight`, dims: [D, D], type: 'F32', data: k },
      { name: `${p}attn_k.bias`, dims: [D], type: 'F32', data: kb },
      { name: `${p}attn_v.weight`, dims: [D, D], type: 'F32', data: v },
      { name: `${p}attn_v.bias`, dims: [D], type: 'F32', data: zeros(D) },
      { name: `${p}attn_output.weight`, dims: [D, D], type: 'F32', data: o },
      { name: `${p}ffn_norm.weight`, dims: [D], type: 'F32', data: ones(D) },
      { name: `${p}ffn_gate.weight`, dims: [D, nFf], type: 'F32', data: 'zero' },
      { name: `${p}ffn_up.weight`, dims: [D, nFf], type: 'F32', data: 'zero' },
      { name: `${p}ffn_down.weight`, dims: [nFf, D], type: 'F32', data: 'zero' },
    ];
  };

  return [
    { name: 'token_embd.weight', dims: [D, nVocab], type: 'F32', data: embd.data },
    ...layer(0, zeros(D * D), q0b, zeros(D * D), k0b, v0.data, o0.data),
    ...layer(1, q1.data, zeros(D), k1.data, zeros(D), v1.data, o1.data),
    { name: 'output_norm.weight', dims: [D], type: 'F32', data: ones(D) },
    { name: 'output.weight', dims: [D, nVocab], type: 'F32', data: out.data },
  ];
}

/** Writes the known-output model. */
export function writeKnownModel(path: string, options: KnownModelOptions = {}): WrittenModel {
  const start = performance.now();
  const fim = options.fim ?? true;
  const table = knownTable(fim);
  const metadata = modelMetadata(KNOWN_SHAPE, table.vocab, {
    fileType: 0, // ALL_F32
    contextLength: options.contextLength,
    name: fim ? KNOWN_SHAPE.displayName : `${KNOWN_SHAPE.displayName} (no FIM)`,
  });
  const bytes = writeGguf(path, metadata, knownTensors(table));
  return { path, bytes, ms: performance.now() - start };
}
