import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CrashMarkers } from '../../server/src/model/crashMarker';

describe('crash markers', function () {
  const folder = mkdtempSync(join(tmpdir(), 'slm-markers-'));
  const model = join(folder, 'model.gguf');
  writeFileSync(model, 'GGUF');
  const markerFiles = (): string[] => (existsSync(join(folder, 'loading')) ? readdirSync(join(folder, 'loading')) : []);

  it('does not take a load still running in this process for a crash', async function () {
    const markers = new CrashMarkers(folder);
    let finish!: () => void;
    const first = markers.around(model, () => new Promise<void>((done) => (finish = done)));
    // The fuzz found it: settings dropped the loading model, a request loaded it again, and the
    // running load's marker read as "llama.cpp aborted the server".
    assert.equal(markers.crashed(model), false);
    finish();
    await first;
    assert.deepEqual(markerFiles(), []);
  });

  it('keeps the marker until the last of two overlapping loads of a file ends', async function () {
    const markers = new CrashMarkers(folder);
    const finishers: Array<() => void> = [];
    const loads = [1, 2].map(() => markers.around(model, () => new Promise<void>((done) => finishers.push(done))));
    finishers[0]();
    await loads[0];
    assert.equal(markerFiles().length, 1, 'the second load is still guarded');
    finishers[1]();
    await loads[1];
    assert.deepEqual(markerFiles(), []);
  });

  it('still reports a marker another process left behind', function () {
    const writer = new CrashMarkers(folder);
    // A load that never settles stands for a process that died while loading.
    void writer.around(model, () => new Promise(() => undefined));
    assert.equal(new CrashMarkers(folder).crashed(model), true);
  });
});
