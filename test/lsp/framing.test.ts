import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import fc from 'fast-check';
import { testSettings } from './harness';
import { RawServer } from './rawServer';

/**
 * Framing fuzz: bytes written straight to the server's stdin. After each malformed frame the
 * stream is brought back to a frame boundary (a frame's declared length always arrives in the
 * end), and the next well-formed request must be answered. Replay with FUZZ_SEED.
 */
const long = process.env.npm_lifecycle_event === 'fuzz';
const seed = Number(process.env.FUZZ_SEED ?? (long ? Date.now() % 2 ** 31 : 20261202));
const runs = long ? 3000 : 300;
const MiB = 1024 * 1024;

function frame(message: unknown, headers = ''): Buffer {
  const body = Buffer.from(JSON.stringify(message), 'utf8');
  return Buffer.concat([Buffer.from(`${headers}Content-Length: ${body.length}\r\n\r\n`, 'ascii'), body]);
}

/** What is written, in pieces that reach the server as separate reads. */
type Garbage = { name: string; pieces: Buffer[] };

const ascii = (s: string): Buffer => Buffer.from(s, 'latin1');
const headerText = fc.string({ maxLength: 40, unit: fc.constantFrom(...'abcxyz-: 019\t'.split('')) });
const notANumber = fc.oneof(
  fc.constantFrom('', 'abc', 'NaN', '0x', '\t'),
  headerText.filter((s) => !/^\s*[+-]?\d/.test(s)),
);
const wellFormed = fc.constantFrom<unknown>(
  { jsonrpc: '2.0', method: 'textDocument/didClose', params: { textDocument: { uri: 'file:///f.ts' } } },
  { jsonrpc: '2.0', method: '$/cancelRequest', params: { id: 1 } },
  { jsonrpc: '2.0', id: 'junk-request', method: 'slmAssist/models' },
);

const garbage: fc.Arbitrary<Garbage> = fc.oneof(
  // A body that is not JSON, or not UTF-8, with a correct length.
  fc.uint8Array({ maxLength: 4096 }).map((bytes) => ({
    name: 'a body of random bytes',
    pieces: [Buffer.concat([ascii(`Content-Length: ${bytes.length}\r\n\r\n`), Buffer.from(bytes)])],
  })),
  // JSON that is not a JSON-RPC message.
  fc.jsonValue({ maxDepth: 3 }).map((value) => ({ name: 'a JSON value that is not a message', pieces: [frame(value)] })),
  // Headers without a usable Content-Length.
  fc
    .array(
      headerText.filter((s) => s.length > 0),
      { maxLength: 4 },
    )
    .map((lines) => ({ name: 'header lines without a length', pieces: [ascii(`${lines.join('\r\n')}\r\n\r\n`)] })),
  notANumber.map((value) => ({ name: 'a Content-Length that is not a number', pieces: [ascii(`Content-Length: ${value}\r\n\r\n`)] })),
  fc
    .integer({ min: -100_000, max: -1 })
    .map((n) => ({ name: 'a negative Content-Length', pieces: [ascii(`Content-Length: ${n}\r\n\r\n`)] })),
  // A frame cut short; the declared rest arrives later as filler, so the body is not JSON.
  fc.tuple(wellFormed, fc.nat()).map(([message, cut]) => {
    const whole = frame(message);
    const headerEnd = whole.indexOf('\r\n\r\n') + 4;
    const at = headerEnd + (cut % (whole.length - headerEnd));
    return { name: 'a truncated frame', pieces: [whole.subarray(0, at), Buffer.alloc(whole.length - at, 0x20)] };
  }),
  // A well-formed frame split at random places, and several frames in one write.
  fc.tuple(wellFormed, fc.array(fc.nat(), { maxLength: 4 })).map(([message, cuts]) => {
    const whole = frame(message, 'Content-Type: application/vscode-jsonrpc; charset=utf-8\r\n');
    const at = [...new Set(cuts.map((c) => c % whole.length))].sort((a, b) => a - b);
    return { name: 'a split frame', pieces: [0, ...at].map((start, i) => whole.subarray(start, at[i] ?? whole.length)) };
  }),
  fc
    .array(wellFormed, { minLength: 2, maxLength: 5 })
    .map((messages) => ({ name: 'frames in one write', pieces: [Buffer.concat(messages.map((m) => frame(m)))] })),
  // An unknown charset.
  wellFormed.map((message) => ({
    name: 'an unknown charset',
    pieces: [frame(message, 'Content-Type: application/vscode-jsonrpc; charset=ebcdic\r\n')],
  })),
);

describe('fuzz: framing on a raw stdio connection', function () {
  it(`answers the next request after each malformed frame (${runs} frames, seed ${seed})`, async function () {
    this.timeout(long ? 600_000 : 120_000);
    const server = RawServer.start();
    try {
      await server.initialize(testSettings(''));
      let id = 1;
      const probe = async (after: string): Promise<void> => {
        const response = await server.request(id++, 'slmAssist/inspectModel', { path: 5, role: 'chat' }, 10_000).catch((error: Error) => {
          throw new Error(`no answer after ${after}: ${error.message}`);
        });
        assert.equal(response.error?.code, -32602, `after ${after}: ${JSON.stringify(response)}`);
      };
      await probe('start');
      const details = await fc.check(
        fc.asyncProperty(garbage, async ({ name, pieces }) => {
          for (const piece of pieces) {
            server.write(piece);
            // Separate reads on the server's side.
            await sleep(1);
          }
          await probe(name);
          assert.ok(server.alive, 'the server is running');
        }),
        { seed, numRuns: runs, endOnFailure: true },
      );
      if (details.failed)
        assert.fail(`framing fuzz failed (seed ${seed}, replay with FUZZ_SEED=${seed}): ${String(details.errorInstance)}`);
      // A large frame is read whole.
      const text = 'x'.repeat(20 * MiB);
      server.write(
        frame({
          jsonrpc: '2.0',
          method: 'textDocument/didOpen',
          params: { textDocument: { uri: 'file:///big.txt', languageId: 'plaintext', version: 1, text } },
        }),
      );
      await probe('a 20 MiB frame');
    } finally {
      await server.stop();
    }
  });

  it('stays alive, with memory bounded by what arrives, when a frame declares more than ever comes', async function () {
    const server = RawServer.start();
    try {
      await server.initialize(testSettings(''));
      const before = server.rssBytes();
      server.write('Content-Length: 1099511627776\r\n\r\n');
      const chunk = Buffer.alloc(MiB, 0x7b);
      for (let i = 0; i < 64; i++) if (!server.write(chunk)) await server.drained();
      await sleep(200);
      assert.ok(server.alive, 'the server is running');
      const growth = server.rssBytes() - before;
      assert.ok(growth < 300 * MiB, `RSS grew by ${(growth / MiB).toFixed(0)} MiB for 64 MiB received`);
      // The client hanging up ends the server.
      server.process.stdin!.end();
      const exit = await server.exited;
      assert.equal(exit.signal, null);
    } finally {
      await server.stop();
    }
  });
});
