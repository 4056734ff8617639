import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CancellationTokenSource, LSPErrorCodes, ResponseError, WorkDoneProgress } from 'vscode-languageserver-protocol/node';
import {
  DeleteModelRequest,
  DownloadModelRequest,
  ImportModelRequest,
  InspectModelRequest,
  ModelsRequest,
  type ModelsResult,
} from '../../common/protocol';
import { ensureModel, knownEntries } from '../modelgen';
import { startModelServer, type ModelServer, type Route } from '../support/modelServer';
import { endOf, LspClient } from './harness';

/**
 * Model management over LSP, against a real HTTP server on 127.0.0.1 that plays the mirror of the
 * public host: the catalog names `https://huggingface.co/...`, `slmAssist.models.mirror` points at
 * the test server, and the server must never try the public host.
 */

const known = ensureModel('known');
const knownBytes = readFileSync(known);
const sha = (bytes: Buffer): string => createHash('sha256').update(bytes).digest('hex');
const PATH = '/acme/known-GGUF/resolve/main/known.gguf';

function entry(id: string, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    id,
    name: `Known ${id}`,
    role: 'completion',
    fileName: `${id}.gguf`,
    url: `https://huggingface.co${PATH}`,
    sizeBytes: knownBytes.length,
    sizeExact: true,
    sha256: sha(knownBytes),
    license: 'Apache-2.0',
    licenseUrl: 'https://example.com/LICENSE',
    fim: 'qwen',
    parameters: '0.001B',
    contextSize: 2048,
    memoryBytes: 64 * 2 ** 20,
    ...overrides,
  };
}

interface World {
  server: LspClient;
  mirror: ModelServer;
  dir: string;
}

async function world(routes: Record<string, Route>, settings: Record<string, unknown> = {}, entries = [entry('known')]): Promise<World> {
  const mirror = await startModelServer(routes);
  const dir = mkdtempSync(join(tmpdir(), 'slm-models-'));
  const catalog = join(dir, '..', `${dir.split('/').pop()}-catalog.json`);
  writeFileSync(catalog, JSON.stringify({ entries }));
  const server = await LspClient.start({
    netSpy: true,
    env: { SLM_ASSIST_CATALOG: catalog },
    initializationOptions: {
      model: { threads: 1, contextSize: 2048 },
      inlineCompletion: { debounceMs: 0 },
      models: { directory: dir, mirror: mirror.origin },
      ...settings,
    },
  });
  return { server, mirror, dir };
}

async function close(w: World | undefined): Promise<void> {
  await w?.server.stop();
  await w?.mirror.close();
}

/** Downloads with a work-done token; returns the result and every progress message. */
async function download(server: LspClient, id: string, cancel?: CancellationTokenSource, onReport?: () => void) {
  const workDoneToken = `download-${id}-${Math.random()}`;
  const messages: string[] = [];
  const percentages: number[] = [];
  const handler = server.connection.onProgress(WorkDoneProgress.type, workDoneToken, (value) => {
    if (value.kind === 'report') {
      onReport?.();
      if (value.message) messages.push(value.message);
      if (value.percentage !== undefined) percentages.push(value.percentage);
    }
  });
  try {
    const params = { id, workDoneToken };
    const result: { path: string; verified: boolean } = cancel
      ? await server.connection.sendRequest(DownloadModelRequest.method, params, cancel.token)
      : await server.connection.sendRequest(DownloadModelRequest.method, params);
    return { result, messages, percentages };
  } finally {
    handler.dispose();
  }
}

async function rejects(promise: Promise<unknown>, code: number, pattern: RegExp): Promise<void> {
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(error instanceof ResponseError, String(error));
    assert.equal(error.code, code, error.message);
    assert.match(error.message, pattern);
    return true;
  });
}

/** Every connection the server attempted went to the test mirror. */
function onlyMirror(w: World): void {
  const port = new URL(w.mirror.origin).port;
  const elsewhere = w.server.networkAttempts.filter((line) => !line.includes(`127.0.0.1`) || !line.includes(port));
  assert.deepEqual(elsewhere, [], 'a connection off the mirror');
}

