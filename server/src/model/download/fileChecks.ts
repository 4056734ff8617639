import type { Hash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { open, stat, statfs } from 'node:fs/promises';

/** Every GGUF file starts with these 4 bytes. */
const GGUF_MAGIC = Buffer.from('GGUF', 'latin1');

/** The size of a regular file, or undefined when there is none at `path`. */
export async function fileSize(path: string): Promise<number | undefined> {
  try {
    const info = await stat(path);
    return info.isFile() ? info.size : undefined;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

/** Feeds a file into `hash` and returns how many bytes it read; `signal` stops it. */
export async function hashInto(path: string, hash: Hash, signal: AbortSignal): Promise<number> {
  let bytes = 0;
  for await (const chunk of createReadStream(path, { signal, highWaterMark: 1 << 20 })) {
    const buffer = chunk as Buffer;
    hash.update(buffer);
    bytes += buffer.length;
  }
  return bytes;
}

/** The first `length` bytes of a file (fewer when it is shorter). */
export async function readHead(path: string, length: number): Promise<Buffer> {
  const file = await open(path, 'r');
  try {
    const buffer = Buffer.alloc(length);
    const { bytesRead } = await file.read(buffer, 0, length, 0);
    return buffer.subarray(0, bytesRead);
  } finally {
    await file.close();
  }
}

export function isGguf(head: Buffer): boolean {
  return head.length >= GGUF_MAGIC.length && head.subarray(0, GGUF_MAGIC.length).equals(GGUF_MAGIC);
}

/** What a file that is not GGUF most likely is, from its first bytes, for the message. */
export function describeNotGguf(head: Buffer): string {
  const text = head.toString('latin1');
  if (text.startsWith('version https://git-lfs')) return 'a Git LFS pointer (a small text file that stands for the real file)';
  if (/^\s*</.test(text)) return 'an HTML or XML page (an error or login page?)';
  if (/^\s*[{[]/.test(text)) return 'a JSON document (an error message?)';
  if (head.length === 0) return 'empty';
  return 'not a GGUF file';
}

/** Free bytes for an unprivileged writer in the file system holding `folder`; undefined when it cannot be told. */
export async function freeBytes(folder: string): Promise<number | undefined> {
  try {
    const info = await statfs(folder);
    return info.bavail * info.bsize;
  } catch {
    return undefined;
  }
}
