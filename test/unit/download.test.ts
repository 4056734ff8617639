import assert from 'node:assert/strict';
import { readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { downloadFile, type DownloadProgress } from '../../server/src/model/download/downloadFile';
import { expectDownloadError, ggufBytes, sha256, useDownloadFixture } from '../support/downloadFixture';

const KiB = 1024;
const MiB = 1024 * KiB;
const FILE = ggufBytes(3 * MiB);
const HALF = FILE.length / 2;
const HASH = sha256(FILE);

describe('downloadFile: transfers', () => {
  const fx = useDownloadFixture();

  it('downloads into a new folder through a .partial file, with progress, and logs each request without its query', async () => {
    const server = await fx.serve({ '/m/f.gguf': { body: FILE, slow: { chunkBytes: 256 * KiB, everyMs: 40 } } });
    const progress: DownloadProgress[] = [];
    const name = join('a', 'b', 'f.gguf');
    const result = await downloadFile(
      fx.options(server.url('/m/f.gguf?token=SIGNED-SECRET'), name, {
        expectedBytes: FILE.length,
        sha256: HASH,
        onProgress: (p) => {
          // A partial file is never at the final name.
          assert.equal(fx.exists(name), false);
          progress.push(p);
        },
      }),
    );
    assert.deepEqual(result, { path: join(fx.dir, name), bytes: FILE.length, sha256: HASH, resumedFromBytes: 0, verified: true });
    assert.ok((await readFile(result.path)).equals(FILE));
    assert.equal(fx.exists(`${name}.partial`), false);

    assert.ok(progress.length >= 2, `${progress.length} progress reports`);
    for (let i = 1; i < progress.length; i++) assert.ok(progress[i].receivedBytes > progress[i - 1].receivedBytes);
    assert.ok(progress.every((p) => p.totalBytes === FILE.length));
    assert.ok(progress.some((p) => p.bytesPerSecond > 0));
    assert.deepEqual(progress.at(-1), { ...progress.at(-1), receivedBytes: FILE.length, secondsLeft: 0 });

    const host = new URL(server.origin).host;
    assert.ok(
      fx.lines.some((l) => new RegExp(`GET ${host}/m/f\\.gguf from byte 0: 200, ${FILE.length} bytes, \\d+ ms`).test(l)),
      fx.lines.join('\n'),
    );
    assert.ok(!fx.lines.some((l) => /SIGNED-SECRET|token=|identity|Range/.test(l)), fx.lines.join('\n'));
  });

  it('returns at once, with no request, when the file is there with the right size and hash', async () => {
    const server = await fx.serve({ '/f.gguf': { body: FILE } });
    await writeFile(join(fx.dir, 'f.gguf'), FILE);
    const result = await downloadFile(fx.options(server.url('/f.gguf'), 'f.gguf', { expectedBytes: FILE.length, sha256: HASH }));
    assert.equal(server.requests.length, 0);
    assert.deepEqual(result, {
      path: join(fx.dir, 'f.gguf'),
      bytes: FILE.length,
      sha256: HASH,
      resumedFromBytes: FILE.length,
      verified: true,
    });
  });

  it('downloads again over a file of the right size whose hash is wrong', async () => {
    const server = await fx.serve({ '/f.gguf': { body: FILE } });
    await writeFile(join(fx.dir, 'f.gguf'), ggufBytes(FILE.length));
    const result = await downloadFile(fx.options(server.url('/f.gguf'), 'f.gguf', { expectedBytes: FILE.length, sha256: HASH }));
    assert.equal(server.requests.length, 1);
    assert.equal(result.resumedFromBytes, 0);
    assert.ok((await readFile(result.path)).equals(FILE));
  });

  it('resumes with a Range when the server drops the connection half-way', async () => {
    const server = await fx.serve({ '/f.gguf': { body: FILE, dropAfterBytes: HALF } });
    const result = await downloadFile(fx.options(server.url('/f.gguf'), 'f.gguf', { expectedBytes: FILE.length, sha256: HASH }));
    assert.deepEqual(
      server.requests.map((r) => r.range),
      [undefined, `bytes=${HALF}-`],
    );
    assert.ok((await readFile(result.path)).equals(FILE));
    assert.equal(result.verified, true);
    assert.ok(fx.lines.some((l) => l.startsWith('warn: download: the connection failed at byte') && l.includes('retry 1 of 3')));
  });

  it('starts over when the server ignores the Range of a partial file', async () => {
    const server = await fx.serve({ '/f.gguf': { body: FILE, range: 'ignore' } });
    await writeFile(join(fx.dir, 'f.gguf.partial'), FILE.subarray(0, HALF));
    const result = await downloadFile(fx.options(server.url('/f.gguf'), 'f.gguf', { sha256: HASH }));
    assert.deepEqual(
      server.requests.map((r) => r.range),
      [`bytes=${HALF}-`],
    );
    assert.equal(result.resumedFromBytes, 0);
    assert.ok((await readFile(result.path)).equals(FILE));
    assert.ok(fx.lines.some((l) => l.includes('ignored the range request')));
  });

  it('takes a 416 for a partial file of the expected size as complete', async () => {
    const server = await fx.serve({ '/f.gguf': { body: FILE } });
    await writeFile(join(fx.dir, 'f.gguf.partial'), FILE);
    const result = await downloadFile(fx.options(server.url('/f.gguf'), 'f.gguf', { expectedBytes: FILE.length, sha256: HASH }));
    assert.deepEqual(
      server.requests.map((r) => r.range),
      [`bytes=${FILE.length}-`],
    );
    assert.equal(result.resumedFromBytes, FILE.length);
    assert.equal(result.verified, true);
  });

  it('deletes a partial file the server cannot resume (another 416) and starts over once', async () => {
    const server = await fx.serve({ '/f.gguf': { body: FILE } });
    await writeFile(join(fx.dir, 'f.gguf.partial'), ggufBytes(FILE.length + 10));
    const result = await downloadFile(fx.options(server.url('/f.gguf'), 'f.gguf', { sha256: HASH }));
    assert.deepEqual(
      server.requests.map((r) => r.range),
      [`bytes=${FILE.length + 10}-`, undefined],
    );
    assert.equal(result.resumedFromBytes, 0);
    assert.ok((await readFile(result.path)).equals(FILE));
  });

  it("fails with 'network' after the retries, keeping what arrived and saying a new download resumes", async () => {
    const server = await fx.serve({ '/f.gguf': { body: FILE, dropAfterBytes: 256 * KiB, dropTimes: Infinity } });
    const error = await expectDownloadError(downloadFile(fx.options(server.url('/f.gguf'), 'f.gguf', { retries: 2 })), 'network');
    assert.deepEqual(
      server.requests.map((r) => r.range),
      [undefined, `bytes=${256 * KiB}-`, `bytes=${512 * KiB}-`],
    );
    assert.match(error.message, /after 3 attempts/);
    assert.match(error.message, /768 KiB of 3\.0 MiB received are kept: downloading again resumes/);
    assert.equal((await stat(join(fx.dir, 'f.gguf.partial'))).size, 768 * KiB);
    assert.equal(fx.exists('f.gguf'), false);
  });

  it("fails with 'network' when nothing answers, after pausing between the retries", async () => {
    const server = await fx.serve({});
    const url = server.url('/f.gguf');
    await server.close();
    const started = performance.now();
    const error = await expectDownloadError(downloadFile(fx.options(url, 'f.gguf', { retries: 1 })), 'network');
    assert.ok(performance.now() - started >= 450, 'no pause before the retry');
    assert.match(error.message, /after 2 attempts \(connect ECONNREFUSED [^)]*\)\. Check the network/);
    assert.equal(fx.exists('f.gguf.partial'), false);
  });

  it('cancels at once, keeps the partial file, and a second download resumes it', async () => {
    const server = await fx.serve({ '/f.gguf': { body: FILE, slow: { chunkBytes: 64 * KiB, everyMs: 20 } } });
    const controller = new AbortController();
    let cancelledAt = 0;
    const options = fx.options(server.url('/f.gguf'), 'f.gguf', {
      expectedBytes: FILE.length,
      sha256: HASH,
      signal: controller.signal,
      onProgress: (p) => {
        if (p.receivedBytes < 128 * KiB || cancelledAt) return;
        cancelledAt = performance.now();
        controller.abort();
      },
    });
    const error = await expectDownloadError(downloadFile(options), 'cancelled');
    const took = performance.now() - cancelledAt;
    assert.ok(took < 500, `rejected ${Math.round(took)} ms after the cancel`);
    const kept = (await stat(join(fx.dir, 'f.gguf.partial'))).size;
    assert.ok(kept >= 128 * KiB && kept < FILE.length, `${kept} bytes kept`);
    assert.match(error.message, /kept: downloading again resumes/);
    assert.equal(fx.exists('f.gguf'), false);

    server.route('/f.gguf', { body: FILE });
    const result = await downloadFile({ ...options, signal: new AbortController().signal, onProgress: undefined });
    assert.equal(server.requests.at(-1)?.range, `bytes=${kept}-`);
    assert.equal(result.resumedFromBytes, kept);
    assert.equal(result.verified, true);
    assert.ok((await readFile(result.path)).equals(FILE));
  });

  it("fails with 'stalled' when the server stops sending, keeping the partial file", async () => {
    const server = await fx.serve({ '/f.gguf': { body: FILE, stallAfterBytes: 100 * KiB } });
    const started = performance.now();
    const error = await expectDownloadError(downloadFile(fx.options(server.url('/f.gguf'), 'f.gguf', { stallTimeoutMs: 300 })), 'stalled');
    const took = performance.now() - started;
    assert.ok(took >= 290 && took < 2000, `${Math.round(took)} ms`);
    assert.match(error.message, /sent nothing for 0\.3 s/);
    assert.equal((await stat(join(fx.dir, 'f.gguf.partial'))).size, 100 * KiB);
    assert.equal(fx.exists('f.gguf'), false);
  });

  it("fails with 'stalled' when nothing comes after the headers", async () => {
    const server = await fx.serve({ '/f.gguf': { body: FILE, stallAfterBytes: 0 } });
    await expectDownloadError(downloadFile(fx.options(server.url('/f.gguf'), 'f.gguf', { stallTimeoutMs: 200 })), 'stalled');
  });
});