describe('model management over LSP (a mirror on 127.0.0.1)', function () {
  let w: World | undefined;
  afterEach(async () => {
    await close(w);
    w = undefined;
  });

  it('lists the catalog, says what this machine should run, and nothing is fetched at start-up', async function () {
    w = await world({ [PATH]: { body: knownBytes } });
    const list: ModelsResult = await w.server.connection.sendRequest(ModelsRequest.method);
    assert.equal(list.directory, w.dir);
    assert.deepEqual(list.downloads, { allowed: true, mirror: w.mirror.origin });
    assert.equal(list.entries.length, 1);
    assert.equal(list.entries[0].installedPath, undefined);
    assert.equal(list.entries[0].verified, true);
    assert.ok(list.machine.cores >= 1 && list.machine.totalMemoryBytes > 0);
    assert.equal(list.recommended.id, 'known');
    assert.deepEqual(w.mirror.requests, [], 'no request before a click');
    assert.deepEqual(w.server.networkAttempts, []);
  });

  it('downloads from the mirror with progress, verifies it, and ghost text comes from it', async function () {
    w = await world({ [PATH]: { body: knownBytes, slow: { chunkBytes: 256 * 1024, everyMs: 20 } } });
    const { result, messages, percentages } = await download(w.server, 'known');
    assert.equal(result.path, join(w.dir, 'known.gguf'));
    assert.equal(result.verified, true);
    assert.ok(!existsSync(`${result.path}.partial`));
    assert.ok(messages.length > 1, `progress reported ${messages.length} times`);
    assert.match(messages.at(-1) ?? '', /MiB of .*MiB/);
    assert.ok(percentages.at(-1)! >= 99, `ends at ${percentages.at(-1)}%`);
    assert.equal(w.mirror.requestsTo(PATH).length, 1, 'the catalog path on the mirror');
    onlyMirror(w);
    const list: ModelsResult = await w.server.connection.sendRequest(ModelsRequest.method);
    assert.equal(list.entries[0].installedPath, result.path);

    await w.server.configure({
      model: { path: result.path, threads: 1, contextSize: 2048 },
      inlineCompletion: { debounceMs: 0 },
      models: { directory: w.dir, mirror: w.mirror.origin },
    });
    const listed: ModelsResult = await w.server.connection.sendRequest(ModelsRequest.method);
    assert.deepEqual(listed.entries[0].inUse, ['completion', 'chat']);
    const e = knownEntries.find((k) => k.prompt === 'console');
    assert.ok(e);
    await w.server.open('file:///work/a.ts', e.prompt);
    assert.deepEqual(await w.server.complete('file:///work/a.ts', endOf(e.prompt)), [e.continuation]);
  });

  it('resumes after the server drops the connection half-way', async function () {
    const half = Math.floor(knownBytes.length / 2);
    w = await world({ [PATH]: { body: knownBytes, dropAfterBytes: half } });
    const { result } = await download(w.server, 'known');
    assert.equal(sha(readFileSync(result.path)), sha(knownBytes));
    const ranges = w.mirror.requestsTo(PATH).map((r) => r.range);
    assert.equal(ranges.length, 2);
    assert.equal(ranges[0], undefined);
    assert.match(ranges[1] ?? '', /^bytes=\d+-$/);
  });

  it('refuses a file whose checksum does not match, and keeps nothing', async function () {
    w = await world({ [PATH]: { body: knownBytes } }, {}, [entry('known', { sha256: 'a'.repeat(64) })]);
    await rejects(download(w.server, 'known'), LSPErrorCodes.RequestFailed, /sha256|checksum/i);
    assert.ok(!existsSync(join(w.dir, 'known.gguf')) && !existsSync(join(w.dir, 'known.gguf.partial')));
    assert.ok(w.server.alive);
  });

  it('says which URL was not found (404)', async function () {
    w = await world({});
    await rejects(download(w.server, 'known'), LSPErrorCodes.RequestFailed, /127\.0\.0\.1.*was not found \(HTTP 404\)/);
  });

  it('stops a slow download when the user cancels, and keeps the partial file for a resume', async function () {
    w = await world({ [PATH]: { body: knownBytes, slow: { chunkBytes: 16 * 1024, everyMs: 50 } } });
    const cancel = new CancellationTokenSource();
    // Cancel once bytes are arriving: the first progress report.
    const running = download(w.server, 'known', cancel, () => cancel.cancel());
    await rejects(running, LSPErrorCodes.RequestCancelled, /cancel/i);
    assert.ok(statSync(join(w.dir, 'known.gguf.partial')).size > 0, 'the partial file is kept');
    w.mirror.route(PATH, { body: knownBytes });
    const { result } = await download(w.server, 'known');
    assert.match(w.mirror.requestsTo(PATH).at(-1)?.range ?? '', /^bytes=[1-9]\d*-$/, 'the second download resumes');
    assert.equal(sha(readFileSync(result.path)), sha(knownBytes));
  });

  it('makes no connection at all when network.allowRemote is false', async function () {
    w = await world({ [PATH]: { body: knownBytes } }, { network: { allowRemote: false } });
    const list: ModelsResult = await w.server.connection.sendRequest(ModelsRequest.method);
    assert.equal(list.downloads.allowed, false);
    assert.match(list.downloads.reason ?? '', /allowRemote is false.*Import Model File/);
    await rejects(download(w.server, 'known'), LSPErrorCodes.RequestFailed, /allowRemote is false/);
    assert.deepEqual(w.mirror.requests, []);
    assert.deepEqual(w.server.networkAttempts, []);
  });

  it('refuses a plain-http mirror that is not on this machine, before any connection', async function () {
    w = await world({}, { models: { mirror: 'http://mirror.corp.example/hf' } });
    const list: ModelsResult = await w.server.connection.sendRequest(ModelsRequest.method);
    assert.equal(list.downloads.allowed, false);
    assert.match(list.downloads.reason ?? '', /https/);
    await rejects(download(w.server, 'known'), LSPErrorCodes.RequestFailed, /mirror/);
    assert.deepEqual(w.server.networkAttempts, []);
  });

  it('imports a GGUF file into the folder, refuses a file that is not one, and deletes only inside the folder', async function () {
    w = await world({});
    const imported: { path: string } = await w.server.connection.sendRequest(ImportModelRequest.method, { source: known });
    assert.equal(imported.path, join(w.dir, known.split('/').pop()!));
    assert.equal(sha(readFileSync(imported.path)), sha(knownBytes));
    const text = join(w.dir, '..', 'notes.gguf');
    writeFileSync(text, 'not a model');
    await rejects(
      w.server.connection.sendRequest(ImportModelRequest.method, { source: text }),
      LSPErrorCodes.RequestFailed,
      /not a GGUF file/,
    );
    const list: ModelsResult = await w.server.connection.sendRequest(ModelsRequest.method);
    assert.ok(
      list.entries.some((e) => !e.inCatalog && e.installedPath === imported.path),
      'the imported file is listed',
    );

    await rejects(
      w.server.connection.sendRequest(DeleteModelRequest.method, { path: known }),
      LSPErrorCodes.RequestFailed,
      /Only model files in/,
    );
    assert.ok(existsSync(known), 'a file outside the folder is never deleted');
    const deleted: { deleted: boolean } = await w.server.connection.sendRequest(DeleteModelRequest.method, { path: imported.path });
    assert.equal(deleted.deleted, true);
    assert.ok(!existsSync(imported.path));
  });

  it('inspects a file before it is chosen: a warning for a model that is not 4-bit, a reason for a file that is not a model', async function () {
    w = await world({});
    const inspected: { ok: boolean; warnings: string[] } = await w.server.connection.sendRequest(InspectModelRequest.method, {
      path: known,
      role: 'chat',
    });
    assert.equal(inspected.ok, true);
    assert.ok(
      inspected.warnings.some((line) => /not 4-bit/.test(line)),
      inspected.warnings.join('\n'),
    );
    const broken: { ok: boolean; reason?: string } = await w.server.connection.sendRequest(InspectModelRequest.method, {
      path: ensureModel('broken:not-gguf'),
      role: 'completion',
    });
    assert.equal(broken.ok, false);
    assert.match(broken.reason ?? '', /not a GGUF file/);
  });
});
