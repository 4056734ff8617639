/**
 * Tables from the llama.cpp that node-llama-cpp 3.22.1 carries (release v0.5.0, ggml 0.25.1):
 * `enum ggml_type` (ggml/include/ggml.h), the block sizes and block byte sizes of
 * `type_traits` (ggml/src/ggml.c, the byte sizes measured with sizeof() on ggml-common.h),
 * and `enum llama_ftype` (include/llama.h).
 */

export interface GgmlTypeInfo {
  name: string;
  /** Elements per block. */
  blockSize: number;
  /** Bytes per block. */
  blockBytes: number;
  /** Bits per weight, roughly: for the 4-bit test. */
  bits: number;
}

/** ggml types by id. Ids not here are unknown to this table (size check skipped). */
export const GGML_TYPES: ReadonlyMap<number, GgmlTypeInfo> = new Map([
  [0, { name: 'F32', blockSize: 1, blockBytes: 4, bits: 32 }],
  [1, { name: 'F16', blockSize: 1, blockBytes: 2, bits: 16 }],
  [2, { name: 'Q4_0', blockSize: 32, blockBytes: 18, bits: 4 }],
  [3, { name: 'Q4_1', blockSize: 32, blockBytes: 20, bits: 4 }],
  [6, { name: 'Q5_0', blockSize: 32, blockBytes: 22, bits: 5 }],
  [7, { name: 'Q5_1', blockSize: 32, blockBytes: 24, bits: 5 }],
  [8, { name: 'Q8_0', blockSize: 32, blockBytes: 34, bits: 8 }],
  [9, { name: 'Q8_1', blockSize: 32, blockBytes: 36, bits: 8 }],
  [10, { name: 'Q2_K', blockSize: 256, blockBytes: 84, bits: 2 }],
  [11, { name: 'Q3_K', blockSize: 256, blockBytes: 110, bits: 3 }],
  [12, { name: 'Q4_K', blockSize: 256, blockBytes: 144, bits: 4 }],
  [13, { name: 'Q5_K', blockSize: 256, blockBytes: 176, bits: 5 }],
  [14, { name: 'Q6_K', blockSize: 256, blockBytes: 210, bits: 6 }],
  [15, { name: 'Q8_K', blockSize: 256, blockBytes: 292, bits: 8 }],
  [16, { name: 'IQ2_XXS', blockSize: 256, blockBytes: 66, bits: 2 }],
  [17, { name: 'IQ2_XS', blockSize: 256, blockBytes: 74, bits: 2 }],
  [18, { name: 'IQ3_XXS', blockSize: 256, blockBytes: 98, bits: 3 }],
  [19, { name: 'IQ1_S', blockSize: 256, blockBytes: 50, bits: 1 }],
  [20, { name: 'IQ4_NL', blockSize: 32, blockBytes: 18, bits: 4 }],
  [21, { name: 'IQ3_S', blockSize: 256, blockBytes: 110, bits: 3 }],
  [22, { name: 'IQ2_S', blockSize: 256, blockBytes: 82, bits: 2 }],
  [23, { name: 'IQ4_XS', blockSize: 256, blockBytes: 136, bits: 4 }],
  [24, { name: 'I8', blockSize: 1, blockBytes: 1, bits: 8 }],
  [25, { name: 'I16', blockSize: 1, blockBytes: 2, bits: 16 }],
  [26, { name: 'I32', blockSize: 1, blockBytes: 4, bits: 32 }],
  [27, { name: 'I64', blockSize: 1, blockBytes: 8, bits: 64 }],
  [28, { name: 'F64', blockSize: 1, blockBytes: 8, bits: 64 }],
  [29, { name: 'IQ1_M', blockSize: 256, blockBytes: 56, bits: 1 }],
  [30, { name: 'BF16', blockSize: 1, blockBytes: 2, bits: 16 }],
  [34, { name: 'TQ1_0', blockSize: 256, blockBytes: 54, bits: 2 }],
  [35, { name: 'TQ2_0', blockSize: 256, blockBytes: 66, bits: 2 }],
  [39, { name: 'MXFP4', blockSize: 32, blockBytes: 17, bits: 4 }],
  [40, { name: 'NVFP4', blockSize: 64, blockBytes: 36, bits: 4 }],
  [41, { name: 'Q1_0', blockSize: 128, blockBytes: 18, bits: 1 }],
  [42, { name: 'Q2_0', blockSize: 64, blockBytes: 18, bits: 2 }],
]);

/** Type ids whose support llama.cpp has removed (it refuses such files). */
export const REMOVED_GGML_TYPES: ReadonlyMap<number, string> = new Map([
  [4, 'Q4_2'],
  [5, 'Q4_3'],
  [31, 'Q4_0_4_4'],
  [32, 'Q4_0_4_8'],
  [33, 'Q4_0_8_8'],
  [36, 'IQ4_NL_4_4'],
  [37, 'IQ4_NL_4_8'],
  [38, 'IQ4_NL_8_8'],
]);

/** `general.file_type` (llama_ftype) → quantization name. */
export const LLAMA_FTYPES: ReadonlyMap<number, string> = new Map([
  [0, 'F32'],
  [1, 'F16'],
  [2, 'Q4_0'],
  [3, 'Q4_1'],
  [7, 'Q8_0'],
  [8, 'Q5_0'],
  [9, 'Q5_1'],
  [10, 'Q2_K'],
  [11, 'Q3_K_S'],
  [12, 'Q3_K_M'],
  [13, 'Q3_K_L'],
  [14, 'Q4_K_S'],
  [15, 'Q4_K_M'],
  [16, 'Q5_K_S'],
  [17, 'Q5_K_M'],
  [18, 'Q6_K'],
  [19, 'IQ2_XXS'],
  [20, 'IQ2_XS'],
  [21, 'Q2_K_S'],
  [22, 'IQ3_XS'],
  [23, 'IQ3_XXS'],
  [24, 'IQ1_S'],
  [25, 'IQ4_NL'],
  [26, 'IQ3_S'],
  [27, 'IQ3_M'],
  [28, 'IQ2_S'],
  [29, 'IQ2_M'],
  [30, 'IQ4_XS'],
  [31, 'IQ1_M'],
  [32, 'BF16'],
  [36, 'TQ1_0'],
  [37, 'TQ2_0'],
  [38, 'MXFP4_MOE'],
  [39, 'NVFP4'],
  [40, 'Q1_0'],
  [41, 'Q2_0'],
]);

/** Whether a quantization name (from {@link LLAMA_FTYPES} or a ggml type name) is 4-bit. */
export function isFourBit(quantization: string): boolean {
  return /^(I?Q4_|MXFP4|NVFP4)/.test(quantization);
}

/** Bytes of a tensor of `type` and `dims`, or undefined when the type is unknown or the row is not whole blocks. */
export function tensorByteSize(type: number, dims: readonly number[]): number | undefined {
  const info = GGML_TYPES.get(type);
  if (!info) return undefined;
  const rowLength = dims.length > 0 ? dims[0] : 1;
  if (rowLength % info.blockSize !== 0) return undefined;
  let elements = 1;
  for (const d of dims) elements *= d;
  return (elements / info.blockSize) * info.blockBytes;
}
