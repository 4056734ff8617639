import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DownloadError, type DownloadErrorCode, type DownloadOptions } from '../../server/src/model/download/downloadFile';
import { startModelServer, type ModelServer, type ModelServerOptions, type Route } from './modelServer';

/** `size` pseudo-random bytes that start with the GGUF magic: enough of a model for a download. */
export function ggufBytes(size: number): Buffer {
  const bytes = randomBytes(size);
  bytes.write('GGUF', 0, 'latin1');
  return bytes;
}

export function sha256(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** Rejects unless `promise` fails with a DownloadError of `code`; returns that error. */
export async function expectDownloadError(promise: Promise<unknown>, code: DownloadErrorCode): Promise<DownloadError> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof DownloadError, `expected a DownloadError, got ${String(error)}`);
    assert.equal(error.code, code, error.message);
    return error;
  }
  assert.fail(`expected DownloadError '${code}', but the download succeeded`);
}

export interface DownloadFixture {
  /** A fresh empty folder for this test. */
  readonly dir: string;
  /** Every line logged by downloads made with {@link options}, as `level: message`. */
  readonly lines: string[];
  serve(routes: Record<string, Route>, options?: ModelServerOptions): Promise<ModelServer>;
  /** Options for downloading `url` to `dir/name` with the test log and a signal that never fires. */
  options(url: URL, name: string, extra?: Partial<DownloadOptions>): DownloadOptions;
  /** Whether `dir/name` exists. */
  exists(name: string): boolean;
}

/** Registers hooks that give each test a folder, a log and servers that are closed afterwards. */
export function useDownloadFixture(): DownloadFixture {
  let dir = '';
  const lines: string[] = [];
  const servers: ModelServer[] = [];
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'slm-download-'));
    lines.length = 0;
  });
  afterEach(async () => {
    await Promise.all(servers.splice(0).map((server) => server.close()));
    await rm(dir, { recursive: true, force: true });
  });
  return {
    get dir() {
      return dir;
    },
    lines,
    async serve(routes, options) {
      const server = await startModelServer(routes, options);
      servers.push(server);
      return server;
    },
    options: (url, name, extra = {}) => ({
      url,
      destination: join(dir, name),
      signal: new AbortController().signal,
      log: {
        info: (m) => void lines.push(`info: ${m}`),
        warn: (m) => void lines.push(`warn: ${m}`),
        debug: (m) => void lines.push(`debug: ${m}`),
      },
      ...extra,
    }),
    exists: (name) => existsSync(join(dir, name)),
  };
}
