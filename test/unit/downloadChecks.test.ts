import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { downloadFile } from '../../server/src/model/download/downloadFile';
import { expectDownloadError, ggufBytes, sha256, useDownloadFixture } from '../support/downloadFixture';

const MiB = 1024 * 1024;
const FILE = ggufBytes(3 * MiB);
const HASH = sha256(FILE);

describe('downloadFile: checks', () => {
  const fx = useDownloadFixture();

  it("deletes a file whose sha256 does not match ('checksum'), naming both hashes", async () => {
    const server = await fx.serve({ '/f.gguf': { body: FILE } });
    const wrong = sha256(Buffer.from('another file'));
    const error = await expectDownloadError(downloadFile(fx.options(server.url('/f.gguf'), 'f.gguf', { sha256: wrong })), 'checksum');
    assert.ok(error.message.includes(`expected sha256 ${wrong}, got ${HASH}`), error.message);
    assert.match(error.message, /deleted/);
    assert.deepEqual(await readdir(fx.dir), []);
  });

  it("refuses a file whose size is not the catalog's ('size'), before reading it", async () => {
    const server = await fx.serve({ '/f.gguf': { body: FILE } });
    const error = await expectDownloadError(
      downloadFile(fx.options(server.url('/f.gguf'), 'f.gguf', { expectedBytes: FILE.length + 1 })),
      'size',
    );
    assert.ok(error.message.includes(`is ${FILE.length} bytes, but the catalog says ${FILE.length + 1}`), error.message);
    assert.deepEqual(await readdir(fx.dir), []);
  });

  it("deletes what is not a GGUF file ('notGguf'): an HTML page or a Git LFS pointer served with 200", async () => {
    const html = Buffer.from('<!doctype html><html><body>Sign in to continue</body></html>');
    const lfs = Buffer.from('version https://git-lfs.github.com/spec/v1\noid sha256:abc\nsize 3145728\n');
    const server = await fx.serve({ '/page': { body: html, contentType: 'text/html' }, '/lfs': { body: lfs, contentType: 'text/plain' } });
    const page = await expectDownloadError(downloadFile(fx.options(server.url('/page'), 'f.gguf')), 'notGguf');
    assert.match(page.message, /an HTML or XML page/);
    const pointer = await expectDownloadError(downloadFile(fx.options(server.url('/lfs'), 'f.gguf')), 'notGguf');
    assert.match(pointer.message, /a Git LFS pointer/);
    assert.deepEqual(await readdir(fx.dir), []);
  });

  it("maps 404 to 'notFound' naming the URL, 401 and 403 to 'denied', other statuses to 'http'", async () => {
    const server = await fx.serve({ '/gated': { status: 403 }, '/login': { status: 401 }, '/busy': { status: 503 } });
    const missing = await expectDownloadError(downloadFile(fx.options(server.url('/no/such.gguf?sig=x'), 'f.gguf')), 'notFound');
    assert.ok(missing.message.includes(`${server.origin}/no/such.gguf was not found (HTTP 404)`), missing.message);
    assert.ok(!missing.message.includes('sig=x'));
    await expectDownloadError(downloadFile(fx.options(server.url('/gated'), 'f.gguf')), 'denied');
    await expectDownloadError(downloadFile(fx.options(server.url('/login'), 'f.gguf')), 'denied');
    const busy = await expectDownloadError(downloadFile(fx.options(server.url('/busy'), 'f.gguf')), 'http');
    assert.match(busy.message, /HTTP 503 .* Try again later/);
  });
});

