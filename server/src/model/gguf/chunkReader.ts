import type { FileHandle } from 'node:fs/promises';
import { GgufError } from './ggufTypes';

const CHUNK = 1 << 20;

/**
 * Sequential little-endian reads from a file through a buffer refilled in chunks, for the
 * pre-scan. The scan loops call the synchronous getters after making sure that enough bytes are
 * buffered (`if (r.avail() < n) await r.fill(n, what)`), so that long arrays cost no await per
 * element. Reads never go past the file's size: a read that would is a `truncated` GgufError,
 * and a length is checked against the bytes left before a buffer grows for it.
 */
export class ChunkReader {
  private buf: Buffer = Buffer.allocUnsafe(CHUNK);
  /** File offset of buf[0]. */
  private bufStart = 0;
  private pos = 0;
  private end = 0;

  constructor(
    private readonly file: FileHandle,
    readonly path: string,
    readonly fileSize: number,
  ) {}

  /** Current file offset. */
  get offset(): number {
    return this.bufStart + this.pos;
  }

  /** Bytes from the current offset to the end of the file. */
  get remaining(): number {
    return this.fileSize - this.offset;
  }

  /** Bytes buffered from the current offset. */
  avail(): number {
    return this.end - this.pos;
  }

  fail(code: GgufError['code'], reason: string): never {
    throw new GgufError(code, this.path, reason);
  }

  /** Makes `n` bytes available from the current offset. `what` names the field, for the error. */
  async fill(n: number, what: string): Promise<void> {
    if (this.end - this.pos >= n) return;
    if (n > this.remaining) {
      this.fail(
        'truncated',
        `the file is truncated: it ends inside the header (${what} at byte ${this.offset} needs ${n} bytes, ${this.remaining} left). Download the file again.`,
      );
    }
    if (this.pos > 0) {
      this.buf.copy(this.buf, 0, this.pos, this.end);
      this.bufStart += this.pos;
      this.end -= this.pos;
      this.pos = 0;
    }
    if (n > this.buf.length) {
      const bigger = Buffer.allocUnsafe(Math.max(n, this.buf.length * 2));
      this.buf.copy(bigger, 0, 0, this.end);
      this.buf = bigger;
    }
    while (this.end < n) {
      const want = Math.min(this.buf.length - this.end, this.fileSize - (this.bufStart + this.end));
      const { bytesRead } = await this.file.read(this.buf, this.end, want, this.bufStart + this.end);
      if (bytesRead === 0) {
        this.fail('truncated', `the file is truncated: it ended while reading ${what} (it may be changing on disk).`);
      }
      this.end += bytesRead;
    }
  }

  /** Skips `n` bytes (checked against the file's size); nothing is read for the bytes skipped. */
  skip(n: number, what: string): void {
    if (n <= this.avail()) {
      this.pos += n;
      return;
    }
    if (n > this.remaining) {
      this.fail(
        'truncated',
        `the file is truncated: it ends inside the header (${what} at byte ${this.offset} needs ${n} bytes, ${this.remaining} left). Download the file again.`,
      );
    }
    this.bufStart = this.offset + n;
    this.pos = 0;
    this.end = 0;
  }

  u32(): number {
    const v = this.buf.readUInt32LE(this.pos);
    this.pos += 4;
    return v;
  }
  i32(): number {
    const v = this.buf.readInt32LE(this.pos);
    this.pos += 4;
    return v;
  }
  /** A u64 as a number: exact up to 2^53, approximate above (lengths that large are refused anyway). */
  u64n(): number {
    const lo = this.buf.readUInt32LE(this.pos);
    const hi = this.buf.readUInt32LE(this.pos + 4);
    this.pos += 8;
    return hi * 0x1_0000_0000 + lo;
  }
  /** `n` buffered bytes as UTF-8. */
  utf8(n: number): string {
    const s = this.buf.toString('utf8', this.pos, this.pos + n);
    this.pos += n;
    return s;
  }
  /** A copy of `n` buffered bytes, without consuming them. */
  peek(n: number): Buffer {
    return Buffer.from(this.buf.subarray(this.pos, this.pos + n));
  }
}
