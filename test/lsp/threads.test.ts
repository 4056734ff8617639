import assert from 'node:assert/strict';
import { availableParallelism } from 'node:os';
import { ensureModel } from '../modelgen';
import { endOf, LspClient, testSettings } from './harness';

/**
 * `model.threads: 0`: the server measures its thread counts at load (server/src/model/threadTuner.ts)
 * and says in the log which count each phase uses; completions work as with a fixed count.
 */
describe('threads chosen by measurement (model.threads 0)', function () {
  let server: LspClient;

  before(function () {
    // One core leaves nothing to choose from; CI and every developer machine here have two.
    if (availableParallelism() < 2) this.skip();
  });
  after(async () => server?.stop());

  it('measures 1 and 2 threads at load, logs the choice for prompts and for generation, and answers', async function () {
    const settings = testSettings(ensureModel('known'));
    server = await LspClient.start({ initializationOptions: { ...settings, model: { ...(settings.model as object), threads: 0 } } });
    const uri = 'file:///work/threads.ts';
    const text = 'const x = 1;\nconsole';
    await server.open(uri, text);
    assert.deepEqual(await server.complete(uri, endOf(text)), ['.log(']);
    const choices = server.logs.map((l) => l.message).filter((m) => m.startsWith('threads: '));
    const phase = (name: string): string | undefined => choices.find((m) => m.includes(` for ${name} of `));
    for (const name of ['reading prompts', 'generating']) {
      assert.match(
        phase(name) ?? '',
        /^threads: [12] for .* \(1: [\d.e-]+ ms\/token, 2: [\d.e-]+ ms\/token\)$/,
        `log: ${choices.join('\n')}`,
      );
    }
  });
});