describe('downloadFile: redirects', () => {
  const fx = useDownloadFixture();

  it('follows a redirect to another host and a relative one, logging each hop', async () => {
    const cdn = await fx.serve({ '/blob/f.gguf': { body: FILE } }, { host: 'localhost' });
    const hub = await fx.serve({
      '/f.gguf': { redirect: '/resolve/f.gguf' },
      '/resolve/f.gguf': { redirect: cdn.url('/blob/f.gguf').href },
    });
    const result = await downloadFile(fx.options(hub.url('/f.gguf'), 'f.gguf', { sha256: HASH }));
    assert.ok((await readFile(result.path)).equals(FILE));
    const [hubHost, cdnHost] = [new URL(hub.origin).host, new URL(cdn.origin).host];
    assert.ok(fx.lines.includes(`info: download: ${hubHost} redirected to ${cdnHost}`), fx.lines.join('\n'));
    assert.ok(fx.lines.some((l) => l.includes(`GET ${hubHost}/f.gguf from byte 0: 302`)));
    assert.ok(fx.lines.some((l) => l.includes(`GET ${cdnHost}/blob/f.gguf from byte 0: 200, ${FILE.length} bytes`)));
  });

  it('follows 5 redirects and refuses a 6th', async () => {
    const routes = { '/f.gguf': { body: FILE }, '/r0': { redirect: '/f.gguf' } };
    for (let i = 1; i <= 5; i++) Object.assign(routes, { [`/r${i}`]: { redirect: `/r${i - 1}` } });
    const server = await fx.serve(routes);
    await downloadFile(fx.options(server.url('/r4'), 'five.gguf'));
    const error = await expectDownloadError(downloadFile(fx.options(server.url('/r5'), 'six.gguf')), 'redirect');
    assert.match(error.message, /redirected more than 5 times/);
    assert.equal(server.requestsTo('/f.gguf').length, 1);
  });

  it('refuses a redirect to a URL with credentials', async () => {
    const server = await fx.serve({ '/f.gguf': { body: FILE }, '/r': { redirect: 'http://user:secret@127.0.0.1:1/f.gguf' } });
    const error = await expectDownloadError(downloadFile(fx.options(server.url('/r'), 'f.gguf')), 'redirect');
    assert.ok(!error.message.includes('secret'), error.message);
    assert.ok(!fx.lines.some((l) => l.includes('secret')));
  });

  it('refuses a redirect from https to plain http on another host before connecting to it', async function () {
    const tls = selfSignedCertificate();
    if (!tls) return this.skip();
    const server = await fx.serve({ '/f.gguf': { redirect: 'http://example.invalid/x.gguf' } }, { tls });
    // The test server's certificate is self-signed; only this test's requests go out while it is off.
    const previous = process.env.NODE_TLS_REJECT_UNAUTHORIZED;
    process.env.NODE_TLS_REJECT_UNAUTHORIZED = '0';
    try {
      // Had it connected, example.invalid (which never resolves) would have failed with 'network'.
      const error = await expectDownloadError(downloadFile(fx.options(server.url('/f.gguf'), 'f.gguf')), 'redirect');
      assert.match(error.message, /from https to plain http \(example\.invalid\)/);
    } finally {
      if (previous === undefined) delete process.env.NODE_TLS_REJECT_UNAUTHORIZED;
      else process.env.NODE_TLS_REJECT_UNAUTHORIZED = previous;
    }
    assert.equal(server.requests.length, 1);
  });
});

describe('downloadFile: disk full (a 2 MiB tmpfs)', () => {
  const fx = useDownloadFixture();
  const big = ggufBytes(4 * MiB);
  let mount = '';

  before(async function () {
    mount = await mkdtemp(join(tmpdir(), 'slm-tmpfs-'));
    try {
      execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=2m', 'tmpfs', mount], { stdio: 'pipe' });
    } catch (error) {
      console.log(`      (skipped: cannot mount a tmpfs: ${String(error).split('\n')[0]})`);
      await rm(mount, { recursive: true, force: true });
      mount = '';
      this.skip();
    }
  });

  afterEach(async () => {
    if (mount) for (const name of await readdir(mount)) await rm(join(mount, name), { force: true });
  });

  after(async () => {
    if (!mount) return;
    execFileSync('umount', [mount]);
    await rm(mount, { recursive: true, force: true });
  });

  it("fails with 'diskFull' on ENOSPC when the size is unknown, keeping the partial file", async () => {
    const server = await fx.serve({ '/big.gguf': { body: big } });
    const destination = join(mount, 'big.gguf');
    const error = await expectDownloadError(downloadFile({ ...fx.options(server.url('/big.gguf'), 'x'), destination }), 'diskFull');
    assert.equal(server.requests.length, 1);
    assert.match(error.message, /The disk is full.*Free some space and download again to resume/);
    assert.ok((await stat(`${destination}.partial`)).size > 0);
  });

  it("refuses before any request when the catalog's size does not fit", async () => {
    const server = await fx.serve({ '/big.gguf': { body: big } });
    const destination = join(mount, 'big.gguf');
    const options = { ...fx.options(server.url('/big.gguf'), 'x', { expectedBytes: big.length }), destination };
    const error = await expectDownloadError(downloadFile(options), 'diskFull');
    assert.equal(server.requests.length, 0);
    assert.ok(
      error.message.includes(`Not enough free space in ${mount}: the download needs 4.0 MiB (${big.length} bytes) more`),
      error.message,
    );
    assert.match(error.message, /and 2\.0 MiB \(2097152 bytes\) is free/);
  });
});

/** A key and certificate for 127.0.0.1 from the openssl command, or undefined when it is not installed. */
function selfSignedCertificate(): { key: string; cert: string } | undefined {
  const dir = mkdtempSync(join(tmpdir(), 'slm-tls-'));
  const [key, cert] = [join(dir, 'key.pem'), join(dir, 'cert.pem')];
  try {
    const args = ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1', '-keyout', key];
    execFileSync('openssl', [...args, '-out', cert, '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1'], { stdio: 'pipe' });
    return { key: readFileSync(key, 'utf8'), cert: readFileSync(cert, 'utf8') };
  } catch (error) {
    console.log(`      (skipped: cannot make a certificate with openssl: ${String(error).split('\n')[0]})`);
    return undefined;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
