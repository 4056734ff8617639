import { randomFillSync } from 'node:crypto';
import { closeSync, openSync, writeSync } from 'node:fs';

/**
 * A minimal GGUF v3 writer: enough to produce model files that llama.cpp loads, and broken
 * files for the tests of bad input. Tensor data is produced in slices by a callback so that
 * files of real models' sizes are written without holding them in memory.
 */

export type GgufScalar =
  | { type: 'u8'; value: number }
  | { type: 'i8'; value: number }
  | { type: 'u16'; value: number }
  | { type: 'i16'; value: number }
  | { type: 'u32'; value: number }
  | { type: 'i32'; value: number }
  | { type: 'f32'; value: number }
  | { type: 'bool'; value: boolean }
  | { type: 'string'; value: string }
  | { type: 'u64'; value: bigint | number }
  | { type: 'i64'; value: bigint | number }
  | { type: 'f64'; value: number };

export type GgufArray =
  { type: 'array'; itemType: 'string'; value: string[] } | { type: 'array'; itemType: 'i32' | 'u32' | 'f32'; value: ArrayLike<number> };

export type GgufValue = GgufScalar | GgufArray;

/** ggml tensor types this writer can produce. */
export type TensorType = 'F32' | 'F16' | 'Q4_0' | 'Q8_0';

export const ggmlTypeId: Record<TensorType, number> = { F32: 0, F16: 1, Q4_0: 2, Q8_0: 8 };

export interface TensorSpec {
  name: string;
  /** ggml order: ne[0] first (the row length), then the number of rows, ... */
  dims: number[];
  type: TensorType;
  /**
   * Values for the tensor, as f32 in ggml order, quantized by the writer; or `'random'` for
   * random weights of small magnitude (fast, for benchmark models); or `'zero'`.
   */
  data: Float32Array | 'random' | 'zero';
}

