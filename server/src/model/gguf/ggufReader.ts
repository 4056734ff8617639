import { open } from 'node:fs/promises';
import { ChunkReader } from './chunkReader';
import {
  type GgufArray,
  type GgufHeader,
  type GgufScalar,
  type GgufTensorInfo,
  type GgufTypeName,
  type GgufValue,
  KEEP_ARRAY_MAX,
  ggufTypeName,
} from './ggufTypes';

/** Limits of llama.cpp's gguf.cpp (GGUF_MAX_STRING_LENGTH, GGUF_MAX_ARRAY_ELEMENTS, GGML_MAX_NAME, GGML_MAX_DIMS). */
const MAX_STRING_LENGTH = 1024 * 1024 * 1024;
const MAX_ARRAY_ELEMENTS = 1024 * 1024 * 1024;
const MAX_TENSOR_NAME = 64;
const MAX_DIMS = 4;
/** Strings kept in memory (keys, names, values) are at most this long; longer ones are corrupt headers. */
const MAX_KEPT_STRING = 64 * 1024 * 1024;
/** Arrays of arrays deeper than this are corrupt (llama.cpp reads no arrays of arrays at all). */
const MAX_ARRAY_DEPTH = 8;
/** Smallest possible metadata entry (key length, 1-byte key, type, 1-byte value) and tensor info. */
const MIN_KV_BYTES = 8 + 1 + 4 + 1;
const MIN_TENSOR_INFO_BYTES = 8 + 4 + 4 + 8;
const DEFAULT_ALIGNMENT = 32;
/** Real models have some tens of metadata entries and up to some thousands of tensors. */
const PLAUSIBLE_KV_COUNT = 1 << 16;
const PLAUSIBLE_TENSOR_COUNT = 1 << 20;

/** Bytes of each fixed-size value type. */
const SCALAR_SIZE: Partial<Record<GgufTypeName, number>> = {
  u8: 1,
  i8: 1,
  u16: 2,
  i16: 2,
  u32: 4,
  i32: 4,
  f32: 4,
  bool: 1,
  u64: 8,
  i64: 8,
  f64: 8,
};

/**
 * Reads the header of a GGUF file: metadata and tensor infos, never the tensor data. Bounded
 * reads in chunks; lengths and counts are checked against the file's size before anything is
 * allocated. Throws a `GgufError` for a file that is not GGUF, truncated, of an
 * unsupported version or corrupt; other errors (the file cannot be opened) pass through.
 */
export async function readGgufHeader(path: string): Promise<GgufHeader> {
  const file = await open(path, 'r');
  try {
    const { size } = await file.stat();
    return await parseHeader(new ChunkReader(file, path, size));
  } finally {
    await file.close();
  }
}

