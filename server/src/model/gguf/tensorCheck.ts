import type { GgufFileInfo, GgufTensorInfo } from 'node-llama-cpp';
import { ggmlBlock } from './ggmlSizes';
import { Invalid } from './metaAccess';

/** The enums of node-llama-cpp the checks name types with (passed in: node-llama-cpp is imported at run time). */
export interface GgufNames {
  /** node-llama-cpp's `GgmlType`: id → name (`2` → `Q4_0`). */
  GgmlType: Readonly<Record<number, string>>;
  /** node-llama-cpp's `GgufFileType`: id → name (`15` → `MOSTLY_Q4_K_M`). */
  GgufFileType: Readonly<Record<number, string>>;
}

/**
 * Checks the tensor infos against ggml's types and the file's size; returns the total parameter
 * count. llama.cpp refuses removed types and rows that are not whole blocks, and needs the
 * tensors one after the other, each padded to the alignment; tensor data past the end of the
 * file is a truncated download. Throws {@link Invalid}.
 */
export function checkTensors(fileInfo: GgufFileInfo, names: GgufNames, alignment: number, fileSize: number): number {
  const tensors = fileInfo.tensorInfo ?? [];
  if (tensors.length === 0) {
    throw new Invalid('the file holds no tensors (no weights): it may be a vocabulary-only GGUF.');
  }
  let end = 0;
  let expectedOffset = 0;
  let parameters = 0;
  for (const tensor of tensors) {
    const typeName = names.GgmlType[tensor.ggmlType];
    if (typeName === undefined) {
      throw new Invalid(
        `the tensor ${tensor.name} has the unknown type ${tensor.ggmlType}: the file is corrupt or newer than this llama.cpp.`,
      );
    }
    const block = ggmlBlock(typeName);
    if (!block) {
      throw new Invalid(
        `the tensor ${tensor.name} has the type ${typeName}, which llama.cpp no longer reads. Use a current GGUF of this model.`,
      );
    }
    const dims = tensor.dimensions.map(Number);
    const elements = dims.reduce((a, b) => a * b, 1);
    parameters += elements;
    const rowLength = dims.length > 0 ? dims[0] : 1;
    if (rowLength % block.blockSize !== 0) {
      throw new Invalid(
        `the tensor ${tensor.name} (${typeName}) has rows of ${rowLength} values, not a multiple of the ${typeName} block size ${block.blockSize}: the file is corrupt.`,
      );
    }
    const size = (elements / block.blockSize) * block.blockBytes;
    const offset = Number(tensor.offset);
    if (offset !== expectedOffset) {
      throw new Invalid(
        `the tensor ${tensor.name} has the data offset ${offset} where ${expectedOffset} is expected: the file is corrupt.`,
      );
    }
    expectedOffset += Math.ceil(size / alignment) * alignment;
    end = Math.max(end, offset + size);
  }
  const expected = (fileInfo.infoEndOffset ?? 0) + end;
  if (expected > fileSize) {
    throw new Invalid(`the file is truncated: ${expected} bytes expected, ${fileSize} present. Download it again.`);
  }
  return parameters;
}

/**
 * The quantization name: from `general.file_type` by node-llama-cpp's `GgufFileType`
 * (`MOSTLY_Q4_K_M` → `Q4_K_M`), else the dominant ggml type of the tensors by elements (the
 * rule of node-llama-cpp's `GgufInsights.dominantTensorType`, which needs its native addon),
 * e.g. `Q4_0`; 'unknown' when neither tells.
 */
export function quantizationName(fileType: number | undefined, tensors: readonly GgufTensorInfo[], names: GgufNames): string {
  const fileTypeName = fileType === undefined ? undefined : names.GgufFileType[fileType];
  if (fileTypeName) return fileTypeName.replace(/^(MOSTLY|ALL)_/, '');
  const elements = new Map<number, number>();
  for (const tensor of tensors) {
    const count = tensor.dimensions.reduce<number>((a, b) => a * Number(b), 1);
    elements.set(tensor.ggmlType, (elements.get(tensor.ggmlType) ?? 0) + count);
  }
  let best: number | undefined;
  for (const [type, count] of elements) if (best === undefined || count > (elements.get(best) ?? 0)) best = type;
  if (best === undefined) return 'unknown';
  return names.GgmlType[best] ?? `type ${best}`;
}
