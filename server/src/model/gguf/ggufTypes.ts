/**
 * Types of the GGUF header reader and validator. The format: magic "GGUF", u32 version,
 * u64 tensor count, u64 metadata count, the metadata key/values, the tensor infos, padding to
 * `general.alignment` (default 32), then the tensor data. All little-endian.
 */

/** GGUF metadata value types, by their id in the file. */
export const GgufType = {
  u8: 0,
  i8: 1,
  u16: 2,
  i16: 3,
  u32: 4,
  i32: 5,
  f32: 6,
  bool: 7,
  string: 8,
  array: 9,
  u64: 10,
  i64: 11,
  f64: 12,
} as const;

export type GgufTypeName = keyof typeof GgufType;

/** The name of a GGUF value type id ('u32', 'string', ...), or undefined for an invalid id. */
export function ggufTypeName(id: number): GgufTypeName | undefined {
  for (const [name, value] of Object.entries(GgufType)) {
    if (value === id) return name as GgufTypeName;
  }
  return undefined;
}

/** A scalar metadata value. u64 and i64 are bigint (exact); every other integer and float is number. */
export type GgufScalar = number | bigint | boolean | string;

/** An array metadata value. */
export interface GgufArray {
  /** Element type: a GgufTypeName; 'array' for an array of arrays. */
  arrayType: GgufTypeName;
  length: number;
  /**
   * The elements, where kept: always for `tokenizer.ggml.tokens`, and for any other array of at
   * most {@link KEEP_ARRAY_MAX} scalars. Left out for long arrays (merges, scores, token types)
   * and for arrays of arrays.
   */
  values?: GgufScalar[];
}

/** Arrays of at most this many elements keep their values. */
export const KEEP_ARRAY_MAX = 4096;

export type GgufValue = GgufScalar | GgufArray;

export interface GgufTensorInfo {
  name: string;
  /** ggml order: dims[0] is the row length. */
  dims: number[];
  /** ggml type id (0 F32, 1 F16, 2 Q4_0, 12 Q4_K, ...). */
  type: number;
  /** Offset of the data from `dataOffset`. */
  offset: number;
}

export interface GgufHeader {
  /** 2 or 3. */
  version: number;
  tensorCount: number;
  metadata: Map<string, GgufValue>;
  /** The value type of each metadata key, as stored in the file (`'array'` for arrays). */
  metadataTypes: Map<string, GgufTypeName>;
  tensors: GgufTensorInfo[];
  /** `general.alignment`, or 32. */
  alignment: number;
  /** Offset in the file where the tensor data starts (aligned). */
  dataOffset: number;
  fileSize: number;
}

export interface GgufFimTokens {
  prefix: number;
  suffix: number;
  middle: number;
}

export interface GgufInfo {
  /** `general.architecture`, e.g. `qwen2`. */
  architecture: string;
  /** `general.name`, or the file's base name without `.gguf`. */
  name: string;
  /** e.g. `Q4_K_M`, `Q4_0`, `Q8_0`, `F16`, `BF16`, `F32`. */
  quantization: string;
  /** Whether the weights are mostly 4-bit. */
  fourBit: boolean;
  contextLength: number;
  embeddingLength: number;
  blockCount: number;
  vocabSize: number;
  /** Fill-in-the-middle token ids as llama.cpp finds them, or null when any of the three is missing. */
  fim: GgufFimTokens | null;
  hasChatTemplate: boolean;
}

export type GgufCheck = { ok: true; info: GgufInfo } | { ok: false; reason: string };

export type GgufErrorCode =
  /** The first bytes are not "GGUF". */
  | 'not-gguf'
  /** The file ends inside the header. */
  | 'truncated'
  /** A GGUF version this reader (and llama.cpp) does not read. */
  | 'unsupported-version'
  /** The header is self-contradictory: absurd lengths or counts, invalid types, duplicates. */
  | 'corrupt';

/**
 * A GGUF file the reader refuses. `reason` is a sentence for a user (without the path);
 * `message` is `path: reason`.
 */
export class GgufError extends Error {
  override readonly name = 'GgufError';
  constructor(
    readonly code: GgufErrorCode,
    readonly path: string,
    readonly reason: string,
  ) {
    super(`${path}: ${reason}`);
  }
}