async function parseHeader(r: ChunkReader): Promise<GgufHeader> {
  const fileSize = r.fileSize;
  if (fileSize === 0) r.fail('not-gguf', 'the file is empty (0 bytes), not a GGUF model.');
  await r.fill(Math.min(16, fileSize), 'the magic');
  const first = r.peek(Math.min(16, fileSize));
  if (first.length < 4 || first.toString('latin1', 0, 4) !== 'GGUF') r.fail('not-gguf', notGgufReason(first));
  r.skip(4, 'the magic');

  await r.fill(4 + 8 + 8, 'the header counts');
  const version = r.u32();
  if (version === 0 || (version & 0xffff) === 0) {
    r.fail(
      'unsupported-version',
      `the GGUF version field reads ${version}: the file is big-endian or corrupt. Use a little-endian GGUF file.`,
    );
  }
  if (version === 1)
    r.fail('unsupported-version', 'it is a GGUF version 1 file, which llama.cpp no longer reads. Download a current GGUF (version 3).');
  if (version > 3)
    r.fail(
      'unsupported-version',
      `it is GGUF version ${version}; this llama.cpp reads versions 2 and 3 only. Update SLM Assist or use an older GGUF.`,
    );

  const tensorCount = r.u64n();
  const kvCount = r.u64n();
  if (kvCount * MIN_KV_BYTES + tensorCount * MIN_TENSOR_INFO_BYTES > r.remaining) {
    // Counts a real model has (a file cut short) or counts no model has (a corrupt header).
    if (kvCount <= PLAUSIBLE_KV_COUNT && tensorCount <= PLAUSIBLE_TENSOR_COUNT) {
      r.fail(
        'truncated',
        `the file is truncated: it ends inside the header (${fileSize} bytes cannot hold ${kvCount} metadata entries and ${tensorCount} tensors). Download the file again.`,
      );
    }
    r.fail(
      'corrupt',
      `the header is corrupt: it claims ${kvCount} metadata entries and ${tensorCount} tensors, more than a file of ${fileSize} bytes can hold.`,
    );
  }

  const metadata = new Map<string, GgufValue>();
  const metadataTypes = new Map<string, GgufTypeName>();
  for (let i = 0; i < kvCount; i++) {
    const key = await readString(r, `the key of metadata entry ${i}`);
    if (key === '') r.fail('corrupt', `the header is corrupt: metadata entry ${i} has an empty key.`);
    if (metadata.has(key)) r.fail('corrupt', `the header is corrupt: the metadata key "${key}" appears twice.`);
    if (r.avail() < 4) await r.fill(4, `the type of "${key}"`);
    const type = valueType(r, r.u32(), key);
    metadataTypes.set(key, type);
    metadata.set(key, type === 'array' ? await readArray(r, key, 0) : await readScalar(r, type, key));
  }

  let alignment = DEFAULT_ALIGNMENT;
  if (metadata.has('general.alignment')) {
    const value = metadata.get('general.alignment');
    if (metadataTypes.get('general.alignment') !== 'u32' || typeof value !== 'number' || value === 0 || (value & (value - 1)) !== 0) {
      r.fail('corrupt', 'the header is corrupt: general.alignment must be a u32 power of two.');
    }
    alignment = value;
  }

  const tensors: GgufTensorInfo[] = [];
  const names = new Set<string>();
  for (let i = 0; i < tensorCount; i++) {
    const name = await readString(r, `the name of tensor ${i}`);
    if (Buffer.byteLength(name) >= MAX_TENSOR_NAME) {
      r.fail(
        'corrupt',
        `the header is corrupt: tensor ${i} has a name of ${Buffer.byteLength(name)} bytes (at most ${MAX_TENSOR_NAME - 1}).`,
      );
    }
    if (names.has(name)) r.fail('corrupt', `the header is corrupt: the tensor name "${name}" appears twice.`);
    names.add(name);
    if (r.avail() < 4) await r.fill(4, `the dimensions of tensor "${name}"`);
    const nDims = r.u32();
    if (nDims > MAX_DIMS) r.fail('corrupt', `the header is corrupt: tensor "${name}" has ${nDims} dimensions (at most ${MAX_DIMS}).`);
    await r.fill(nDims * 8 + 4 + 8, `the shape of tensor "${name}"`);
    const dims: number[] = [];
    let elements = 1;
    for (let d = 0; d < nDims; d++) {
      const dim = r.u64n();
      if (dim > Number.MAX_SAFE_INTEGER)
        r.fail('corrupt', `the header is corrupt: tensor "${name}" has a dimension of more than 2^53 elements.`);
      dims.push(dim);
      elements *= dim;
    }
    if (elements >= 2 ** 63) r.fail('corrupt', `the header is corrupt: tensor "${name}" has 2^63 elements or more.`);
    const type = r.i32();
    const offset = r.u64n();
    if (offset > Number.MAX_SAFE_INTEGER) r.fail('corrupt', `the header is corrupt: tensor "${name}" has an absurd data offset.`);
    tensors.push({ name, dims, type, offset });
  }

  const headerEnd = r.offset;
  const dataOffset = tensorCount > 0 ? Math.ceil(headerEnd / alignment) * alignment : headerEnd;
  return { version, tensorCount, metadata, metadataTypes, tensors, alignment, dataOffset, fileSize };
}

function valueType(r: ChunkReader, id: number, key: string): GgufTypeName {
  const name = ggufTypeName(id);
  if (name === undefined) r.fail('corrupt', `the header is corrupt: metadata key "${key}" has the invalid value type ${id}.`);
  return name;
}

/** Checks that a length read from the file fits what is left of it. */
function checkLength(r: ChunkReader, bytes: number, what: string): void {
  if (bytes <= r.remaining) return;
  if (bytes > r.fileSize || bytes > MAX_STRING_LENGTH) {
    r.fail('corrupt', `the header is corrupt: ${what} claims ${bytes} bytes, more than the file holds (${r.fileSize} bytes).`);
  }
  r.fail(
    'truncated',
    `the file is truncated: it ends inside the header (${what} needs ${bytes} bytes, ${r.remaining} left). Download the file again.`,
  );
}

async function readString(r: ChunkReader, what: string): Promise<string> {
  if (r.avail() < 8) await r.fill(8, what);
  const length = r.u64n();
  checkLength(r, length, what);
  if (length > MAX_KEPT_STRING) r.fail('corrupt', `the header is corrupt: ${what} is ${length} bytes long.`);
  if (r.avail() < length) await r.fill(length, what);
  return r.utf8(length);
}

