import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { ensureModel } from '../modelgen';
import { endOf, LspClient, netSpyPath, testSettings } from './harness';

describe('privacy: inline completion opens no network connection', function () {
  it('the spy sees a connection when there is one', function () {
    const probe = spawnSync(
      process.execPath,
      ['--require', netSpyPath, '-e', "require('node:net').connect(9, '127.0.0.1').on('error', () => {})"],
      {
        encoding: 'utf8',
      },
    );
    assert.match(probe.stderr, /\[netspy\] connect .*127\.0\.0\.1/);
  });

  it('loads a model and completes with zero connections and zero DNS lookups', async function () {
    const server = await LspClient.start({ initializationOptions: testSettings(ensureModel('known')), netSpy: true });
    try {
      const text = 'import numpy as';
      await server.open('file:///work/p.py', text, 'python');
      assert.deepEqual(await server.complete('file:///work/p.py', endOf(text)), [' np']);
      await server.configure(testSettings(ensureModel('broken:not-gguf')));
      assert.equal((await server.loadModel()).state, 'error');
    } finally {
      await server.stop();
    }
    assert.deepEqual(server.networkAttempts, []);
  });
});
