import { Transform, type Readable } from 'node:stream';

const HEADER_END = Buffer.from('\r\n\r\n', 'ascii');

/**
 * The server's stdin with one framing flaw of vscode-jsonrpc's reader taken out: it accepts a
 * negative `Content-Length`, reads backwards, and never answers again (found by the framing
 * fuzz). Every header block is passed on unchanged, except that a negative length is rewritten
 * to a value the reader rejects as "not a number", so it logs the frame and reads on. The
 * transform follows the frames the way the reader does (headers up to a blank line, then the
 * declared bytes), so a body is never mistaken for headers.
 */
export function guardFraming(input: Readable): Readable {
  let header = Buffer.alloc(0);
  let bodyLeft = 0;
  const guard = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      let rest = chunk;
      while (rest.length > 0) {
        if (bodyLeft > 0) {
          const body = rest.subarray(0, bodyLeft);
          this.push(body);
          bodyLeft -= body.length;
          rest = rest.subarray(body.length);
          continue;
        }
        const searchFrom = Math.max(0, header.length - (HEADER_END.length - 1));
        header = Buffer.concat([header, rest]);
        const end = header.indexOf(HEADER_END, searchFrom);
        if (end === -1) break;
        rest = header.subarray(end + HEADER_END.length);
        const { block, length } = checkHeaders(header.subarray(0, end + HEADER_END.length).toString('latin1'));
        this.push(Buffer.from(block, 'latin1'));
        bodyLeft = length;
        header = Buffer.alloc(0);
      }
      done();
    },
  });
  return input.pipe(guard);
}

/** The header block to pass on, and the body length the reader will take from it (0 when it rejects it). */
function checkHeaders(block: string): { block: string; length: number } {
  const lines = block.split('\r\n');
  let length = 0;
  for (let i = 0; i < lines.length; i++) {
    const colon = lines[i].indexOf(':');
    // The reader rejects the whole block for a line without a colon; it then reads no body.
    if (colon === -1 && lines[i] !== '') return { block, length: 0 };
    if (colon === -1 || lines[i].slice(0, colon).toLowerCase() !== 'content-length') continue;
    const value = lines[i].slice(colon + 1).trim();
    const parsed = parseInt(value);
    if (parsed < 0) lines[i] = `${lines[i].slice(0, colon)}: negative (${value})`;
    length = parsed > 0 ? parsed : 0;
  }
  return { block: lines.join('\r\n'), length };
}
