import { open } from 'node:fs/promises';
import { ChunkReader } from './chunkReader';
import { type GgufKeyType, type GgufScan, type GgufTypeName, ggufTypeName } from './ggufTypes';

/** Limits of llama.cpp's gguf.cpp (GGUF_MAX_ARRAY_ELEMENTS, GGML_MAX_NAME, GGML_MAX_DIMS). */
const MAX_ARRAY_ELEMENTS = 1024 * 1024 * 1024;
const MAX_TENSOR_NAME = 64;
const MAX_DIMS = 4;
/**
 * Longest string value node-llama-cpp is let allocate (llama.cpp allows 1 GiB). Chat templates,
 * the longest strings real models have, are some tens of KiB.
 */
const MAX_STRING_LENGTH = 64 * 1024 * 1024;
/** Keys are kept (with their types) by the scan; real ones are some tens of bytes. */
const MAX_KEY_LENGTH = 64 * 1024;
/** Names that would reach an object's prototype where node-llama-cpp builds its nested metadata. */
const OBJECT_MEMBERS = new Set(['__proto__', 'constructor', 'prototype']);
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
 * Walks a GGUF header without keeping its values: magic, version, counts, every key, string and
 * array length, every tensor info. Each count and length is checked against the bytes left in
 * the file before anything is read or allocated for it, because node-llama-cpp's parser
 * allocates what a header claims (a 4 GiB string in a 1 KB file) and reads zeros past the end of
 * a truncated file. Throws a `GgufError` with a reason for a user; other errors (the file cannot
 * be opened) pass through.
 */
export async function scanGgufHeader(path: string): Promise<GgufScan> {
  const file = await open(path, 'r');
  try {
    const { size } = await file.stat();
    return await scan(new ChunkReader(file, path, size));
  } finally {
    await file.close();
  }
}

async function scan(r: ChunkReader): Promise<GgufScan> {
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

  const keys = new Map<string, GgufKeyType>();
  let alignment = DEFAULT_ALIGNMENT;
  for (let i = 0; i < kvCount; i++) {
    const key = await readKey(r, i);
    if (keys.has(key)) r.fail('corrupt', `the header is corrupt: the metadata key "${key}" appears twice.`);
    if (r.avail() < 4) await r.fill(4, `the type of "${key}"`);
    const type = valueType(r, r.u32(), key);
    if (key === 'general.alignment') {
      await r.fill(4, 'general.alignment');
      alignment = type === 'u32' ? r.u32() : 0;
      if (alignment === 0 || (alignment & (alignment - 1)) !== 0) {
        r.fail('corrupt', 'the header is corrupt: general.alignment must be a u32 power of two.');
      }
      keys.set(key, { type });
    } else if (type === 'array') {
      keys.set(key, await skipArray(r, key));
    } else {
      await skipScalar(r, type, `the value of "${key}"`);
      keys.set(key, { type });
    }
  }

  const names = new Set<string>();
  for (let i = 0; i < tensorCount; i++) await skipTensorInfo(r, i, names);
  return { version, tensorCount, keys, alignment, fileSize };
}

async function readKey(r: ChunkReader, i: number): Promise<string> {
  const what = `the key of metadata entry ${i}`;
  const length = await readLength(r, what);
  if (length === 0) r.fail('corrupt', `the header is corrupt: metadata entry ${i} has an empty key.`);
  if (length > MAX_KEY_LENGTH) r.fail('corrupt', `the header is corrupt: ${what} is ${length} bytes long.`);
  if (r.avail() < length) await r.fill(length, what);
  const key = r.utf8(length);
  // node-llama-cpp nests the metadata into plain objects by the key's dotted parts.
  if (key.split('.').some((part) => OBJECT_MEMBERS.has(part))) r.fail('corrupt', `the header is corrupt: "${key}" is not a metadata key.`);
  return key;
}

