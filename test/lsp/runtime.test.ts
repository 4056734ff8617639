import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync } from 'node:fs';
import { setTimeout } from 'node:timers/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SummarizeRequest } from '../../common/protocol';
import { ensureModel, knownEntries } from '../modelgen';
import { endOf, LspClient } from './harness';

/**
 * The model runtime, seen from the protocol: switching models while a completion and a summary
 * run, a separate chat model's status, and a model whose load took the server down.
 */

const entry = knownEntries.find((e) => e.prompt === 'console');

function codeFile(functions: number): string {
  return Array.from(
    { length: functions },
    (_, i) => `export function handler${i}(value: number): number {\n  return value * ${i};\n}\n`,
  ).join('\n');
}

/**
 * Resolves once a crash marker is in `dir`: the server writes it right before llama.cpp reads the
 * model, and no protocol message says so, so the folder is looked at every 10 ms.
 */
async function untilMarker(dir: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(existsSync(dir) && readdirSync(dir).length > 0)) {
    if (Date.now() > deadline) throw new Error(`no crash marker in ${dir} after ${timeoutMs} ms`);
    await setTimeout(10);
  }
}

describe('model runtime', function () {
  it('switches models while a completion and a summary run: both end, the new model answers, the old one is freed', async function () {
    const big = ensureModel('qwen2.5-coder-0.5b');
    const server = await LspClient.start({
      initializationOptions: {
        model: { path: big, threads: 1, contextSize: 4096 },
        inlineCompletion: { debounceMs: 0, maxTokens: 256, timeBudgetMs: 60_000 },
        summary: { maxTokens: 1500 },
      },
    });
    try {
      const uri = 'file:///work/big.ts';
      const text = codeFile(30);
      await server.open(uri, text);
      await server.loadModel();
      const loadedRss = server.rssBytes();
      // A summary that would write for a minute, and a completion of a cold window of the same file.
      let streaming!: () => void;
      const started = new Promise<void>((resolve) => (streaming = resolve));
      const summary = server.textHelp(SummarizeRequest, { textDocument: { uri } }, { onPartial: () => streaming() });
      await started;
      const completion = server.complete(uri, endOf(text));

      await server.configure({ model: { path: ensureModel('known'), threads: 1, contextSize: 2048 }, inlineCompletion: { debounceMs: 0 } });
      const [{ result }, items] = await Promise.all([summary, completion]);
      assert.equal(result.incomplete, true, 'the summary stops, marked incomplete');
      assert.ok(Array.isArray(items), 'the completion ends with a result');

      assert.ok(entry);
      await server.open('file:///work/known.ts', entry.prompt);
      assert.deepEqual(await server.complete('file:///work/known.ts', endOf(entry.prompt)), [entry.continuation]);
      const status = await server.waitFor(() => (server.statuses.at(-1)?.state === 'ready' ? server.statuses.at(-1) : undefined), 'ready');
      assert.equal(status.model?.path, ensureModel('known'));
      const afterRss = server.rssBytes();
      console.log(
        `      RSS with the 0.5B shape ${Math.round(loadedRss / 2 ** 20)} MiB, after the switch ${Math.round(afterRss / 2 ** 20)} MiB`,
      );
      assert.ok(loadedRss - afterRss > 250 * 2 ** 20, 'the old model’s memory is freed');
      assert.ok(server.alive);
    } finally {
      await server.stop();
    }
  });

  it("reports a separate chat model's status beside the completion model's", async function () {
    const server = await LspClient.start({
      initializationOptions: {
        model: { path: ensureModel('known'), threads: 1, contextSize: 2048 },
        chatModel: { path: ensureModel('tiny') },
        summary: { maxTokens: 8 },
      },
    });
    try {
      const first = await server.waitFor(() => server.statuses.at(-1), 'a status');
      assert.equal(first.chat?.state, 'noModel');
      assert.equal(first.chat?.modelPath, ensureModel('tiny'));
      await server.open('file:///work/a.ts', 'export const a = 1;\n');
      await server.textHelp(SummarizeRequest, { textDocument: { uri: 'file:///work/a.ts' } });
      const status = await server.waitFor(
        () => (server.statuses.at(-1)?.chat?.state === 'ready' ? server.statuses.at(-1) : undefined),
        'chat ready',
      );
      assert.equal(status.state, 'noModel', 'the completion model has not been needed yet');
      assert.equal(status.chat?.model?.path, ensureModel('tiny'));
      const loads = server.logs.filter((l) => l.message.startsWith('Loaded '));
      assert.match(loads[0].message, /for chat\)/);
    } finally {
      await server.stop();
    }
  });

  it('refuses a model whose load took the server down, until Load Model asks for it again', async function () {
    const stateDir = mkdtempSync(join(tmpdir(), 'slm-state-'));
    const model = ensureModel('qwen2.5-coder-0.5b');
    const settings = { model: { path: model, threads: 1, contextSize: 4096 }, inlineCompletion: { debounceMs: 0 } };
    // The process dies while llama.cpp loads the file (as a GGML_ASSERT abort would end it).
    const first = await LspClient.start({ initializationOptions: settings, stateDir });
    // Its answer never comes: the process is gone before it loads.
    void first.loadModel().catch(() => undefined);
    await first.waitForStatus('loading');
    await untilMarker(join(stateDir, 'loading'));
    first.process.kill('SIGKILL');
    await first.exited;
    first.connection.dispose();

    const second = await LspClient.start({ initializationOptions: settings, stateDir });
    try {
      await second.open('file:///work/a.ts', 'console');
      assert.deepEqual(await second.complete('file:///work/a.ts', endOf('console')), []);
      const refused = await second.waitForStatus('error');
      assert.match(refused.message ?? '', /llama\.cpp aborted the SLM Assist server while it was loading the model .*qwen2\.5-coder-0\.5b/);
      assert.match(refused.message ?? '', /Load Model/);
      // The user asks for it explicitly: one more try, which works.
      const retried = await second.loadModel();
      assert.equal(retried.state, 'ready');
      assert.deepEqual(readdirSync(join(stateDir, 'loading')), [], 'no marker is left after a load that worked');
    } finally {
      await second.stop();
    }
  });
});
