import { readFileSync } from 'node:fs';

/**
 * Reads the metadata of a small GGUF file synchronously. The generator needs it for the
 * vocabulary files it copies tokenizers from (`ensureModel` is synchronous, node-llama-cpp's
 * `readGgufFileInfo` is not); the tests check it against `readGgufFileInfo`. Only for files this
 * repository trusts: the whole file is read and sizes are not bounded.
 */

/** A metadata value: arrays of numbers as plain arrays, 64-bit integers as numbers. */
export type GgufMetaValue = string | number | boolean | GgufMetaValue[];

const GGUF_MAGIC = 0x46554747; // "GGUF", little-endian

/** The metadata of a GGUF v2/v3 file, in file order. */
export function readGgufMetadata(path: string): Map<string, GgufMetaValue> {
  const buf = readFileSync(path);
  let at = 0;
  const u32 = (): number => {
    const v = buf.readUInt32LE(at);
    at += 4;
    return v;
  };
  const u64 = (): number => {
    const v = buf.readBigUInt64LE(at);
    at += 8;
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw new Error(`${path}: 64-bit value ${v} at byte ${at - 8} is too large`);
    return Number(v);
  };
  const str = (): string => {
    const n = u64();
    const s = buf.toString('utf8', at, at + n);
    at += n;
    return s;
  };
  const value = (type: number): GgufMetaValue => {
    const read = <T>(v: T, bytes: number): T => ((at += bytes), v);
    switch (type) {
      case 0:
        return read(buf.readUInt8(at), 1);
      case 1:
        return read(buf.readInt8(at), 1);
      case 2:
        return read(buf.readUInt16LE(at), 2);
      case 3:
        return read(buf.readInt16LE(at), 2);
      case 4:
        return read(buf.readUInt32LE(at), 4);
      case 5:
        return read(buf.readInt32LE(at), 4);
      case 6:
        return read(buf.readFloatLE(at), 4);
      case 7:
        return read(buf.readUInt8(at) !== 0, 1);
      case 8:
        return str();
      case 9: {
        const itemType = u32();
        const n = u64();
        const items: GgufMetaValue[] = new Array(n);
        for (let i = 0; i < n; i++) items[i] = value(itemType);
        return items;
      }
      case 10:
        return u64();
      case 11:
        return read(Number(buf.readBigInt64LE(at)), 8);
      case 12:
        return read(buf.readDoubleLE(at), 8);
      default:
        throw new Error(`${path}: unknown GGUF value type ${type} at byte ${at}`);
    }
  };

  if (buf.length < 24 || u32() !== GGUF_MAGIC) throw new Error(`${path} is not a GGUF file`);
  const version = u32();
  if (version !== 2 && version !== 3) throw new Error(`${path}: GGUF version ${version}, expected 2 or 3`);
  u64(); // tensor count: the tensors are not read
  const count = u64();
  const metadata = new Map<string, GgufMetaValue>();
  for (let i = 0; i < count; i++) {
    const key = str();
    metadata.set(key, value(u32()));
  }
  return metadata;
}
