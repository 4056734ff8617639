/**
 * Types of the GGUF check. The format: magic "GGUF", u32 version, u64 tensor count, u64 metadata
 * count, the metadata key/values, the tensor infos, padding to `general.alignment` (default 32),
 * then the tensor data. All little-endian.
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

/**
 * How a metadata key is stored in the file. node-llama-cpp's parsed metadata has the values but
 * not their types (a u32 and an i32 are both numbers), and llama.cpp reads each key with one
 * exact type, so the pre-scan records them.
 */
export interface GgufKeyType {
  type: GgufTypeName;
  /** The element type of an array. */
  arrayType?: GgufTypeName;
  /** The element count of an array. */
  length?: number;
}

/** What the bounded pre-scan learns about a header: sizes and types, never the values. */
export interface GgufScan {
  /** 2 or 3. */
  version: number;
  tensorCount: number;
  /** Every metadata key with its stored type. */
  keys: Map<string, GgufKeyType>;
  /** `general.alignment`, or 32. */
  alignment: number;
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
  /** Total parameters: the elements of every tensor. */
  parameters: number;
  /** `general.file_type` (node-llama-cpp's `GgufFileType`, llama.cpp's `llama_ftype`), when present. */
  fileType?: number;
  fileSize: number;
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
 * A GGUF file the pre-scan refuses. `reason` is a sentence for a user (without the path);
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
