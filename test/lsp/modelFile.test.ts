import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, readFileSync, renameSync, rmSync, truncateSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureModel } from '../modelgen';
import { endOf, LspClient, testSettings } from './harness';

/**
 * Files that change under the server while it runs: the model file truncated, rewritten, replaced
 * or deleted while loaded, and an open document deleted on disk. The server must not crash, the
 * loaded model keeps working unless a good file replaces it, and the status must say what happened. The server checks the file once a second, so each step waits for the status it causes.
 */
describe('files that change under the server', function () {
  let dir: string;
  let model: string;
  let server: LspClient;

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'slm-modelfile-'));
    model = join(dir, 'model.gguf');
    copyFileSync(ensureModel('known'), model);
    server = await LspClient.start({ initializationOptions: testSettings(model) });
    await server.open('file:///work/a.ts', 'console');
    assert.deepEqual(await server.complete('file:///work/a.ts', endOf('console')), ['.log(']);
  });
  afterEach(async () => {
    assert.ok(server.alive, 'the server process is still running');
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('a model file truncated while loaded: the loaded copy keeps completing, the status says the file would not load, and fixing the file reloads it', async function () {
    const original = readFileSync(model);
    const seen = server.statuses.length;
    truncateSync(model, 4096);
    const warned = await server.waitFor(
      () => server.statuses.slice(seen).find((s) => s.state === 'ready' && /would not load now/.test(s.message ?? '')),
      'a status that says the file would not load',
    );
    assert.match(
      warned.message ?? '',
      new RegExp(
        `The model file ${escape(model)} was truncated on disk \\(from ${original.length} to 4096 bytes\\) and would not load now \\(.+\\); the loaded copy keeps working until the file is fixed or another model is chosen\\.$`,
      ),
    );
    assert.deepEqual(await server.complete('file:///work/a.ts', endOf('console')), ['.log(']);
    // The user puts the file back: the server notices and loads it again without being asked.
    const broken = server.statuses.length;
    writeFileSync(model, original);
    await server.waitForStatus('loading', broken);
    const ready = await server.waitForStatus('ready', broken);
    assert.doesNotMatch(ready.message ?? '', /would not load/);
    assert.ok(server.logs.some((l) => l.message === `The model file ${model} changed on disk: loading it again.`));
    assert.deepEqual(await server.complete('file:///work/a.ts', endOf('console')), ['.log(']);
  });

  it('a model file replaced by another (a rename over it): the new file is loaded', async function () {
    assert.equal(server.statuses.at(-1)?.model?.fim, true);
    const next = join(dir, 'next.gguf');
    copyFileSync(ensureModel('known-nofim'), next);
    const seen = server.statuses.length;
    renameSync(next, model);
    await server.waitForStatus('loading', seen);
    const ready = await server.waitForStatus('ready', seen);
    assert.equal(ready.model?.fim, false, 'the status describes the new file (no FIM tokens), not the old one');
    assert.ok(server.logs.some((l) => l.message === `The model file ${model} was replaced on disk: loading it again.`));
  });

  it('a model file deleted while loaded: completions go on from memory, and the status says the file is gone', async function () {
    const seen = server.statuses.length;
    unlinkSync(model);
    const warned = await server.waitFor(
      () => server.statuses.slice(seen).find((s) => s.state === 'ready' && /deleted from disk/.test(s.message ?? '')),
      'a status that says the file was deleted',
    );
    assert.match(warned.message ?? '', new RegExp(`The model file .*model\\.gguf was deleted from disk; the loaded copy keeps working`));
    assert.deepEqual(await server.complete('file:///work/a.ts', endOf('console')), ['.log(']);
  });

  it('an open document deleted on disk keeps its text and its completions', async function () {
    const file = join(dir, 'open.ts');
    writeFileSync(file, 'console');
    const uri = `file://${file}`;
    await server.open(uri, 'console');
    unlinkSync(file);
    assert.deepEqual(await server.complete(uri, endOf('console')), ['.log(']);
  });
});

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
