/**
 * Block sizes of the ggml types, by node-llama-cpp's `GgmlType` names: elements per block and
 * bytes per block (`type_traits` in ggml/src/ggml.c of the llama.cpp that node-llama-cpp 3.22.1
 * carries, the byte sizes measured with sizeof() on ggml-common.h).
 *
 * node-llama-cpp has these only inside its native addon (its GgufInsights asks the addon for a
 * tensor's size), and the check must know a tensor's size before any llama.cpp code sees the
 * file, so this one table stays. A test compares it with the addon's numbers. Types of
 * `GgmlType` that are not here (Q4_2, Q4_3, Q4_0_4_4, IQ4_NL_4_4, ...) are the ones llama.cpp
 * has removed.
 */
const BLOCKS: Readonly<Record<string, readonly [blockSize: number, blockBytes: number]>> = {
  F32: [1, 4],
  F16: [1, 2],
  Q4_0: [32, 18],
  Q4_1: [32, 20],
  Q5_0: [32, 22],
  Q5_1: [32, 24],
  Q8_0: [32, 34],
  Q8_1: [32, 36],
  Q2_K: [256, 84],
  Q3_K: [256, 110],
  Q4_K: [256, 144],
  Q5_K: [256, 176],
  Q6_K: [256, 210],
  Q8_K: [256, 292],
  IQ2_XXS: [256, 66],
  IQ2_XS: [256, 74],
  IQ3_XXS: [256, 98],
  IQ1_S: [256, 50],
  IQ4_NL: [32, 18],
  IQ3_S: [256, 110],
  IQ2_S: [256, 82],
  IQ4_XS: [256, 136],
  I8: [1, 1],
  I16: [1, 2],
  I32: [1, 4],
  I64: [1, 8],
  F64: [1, 8],
  IQ1_M: [256, 56],
  BF16: [1, 2],
  TQ1_0: [256, 54],
  TQ2_0: [256, 66],
  MXFP4: [32, 17],
  NVFP4: [64, 36],
  Q1_0: [128, 18],
  Q2_0: [64, 18],
};

/** Elements and bytes per block of a ggml type name, or undefined for a type llama.cpp no longer reads. */
export function ggmlBlock(typeName: string): { blockSize: number; blockBytes: number } | undefined {
  const block = Object.hasOwn(BLOCKS, typeName) ? BLOCKS[typeName] : undefined;
  return block && { blockSize: block[0], blockBytes: block[1] };
}

/** Whether a quantization name (a `GgufFileType` or ggml type name) is 4-bit. */
export function isFourBit(quantization: string): boolean {
  return /^(I?Q4_|MXFP4|NVFP4)/.test(quantization);
}