async function readScalar(r: ChunkReader, type: GgufTypeName, key: string): Promise<GgufScalar> {
  if (type === 'string') return readString(r, `the value of "${key}"`);
  const size = SCALAR_SIZE[type] ?? 0;
  if (r.avail() < size) await r.fill(size, `the value of "${key}"`);
  return scalarAt(r, type);
}

/** Reads one buffered fixed-size value. */
function scalarAt(r: ChunkReader, type: GgufTypeName): GgufScalar {
  switch (type) {
    case 'u8':
      return r.u8();
    case 'i8':
      return r.i8();
    case 'u16':
      return r.u16();
    case 'i16':
      return r.i16();
    case 'u32':
      return r.u32();
    case 'i32':
      return r.i32();
    case 'f32':
      return r.f32();
    case 'bool':
      return r.u8() !== 0;
    case 'u64':
      return r.u64();
    case 'i64':
      return r.i64();
    case 'f64':
      return r.f64();
    default:
      throw new Error(`not a fixed-size type: ${type}`);
  }
}

/** Reads an array (after its value type): element type, count, elements. */
async function readArray(r: ChunkReader, key: string, depth: number): Promise<GgufArray> {
  const what = `the array "${key}"`;
  await r.fill(4 + 8, what);
  const arrayType = valueType(r, r.u32(), key);
  const length = r.u64n();
  if (length > MAX_ARRAY_ELEMENTS) r.fail('corrupt', `the header is corrupt: ${what} claims ${length} elements.`);
  const elementSize = arrayType === 'string' ? 8 : arrayType === 'array' ? 12 : (SCALAR_SIZE[arrayType] ?? 1);
  checkLength(r, length * elementSize, what);

  const keep = arrayType !== 'array' && (length <= KEEP_ARRAY_MAX || (key === 'tokenizer.ggml.tokens' && arrayType === 'string'));
  if (arrayType === 'string') return { arrayType, length, values: await readStrings(r, length, keep, what) };
  if (arrayType === 'array') {
    if (depth >= MAX_ARRAY_DEPTH) r.fail('corrupt', `the header is corrupt: ${what} nests arrays ${depth} deep.`);
    for (let i = 0; i < length; i++) await readArray(r, key, depth + 1);
    return { arrayType, length };
  }
  if (!keep) {
    r.skip(length * elementSize, what);
    return { arrayType, length };
  }
  await r.fill(length * elementSize, what);
  const values: GgufScalar[] = new Array<GgufScalar>(length);
  for (let i = 0; i < length; i++) values[i] = scalarAt(r, arrayType);
  return { arrayType, length, values };
}

/** The elements of a string array: kept, or skipped (only their lengths read). */
async function readStrings(r: ChunkReader, length: number, keep: boolean, what: string): Promise<string[] | undefined> {
  const values: string[] | undefined = keep ? new Array<string>(length) : undefined;
  for (let i = 0; i < length; i++) {
    if (r.avail() < 8) await r.fill(8, what);
    const n = r.u64n();
    if (n > r.remaining) checkLength(r, n, `element ${i} of ${what}`);
    if (values) {
      if (n > MAX_KEPT_STRING) r.fail('corrupt', `the header is corrupt: element ${i} of ${what} is ${n} bytes long.`);
      if (r.avail() < n) await r.fill(n, what);
      values[i] = r.utf8(n);
    } else {
      r.skip(n, what);
    }
  }
  return values;
}

/** Why the first bytes are not GGUF, with a hint for the usual mistakes. */
function notGgufReason(first: Buffer): string {
  const shown = first.subarray(0, 8);
  const hex = [...shown].map((b) => b.toString(16).padStart(2, '0')).join(' ');
  const text = shown.toString('latin1').replace(/[^\x20-\x7e]/g, '.');
  const head = first.toString('latin1');
  let hint = 'Choose a .gguf model file.';
  if (head.startsWith('version ')) hint = 'It looks like a Git LFS pointer: fetch the real file (git lfs pull) or download it directly.';
  else if (/^\s*</.test(head)) hint = 'It looks like an HTML page: the download saved a web page instead of the model.';
  else if (head.startsWith('PK')) hint = 'It looks like a ZIP archive (as PyTorch .bin files are): use a GGUF build of the model.';
  else if (first.length >= 9 && first.readUInt32LE(4) === 0 && head[8] === '{') {
    hint = 'It looks like a safetensors file: convert it to GGUF, or download a GGUF build of the model.';
  }
  return `it is not a GGUF file (the first bytes are ${hex} "${text}", not "GGUF"). ${hint}`;
}
