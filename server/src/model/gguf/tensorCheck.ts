import { GGML_TYPES, LLAMA_FTYPES, REMOVED_GGML_TYPES, tensorByteSize } from './ggmlTables';
import type { GgufHeader } from './ggufTypes';
import { Invalid, type Meta } from './metaAccess';

/**
 * Checks the tensor infos against ggml's types and the file's size. llama.cpp refuses removed
 * types and rows that are not whole blocks, and needs the tensors one after the other, each
 * padded to the alignment. Types unknown to {@link GGML_TYPES} are skipped (no size check).
 * Throws {@link Invalid}.
 */
export function checkTensors(header: GgufHeader): void {
  if (header.tensors.length === 0) {
    throw new Invalid('the file holds no tensors (no weights): it may be a vocabulary-only GGUF.');
  }
  let end = 0;
  let expectedOffset: number | undefined = 0;
  for (const tensor of header.tensors) {
    const removed = REMOVED_GGML_TYPES.get(tensor.type);
    if (removed) {
      throw new Invalid(
        `the tensor ${tensor.name} has the type ${removed}, which llama.cpp no longer reads. Use a current GGUF of this model.`,
      );
    }
    const info = GGML_TYPES.get(tensor.type);
    if (!info) {
      expectedOffset = undefined;
      continue;
    }
    const size = tensorByteSize(tensor.type, tensor.dims);
    if (size === undefined) {
      throw new Invalid(
        `the tensor ${tensor.name} (${info.name}) has rows of ${tensor.dims[0]} values, not a multiple of the ${info.name} block size ${info.blockSize}: the file is corrupt.`,
      );
    }
    if (expectedOffset !== undefined) {
      if (tensor.offset !== expectedOffset) {
        throw new Invalid(
          `the tensor ${tensor.name} has the data offset ${tensor.offset} where ${expectedOffset} is expected: the file is corrupt.`,
        );
      }
      expectedOffset += Math.ceil(size / header.alignment) * header.alignment;
    }
    end = Math.max(end, tensor.offset + size);
  }
  const expected = header.dataOffset + end;
  if (expected > header.fileSize) {
    throw new Invalid(`the file is truncated: ${expected} bytes expected, ${header.fileSize} present. Download it again.`);
  }
}

/**
 * The quantization name: from `general.file_type` (llama_ftype), else the most common ggml
 * type among the 2-D (or larger) weight tensors, e.g. 'Q4_K'; 'unknown' when neither tells.
 */
export function quantizationName(meta: Meta, header: GgufHeader): string {
  if (meta.has('general.file_type')) {
    const fileType = meta.u32('general.file_type');
    const name = fileType === undefined ? undefined : LLAMA_FTYPES.get(fileType);
    if (name) return name;
  }
  const counts = new Map<number, number>();
  for (const tensor of header.tensors) {
    if (tensor.dims.length >= 2 && tensor.name.endsWith('.weight')) {
      counts.set(tensor.type, (counts.get(tensor.type) ?? 0) + 1);
    }
  }
  let best: number | undefined;
  for (const [type, count] of counts) {
    if (best === undefined || count > (counts.get(best) ?? 0)) best = type;
  }
  if (best === undefined) return 'unknown';
  return GGML_TYPES.get(best)?.name ?? `type ${best}`;
}
