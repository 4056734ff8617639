import { randomBytes } from 'node:crypto';
import { statSync, truncateSync, writeFileSync } from 'node:fs';
import { encodeHeader, type GgufValue, writeGguf } from './ggufWriter';
import { ARCH, modelParts } from './models';

/**
 * Bad model files for the tests of bad input. All but `not-gguf` and `empty` start from the
 * `tiny` model.
 *
 * WARNING: llama.cpp does not reject `missing-ffn` and `missing-head-count` with an error: it
 * hits a GGML_ASSERT and aborts the whole process. Load those only in a child process.
 */
export type BrokenKind =
  | 'not-gguf'
  | 'truncated'
  | 'truncated-header'
  | 'missing-ffn'
  | 'missing-head-count'
  | 'missing-context-length'
  | 'unsupported-arch'
  | 'empty';

export const BROKEN_KINDS: readonly BrokenKind[] = [
  'not-gguf',
  'truncated',
  'truncated-header',
  'missing-ffn',
  'missing-head-count',
  'missing-context-length',
  'unsupported-arch',
  'empty',
];

/** The kinds that make llama.cpp abort the process instead of failing the load. */
export const ABORTING_BROKEN_KINDS: readonly BrokenKind[] = ['missing-ffn', 'missing-head-count'];

export function isBrokenKind(kind: string): kind is BrokenKind {
  return (BROKEN_KINDS as readonly string[]).includes(kind);
}

/** Writes a broken file of the given kind. Returns its size in bytes. */
export function writeBroken(kind: BrokenKind, path: string): number {
  const { metadata, tensors } = modelParts({ shape: 'tiny' });
  const without = (key: string): Array<[string, GgufValue]> => {
    const kept = metadata.filter(([k]) => k !== key);
    if (kept.length === metadata.length) throw new Error(`no key ${key}`);
    return kept;
  };
  switch (kind) {
    case 'empty':
      writeFileSync(path, Buffer.alloc(0));
      break;
    case 'not-gguf':
      writeFileSync(path, `This is not a model file.\n${randomBytes(256).toString('base64')}\n`.repeat(8));
      break;
    case 'truncated': {
      const header = encodeHeader(metadata, tensors).length;
      const total = writeGguf(path, metadata, tensors);
      truncateSync(path, header + Math.floor((total - header) / 2));
      break;
    }
    case 'truncated-header': {
      const header = encodeHeader(metadata, tensors).length;
      writeGguf(path, metadata, tensors);
      truncateSync(path, Math.floor(header / 2));
      break;
    }
    case 'missing-ffn':
      writeGguf(path, without(`${ARCH}.feed_forward_length`), tensors);
      break;
    case 'missing-head-count':
      writeGguf(path, without(`${ARCH}.attention.head_count`), tensors);
      break;
    case 'missing-context-length':
      writeGguf(path, without(`${ARCH}.context_length`), tensors);
      break;
    case 'unsupported-arch':
      writeGguf(
        path,
        metadata.map(([k, v]): [string, GgufValue] =>
          k === 'general.architecture'
            ? [k, { type: 'string', value: 'notamodel' }]
            : [k.startsWith(`${ARCH}.`) ? `notamodel.${k.slice(ARCH.length + 1)}` : k, v],
        ),
        tensors,
      );
      break;
    default: {
      const never: never = kind;
      throw new Error(`unknown broken kind ${String(never)}`);
    }
  }
  return statSync(path).size;
}
