import { existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { type BrokenKind, isBrokenKind, writeBroken } from './broken';
import { writeKnownModel } from './knownModel';
import { type Quant, writeModel } from './models';
import { defaultModelDir } from './paths';
import { qwenVocabTag } from './realVocab';
import { isShapeName, SHAPES, type ShapeName } from './shapes';

export { ABORTING_BROKEN_KINDS, BROKEN_KINDS, type BrokenKind, writeBroken } from './broken';
export { knownContinuations, knownEntries, writeKnownModel, type KnownEntry } from './knownModel';
export { FILE_TYPE, QUANTS, type Quant, writeModel, type ModelOptions, type WrittenModel } from './models';
export { defaultModelDir } from './paths';
export { qwenCoderVocab, realVocabFile, realVocabTests, REAL_VOCABS, type RealVocabName } from './realVocab';
export { SHAPE_NAMES, SHAPES, type Shape, type ShapeName } from './shapes';

/**
 * Bump when anything the generator writes changes (tokenizer, weights, metadata): cached files
 * carry it in their names, so old ones are not reused.
 */
export const GENERATOR_VERSION = 1;

/** What `ensureModel` can make: a shape, the known-output model (with or without FIM), or a broken file. */
export type ModelKind = ShapeName | 'known' | 'known-nofim' | `broken:${BrokenKind}`;

export interface EnsureOptions {
  /** Weights of the shapes (default Q4_0); ignored for `known*` and broken files. */
  quant?: Quant;
  /** FIM tokens for the shapes (default true). */
  fim?: boolean;
  /** `context_length` override. */
  contextLength?: number;
}

/**
 * The file name a kind and options are cached under (options and generator version encoded; for
 * the shapes with the real Qwen tokenizer, a hash of its vocabulary file, which this reads out of
 * node-llama-cpp's llama.cpp sources the first time).
 */
export function modelFileName(kind: ModelKind, options: EnsureOptions = {}): string {
  const v = `g${GENERATOR_VERSION}`;
  if (kind.startsWith('broken:')) return `broken-${kind.slice('broken:'.length)}-${v}.gguf`;
  const ctx = options.contextLength ? `-ctx${options.contextLength}` : '';
  if (kind === 'known' || kind === 'known-nofim') return `${kind}${ctx}-${v}.gguf`;
  const quant = options.quant ?? 'Q4_0';
  const fim = (options.fim ?? true) ? 'fim' : 'nofim';
  const vocab = isShapeName(kind) && SHAPES[kind].vocab === 'qwen' ? `-${qwenVocabTag()}` : '';
  return `${kind}-${quant}-${fim}${ctx}${vocab}-${v}.gguf`;
}

/**
 * Returns the path of a generated model in `dir`, writing it first if it is not there yet
 * (to a temporary name, then renamed, so a crash or a concurrent run never leaves half a file
 * under the final name). Synchronous: the 0.5B shape takes about 1-2 s to write.
 */
export function ensureModel(kind: ModelKind, dir: string = defaultModelDir(), options: EnsureOptions = {}): string {
  const path = join(dir, modelFileName(kind, options));
  if (existsSync(path)) return path;
  mkdirSync(dir, { recursive: true });
  const tmp = `${path}.tmp-${process.pid}-${Math.random().toString(36).slice(2)}`;
  try {
    if (kind.startsWith('broken:')) {
      const broken = kind.slice('broken:'.length);
      if (!isBrokenKind(broken)) throw new Error(`unknown broken kind: ${broken}`);
      writeBroken(broken, tmp);
    } else if (kind === 'known' || kind === 'known-nofim') {
      writeKnownModel(tmp, { fim: kind === 'known', contextLength: options.contextLength });
    } else if (isShapeName(kind)) {
      writeModel(tmp, { shape: SHAPES[kind], quant: options.quant, fim: options.fim, contextLength: options.contextLength });
    } else {
      throw new Error(`unknown model kind: ${String(kind)}`);
    }
    renameSync(tmp, path);
  } finally {
    rmSync(tmp, { force: true });
  }
  return path;
}
