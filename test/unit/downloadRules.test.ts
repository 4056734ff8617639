import assert from 'node:assert/strict';
import { DownloadError } from '../../server/src/model/download/downloadFile';
import { applyMirror, checkMirror } from '../../server/src/model/download/mirror';
import { ProgressMeter, type DownloadProgress } from '../../server/src/model/download/progressMeter';
import { checkRedirect, parseContentRange } from '../../server/src/model/download/request';

const HF = new URL('https://huggingface.co/Qwen/X/resolve/main/f.gguf');

describe('applyMirror', () => {
  it('replaces the origin and keeps the path, with or without a trailing slash', () => {
    const expected = 'http://10.0.0.5:8081/artifactory/hf/Qwen/X/resolve/main/f.gguf';
    assert.equal(applyMirror(HF, 'http://10.0.0.5:8081/artifactory/hf').href, expected);
    assert.equal(applyMirror(HF, 'http://10.0.0.5:8081/artifactory/hf/').href, expected);
    assert.equal(applyMirror(HF, 'https://hf-mirror.example').href, 'https://hf-mirror.example/Qwen/X/resolve/main/f.gguf');
  });

  it("keeps the catalog URL's query and returns the URL unchanged for an empty mirror", () => {
    const withQuery = new URL('https://huggingface.co/a/b/resolve/main/f.gguf?download=true');
    assert.equal(applyMirror(withQuery, 'https://m.example/hf').href, 'https://m.example/hf/a/b/resolve/main/f.gguf?download=true');
    assert.equal(applyMirror(HF, ''), HF);
    assert.equal(applyMirror(HF, '   '), HF);
  });
});

describe('checkMirror', () => {
  it('accepts https anywhere and http on this machine only', () => {
    for (const ok of [
      'https://mirror.corp.example/artifactory/hf',
      'http://127.0.0.1:8081/hf',
      'http://localhost:8081',
      'http://[::1]/hf',
    ]) {
      const result = checkMirror(ok);
      assert.ok(result.ok, ok);
    }
    const lan = checkMirror('http://10.0.0.5:8081/artifactory/hf');
    assert.ok(!lan.ok);
    assert.match(lan.reason, /must use https:\/\/ for 10\.0\.0\.5:8081/);
  });

  it('refuses credentials without repeating them, other schemes, queries, and what does not parse', () => {
    const secret = checkMirror('https://me:hunter2@mirror.example/hf');
    assert.ok(!secret.ok);
    assert.ok(!secret.reason.includes('hunter2'), secret.reason);
    assert.match(secret.reason, /use https:\/\/mirror\.example\/hf instead/);
    for (const bad of [
      'ftp://mirror.example/hf',
      'mirror.example/hf',
      'https://m.example/hf?token=1',
      'https://m.example/#x',
      '',
      'not a url',
    ]) {
      assert.ok(!checkMirror(bad).ok, bad);
    }
  });
});

describe('checkRedirect', () => {
  const from = new URL('https://huggingface.co/a/resolve/main/f.gguf');

  function refusal(location: string | null, hop = 1, secure = true): string {
    try {
      checkRedirect(from, location, hop, secure);
    } catch (error) {
      assert.ok(error instanceof DownloadError && error.code === 'redirect');
      return error.message;
    }
    return 'allowed';
  }

  it('resolves relative Locations and allows https and loopback http', () => {
    assert.equal(checkRedirect(from, '/b/f.gguf', 1, true).href, 'https://huggingface.co/b/f.gguf');
    assert.equal(checkRedirect(from, 'https://cdn-lfs.hf.co/x?X-Amz-Signature=s', 5, true).host, 'cdn-lfs.hf.co');
    assert.equal(checkRedirect(from, 'http://127.0.0.1:8080/f.gguf', 1, true).host, '127.0.0.1:8080');
    assert.equal(checkRedirect(from, 'http://localhost/f.gguf', 1, true).host, 'localhost');
  });

  it('refuses a downgrade to plain http, credentials, other schemes, a missing Location and a 6th hop', () => {
    assert.match(refusal('http://cdn.example/f.gguf'), /from https to plain http \(cdn\.example\)/);
    assert.equal(refusal('http://cdn.example/f.gguf', 1, false), 'allowed');
    assert.match(refusal('https://u:p@cdn.example/f.gguf'), /user name or password/);
    assert.match(refusal('file:///etc/passwd'), /a file: URL/);
    assert.match(refusal(null), /no Location/);
    assert.match(refusal('/f.gguf', 6), /more than 5 times/);
  });
});

describe('parseContentRange', () => {
  it('reads the start and the size, or only the size of a 416', () => {
    assert.deepEqual(parseContentRange('bytes 100-199/1000'), { start: 100, size: 1000 });
    assert.deepEqual(parseContentRange('bytes 100-199/*'), { start: 100 });
    assert.deepEqual(parseContentRange('bytes */1000'), { size: 1000 });
    assert.equal(parseContentRange('items 1-2/3'), undefined);
    assert.equal(parseContentRange(null), undefined);
  });
});

describe('ProgressMeter', () => {
  it('reports at most every 250 ms, with the speed of the last seconds and the time left', () => {
    let now = 0;
    const reports: DownloadProgress[] = [];
    const meter = new ProgressMeter(
      (p) => reports.push(p),
      () => now,
    );
    meter.start(1000);
    // 10 KB every 100 ms from a resumed 1000 bytes: 100 KB/s.
    for (let i = 1; i <= 20; i++) {
      now = i * 100;
      meter.update(1000 + i * 10_000, 1_000_000);
    }
    assert.deepEqual(
      reports.map((r) => r.receivedBytes),
      [11_000, 41_000, 71_000, 101_000, 131_000, 161_000, 191_000],
    );
    assert.deepEqual(reports.at(-1), { receivedBytes: 191_000, totalBytes: 1_000_000, bytesPerSecond: 100_000, secondsLeft: 9 });
    meter.finish(1_000_000, 1_000_000);
    assert.equal(reports.at(-1)?.secondsLeft, 0);
  });

  it('measures the speed over the last 5 s only', () => {
    let now = 0;
    const reports: DownloadProgress[] = [];
    const meter = new ProgressMeter(
      (p) => reports.push(p),
      () => now,
    );
    meter.start(0);
    // 1 MB/s for 10 s, then 100 KB/s for 10 s.
    let bytes = 0;
    for (let t = 100; t <= 20_000; t += 100) {
      now = t;
      bytes += t <= 10_000 ? 100_000 : 10_000;
      meter.update(bytes, undefined);
    }
    const last = reports.at(-1);
    assert.ok(last && Math.abs(last.bytesPerSecond - 100_000) < 5_000, `${last?.bytesPerSecond} bytes/s`);
    assert.equal(last?.secondsLeft, undefined);
  });
});