const valueTypeId = {
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

const ALIGNMENT = 32;

/** Bytes of one tensor of `count` elements stored as `type`. */
export function tensorBytes(type: TensorType, count: number): number {
  switch (type) {
    case 'F32':
      return count * 4;
    case 'F16':
      return count * 2;
    case 'Q4_0':
      return (count / 32) * 18;
    case 'Q8_0':
      return (count / 32) * 34;
  }
}

class ByteSink {
  private chunks: Buffer[] = [];
  length = 0;
  push(buffer: Buffer): void {
    this.chunks.push(buffer);
    this.length += buffer.length;
  }
  u32(value: number): void {
    const b = Buffer.alloc(4);
    b.writeUInt32LE(value);
    this.push(b);
  }
  u64(value: bigint | number): void {
    const b = Buffer.alloc(8);
    b.writeBigUInt64LE(BigInt(value));
    this.push(b);
  }
  string(value: string): void {
    const bytes = Buffer.from(value, 'utf8');
    this.u64(bytes.length);
    this.push(bytes);
  }
  toBuffer(): Buffer {
    return Buffer.concat(this.chunks);
  }
}

function writeScalar(sink: ByteSink, type: GgufScalar['type'] | 'string', value: unknown): void {
  const b = Buffer.alloc(8);
  switch (type) {
    case 'u8':
      b.writeUInt8(value as number);
      return sink.push(b.subarray(0, 1));
    case 'i8':
      b.writeInt8(value as number);
      return sink.push(b.subarray(0, 1));
    case 'u16':
      b.writeUInt16LE(value as number);
      return sink.push(b.subarray(0, 2));
    case 'i16':
      b.writeInt16LE(value as number);
      return sink.push(b.subarray(0, 2));
    case 'u32':
      b.writeUInt32LE(value as number);
      return sink.push(b.subarray(0, 4));
    case 'i32':
      b.writeInt32LE(value as number);
      return sink.push(b.subarray(0, 4));
    case 'f32':
      b.writeFloatLE(value as number);
      return sink.push(b.subarray(0, 4));
    case 'bool':
      b.writeUInt8(value ? 1 : 0);
      return sink.push(b.subarray(0, 1));
    case 'u64':
      b.writeBigUInt64LE(BigInt(value as number));
      return sink.push(b);
    case 'i64':
      b.writeBigInt64LE(BigInt(value as number));
      return sink.push(b);
    case 'f64':
      b.writeDoubleLE(value as number);
      return sink.push(b);
    case 'string':
      return sink.string(value as string);
  }
}

/** Encodes the header (magic, counts, metadata, tensor infos and padding) of a GGUF file. */
export function encodeHeader(metadata: Array<[string, GgufValue]>, tensors: TensorSpec[]): Buffer {
  const sink = new ByteSink();
  sink.push(Buffer.from('GGUF', 'ascii'));
  sink.u32(3);
  sink.u64(tensors.length);
  sink.u64(metadata.length);
  for (const [key, value] of metadata) {
    sink.string(key);
    sink.u32(valueTypeId[value.type]);
    if (value.type === 'array') {
      sink.u32(valueTypeId[value.itemType]);
      sink.u64(value.value.length);
      for (let i = 0; i < value.value.length; i++) writeScalar(sink, value.itemType, value.value[i]);
    } else {
      writeScalar(sink, value.type, value.value);
    }
  }
  let offset = 0;
  for (const tensor of tensors) {
    sink.string(tensor.name);
    sink.u32(tensor.dims.length);
    for (const dim of tensor.dims) sink.u64(dim);
    sink.u32(ggmlTypeId[tensor.type]);
    sink.u64(offset);
    offset += align(tensorBytes(tensor.type, count(tensor)));
  }
  sink.push(Buffer.alloc(align(sink.length) - sink.length));
  return sink.toBuffer();
}

function count(tensor: TensorSpec): number {
  return tensor.dims.reduce((a, b) => a * b, 1);
}

function align(n: number): number {
  return Math.ceil(n / ALIGNMENT) * ALIGNMENT;
}

/** Writes a complete GGUF file. Returns its size in bytes. */
export function writeGguf(path: string, metadata: Array<[string, GgufValue]>, tensors: TensorSpec[]): number {
  for (const tensor of tensors) validateTensor(tensor);
  const header = encodeHeader(metadata, tensors);
  const fd = openSync(path, 'w');
  try {
    writeAll(fd, header);
    let written = header.length;
    for (const tensor of tensors) {
      const elements = count(tensor);
      const bytes = tensorBytes(tensor.type, elements);
      let produced = 0;
      for (const slice of tensorSlices(tensor, elements)) {
        writeAll(fd, slice);
        produced += slice.length;
      }
      if (produced !== bytes) throw new Error(`tensor ${tensor.name}: wrote ${produced} bytes, expected ${bytes}`);
      const pad = align(bytes) - bytes;
      if (pad > 0) writeAll(fd, Buffer.alloc(pad));
      written += align(bytes);
    }
    return written;
  } finally {
    closeSync(fd);
  }
}

/** `writeSync` may write less than asked; loop until the whole buffer is out. */
function writeAll(fd: number, buffer: Buffer): void {
  let offset = 0;
  while (offset < buffer.length) offset += writeSync(fd, buffer, offset, buffer.length - offset);
}

/**
 * Rejects tensors the writer would otherwise encode into a corrupt file: quantized rows must be
 * whole 32-element blocks, and explicit data must hold exactly the tensor's element count.
 */
function validateTensor(tensor: TensorSpec): void {
  if (tensor.dims.length === 0 || tensor.dims.some((d) => !Number.isInteger(d) || d <= 0)) {
    throw new Error(`tensor ${tensor.name}: bad dims [${tensor.dims.join(', ')}]`);
  }
  if ((tensor.type === 'Q4_0' || tensor.type === 'Q8_0') && tensor.dims[0] % 32 !== 0) {
    throw new Error(`tensor ${tensor.name}: ${tensor.type} needs a row length that is a multiple of 32, got ${tensor.dims[0]}`);
  }
  if (tensor.data instanceof Float32Array && tensor.data.length !== count(tensor)) {
    throw new Error(`tensor ${tensor.name}: ${tensor.data.length} values for ${count(tensor)} elements`);
  }
}

/** Elements per slice when writing; a multiple of the 32-element quantization block. */
const SLICE = 1 << 20;

function* tensorSlices(tensor: TensorSpec, elements: number): Generator<Buffer> {
  for (let start = 0; start < elements; start += SLICE) {
    const n = Math.min(SLICE, elements - start);
    if (tensor.data === 'zero') {
      yield Buffer.alloc(tensorBytes(tensor.type, n));
    } else if (tensor.data === 'random') {
      yield randomTensorBytes(tensor.type, n);
    } else {
      yield encodeValues(tensor.type, tensor.data.subarray(start, start + n));
    }
  }
}

/** Random weights of magnitude about 0.02, like an initialised transformer. */
function randomTensorBytes(type: TensorType, n: number): Buffer {
  if (type === 'Q4_0' || type === 'Q8_0') {
    const blockBytes = type === 'Q4_0' ? 18 : 34;
    const out = Buffer.alloc(tensorBytes(type, n));
    randomFillSync(out);
    const scale = f32ToF16(type === 'Q4_0' ? 0.005 : 0.0002);
    for (let b = 0; b < out.length; b += blockBytes) out.writeUInt16LE(scale, b);
    return out;
  }
  if (type === 'F16') {
    // Random sign and mantissa with a fixed exponent: |w| in [2^-6, 2^-5) = [0.0156, 0.031).
    // Built from the bits directly: converting hundreds of millions of floats one by one is slow.
    const out = Buffer.alloc(n * 2);
    randomFillSync(out);
    const halves = new Uint16Array(out.buffer, out.byteOffset, n);
    for (let i = 0; i < n; i++) halves[i] = (halves[i] & 0x83ff) | (9 << 10);
    return out;
  }
  const values = new Float32Array(n);
  for (let i = 0; i < n; i++) values[i] = (Math.random() - 0.5) * 0.04;
  return encodeValues(type, values);
}

/** Encodes f32 values as the given tensor type (reference quantization of ggml). */
export function encodeValues(type: TensorType, values: Float32Array): Buffer {
  switch (type) {
    case 'F32':
      return Buffer.from(values.buffer.slice(values.byteOffset, values.byteOffset + values.byteLength));
    case 'F16': {
      const out = Buffer.alloc(values.length * 2);
      for (let i = 0; i < values.length; i++) out.writeUInt16LE(f32ToF16(values[i]), i * 2);
      return out;
    }
    case 'Q4_0':
      return quantizeQ4_0(values);
    case 'Q8_0':
      return quantizeQ8_0(values);
  }
}

function quantizeQ4_0(values: Float32Array): Buffer {
  const out = Buffer.alloc((values.length / 32) * 18);
  for (let block = 0; block < values.length / 32; block++) {
    const base = block * 32;
    let amax = 0;
    let max = 0;
    for (let j = 0; j < 32; j++) {
      const v = values[base + j];
      if (Math.abs(v) > amax) {
        amax = Math.abs(v);
        max = v;
      }
    }
    const d = max / -8;
    const id = d !== 0 ? 1 / d : 0;
    const o = block * 18;
    out.writeUInt16LE(f32ToF16(d), o);
    for (let j = 0; j < 16; j++) {
      const q0 = Math.min(15, Math.trunc(values[base + j] * id + 8.5));
      const q1 = Math.min(15, Math.trunc(values[base + j + 16] * id + 8.5));
      out[o + 2 + j] = q0 | (q1 << 4);
    }
  }
  return out;
}

function quantizeQ8_0(values: Float32Array): Buffer {
  const out = Buffer.alloc((values.length / 32) * 34);
  for (let block = 0; block < values.length / 32; block++) {
    const base = block * 32;
    let amax = 0;
    for (let j = 0; j < 32; j++) amax = Math.max(amax, Math.abs(values[base + j]));
    const d = amax / 127;
    const id = d !== 0 ? 1 / d : 0;
    const o = block * 34;
    out.writeUInt16LE(f32ToF16(d), o);
    for (let j = 0; j < 32; j++) {
      // roundf() rounds halves away from zero; Math.round rounds them up.
      const x = values[base + j] * id;
      out.writeInt8(Math.sign(x) * Math.round(Math.abs(x)), o + 2 + j);
    }
  }
  return out;
}

/** Decodes `count` values stored as `type` (the inverse of `encodeValues`, up to quantization error). */
export function decodeValues(type: TensorType, bytes: Buffer, count: number): Float32Array {
  const out = new Float32Array(count);
  switch (type) {
    case 'F32':
      for (let i = 0; i < count; i++) out[i] = bytes.readFloatLE(i * 4);
      return out;
    case 'F16':
      for (let i = 0; i < count; i++) out[i] = f16ToF32(bytes.readUInt16LE(i * 2));
      return out;
    case 'Q4_0':
      for (let block = 0; block < count / 32; block++) {
        const o = block * 18;
        const d = f16ToF32(bytes.readUInt16LE(o));
        for (let j = 0; j < 16; j++) {
          out[block * 32 + j] = ((bytes[o + 2 + j] & 0x0f) - 8) * d;
          out[block * 32 + j + 16] = ((bytes[o + 2 + j] >> 4) - 8) * d;
        }
      }
      return out;
    case 'Q8_0':
      for (let block = 0; block < count / 32; block++) {
        const o = block * 34;
        const d = f16ToF32(bytes.readUInt16LE(o));
        for (let j = 0; j < 32; j++) out[block * 32 + j] = bytes.readInt8(o + 2 + j) * d;
      }
      return out;
  }
}

/** The number a half-precision bit pattern stands for. */
export function f16ToF32(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exp = (bits >> 10) & 0x1f;
  const mant = bits & 0x3ff;
  if (exp === 0) return sign * mant * 2 ** -24;
  if (exp === 0x1f) return mant ? NaN : sign * Infinity;
  return sign * (1 + mant / 1024) * 2 ** (exp - 15);
}

/** IEEE half-precision bits of a number (round to nearest). */
const f32Scratch = new Float32Array(1);
const u32Scratch = new Uint32Array(f32Scratch.buffer);

export function f32ToF16(value: number): number {
  if (Number.isNaN(value)) return 0x7e00;
  f32Scratch[0] = value;
  const bits = u32Scratch[0];
  const sign = (bits >>> 16) & 0x8000;
  const exp = ((bits >>> 23) & 0xff) - 127 + 15;
  let mant = bits & 0x7fffff;
  if (exp <= 0) {
    if (exp < -10) return sign;
    mant = (mant | 0x800000) >> (1 - exp);
    return sign | ((mant + 0x1000) >> 13);
  }
  if (exp >= 0x1f) return sign | 0x7c00;
  const rounded = (exp << 10) | (mant >> 13);
  return sign | (rounded + ((mant >> 12) & 1));
}