async function skipTensorInfo(r: ChunkReader, i: number, names: Set<string>): Promise<void> {
  const length = await readLength(r, `the name of tensor ${i}`);
  if (length >= MAX_TENSOR_NAME) {
    r.fail('corrupt', `the header is corrupt: tensor ${i} has a name of ${length} bytes (at most ${MAX_TENSOR_NAME - 1}).`);
  }
  if (r.avail() < length + 4) await r.fill(length + 4, `the name of tensor ${i}`);
  const name = r.utf8(length);
  if (names.has(name)) r.fail('corrupt', `the header is corrupt: the tensor name "${name}" appears twice.`);
  names.add(name);
  const nDims = r.u32();
  if (nDims > MAX_DIMS) r.fail('corrupt', `the header is corrupt: tensor "${name}" has ${nDims} dimensions (at most ${MAX_DIMS}).`);
  await r.fill(nDims * 8 + 4 + 8, `the shape of tensor "${name}"`);
  let elements = 1;
  for (let d = 0; d < nDims; d++) {
    const dim = r.u64n();
    if (dim > Number.MAX_SAFE_INTEGER)
      r.fail('corrupt', `the header is corrupt: tensor "${name}" has a dimension of more than 2^53 elements.`);
    elements *= dim;
  }
  if (elements >= 2 ** 63) r.fail('corrupt', `the header is corrupt: tensor "${name}" has 2^63 elements or more.`);
  r.i32();
  if (r.u64n() > Number.MAX_SAFE_INTEGER) r.fail('corrupt', `the header is corrupt: tensor "${name}" has an absurd data offset.`);
}

function valueType(r: ChunkReader, id: number, key: string): GgufTypeName {
  const name = ggufTypeName(id);
  if (name === undefined) r.fail('corrupt', `the header is corrupt: metadata key "${key}" has the invalid value type ${id}.`);
  return name;
}

/** Reads a u64 length and checks that it fits what is left of the file. */
async function readLength(r: ChunkReader, what: string): Promise<number> {
  if (r.avail() < 8) await r.fill(8, what);
  const length = r.u64n();
  checkLength(r, length, what);
  return length;
}

/** Checks that `bytes` fit what is left of the file: a length beyond the file is corrupt, one a bit beyond it is truncated. */
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

async function skipString(r: ChunkReader, what: string): Promise<void> {
  const length = await readLength(r, what);
  if (length > MAX_STRING_LENGTH) r.fail('corrupt', `the header is corrupt: ${what} is ${length} bytes long.`);
  r.skip(length, what);
}

async function skipScalar(r: ChunkReader, type: GgufTypeName, what: string): Promise<void> {
  if (type === 'string') return skipString(r, what);
  const size = SCALAR_SIZE[type] ?? 0;
  if (r.avail() < size) await r.fill(size, what);
  r.skip(size, what);
}

/** Skips an array (after its value type): element type, count, elements. */
async function skipArray(r: ChunkReader, key: string): Promise<GgufKeyType> {
  const what = `the array "${key}"`;
  await r.fill(4 + 8, what);
  const arrayType = valueType(r, r.u32(), key);
  const length = r.u64n();
  if (length > MAX_ARRAY_ELEMENTS) r.fail('corrupt', `the header is corrupt: ${what} claims ${length} elements.`);
  // llama.cpp's gguf.cpp reads no arrays of arrays: refused here, before node-llama-cpp builds them.
  if (arrayType === 'array') r.fail('corrupt', `the metadata key ${key} is an array of arrays, which llama.cpp cannot read.`);
  const elementSize = arrayType === 'string' ? 8 : (SCALAR_SIZE[arrayType] ?? 1);
  checkLength(r, length * elementSize, what);
  if (arrayType === 'string') {
    // Inline, without an await per element unless the buffer needs refilling: 150k tokens and 150k merges.
    for (let i = 0; i < length; i++) {
      if (r.avail() < 8) await r.fill(8, what);
      const n = r.u64n();
      if (n > r.remaining) checkLength(r, n, `element ${i} of ${what}`);
      if (n > MAX_STRING_LENGTH) r.fail('corrupt', `the header is corrupt: element ${i} of ${what} is ${n} bytes long.`);
      r.skip(n, what);
    }
  } else {
    r.skip(length * elementSize, what);
  }
  return { type: 'array', arrayType, length };
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
