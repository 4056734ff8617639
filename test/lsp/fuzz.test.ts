import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { ensureModel } from '../modelgen';
import { fuzzMessage, URIS, type FuzzContext, type FuzzMessage, type Params } from './fuzzMessages';
import { testSettings } from './harness';
import { RawServer } from './rawServer';

/**
 * Seeded message fuzz against the built server with the known model loaded. `npm test` sends
 * 10,000 messages with a fixed seed; `npm run fuzz` sends 100,000 with a new seed each time.
 * Replay a failure with the seed it prints: `FUZZ_SEED=… FUZZ_RUNS=… npm run fuzz`.
 */
const long = process.env.npm_lifecycle_event === 'fuzz';
const messages = Number(process.env.FUZZ_RUNS ?? (long ? 100_000 : 10_000));
const seed = Number(process.env.FUZZ_SEED ?? (long ? Date.now() % 2 ** 31 : 20261202));
/** Messages sent before waiting for the answers: the server sees them back to back, as from a fast client. */
const BATCH = 250;
const MiB = 1024 * 1024;
/** A generous bound on growth: the server keeps the open documents, but nothing may grow with the number of messages. */
const RSS_GROWTH_LIMIT = 300 * MiB;
/**
 * Errors vscode-jsonrpc itself logs about a client's malformed messages, and the server's own
 * about a setting naming a file that is not a model: they describe the input, not a failure of
 * the server. Every other error the server logs fails the fuzz.
 */
const EXPECTED_ERRORS = [
  /^Notification \S+ defines (parameters by name|\d+ params)/,
  /^Received message which is neither a response nor a notification message/,
  /^Received response message without id/,
  /^Received empty message/,
  // A mutated setting pointing model.path at a file that is not a model.
  /^Cannot load the model /,
];
/** How long a batch's requests may run before the fuzz cancels those still running. */
const PATIENCE_MS = 1500;

function envelope(message: FuzzMessage, id: number): unknown {
  const params = (p: Params): Record<string, unknown> =>
    'omitted' in p ? {} : 'byPosition' in p ? { params: p.byPosition } : { params: p.value };
  switch (message.kind) {
    case 'request':
      return { jsonrpc: '2.0', id, method: message.method, ...params(message.params) };
    case 'notification':
      return { jsonrpc: '2.0', method: message.method, ...params(message.params) };
    case 'cancel': {
      const cancelled = Math.max(1, id - 1 - message.back);
      const value = message.params === 'id' ? { params: { id: cancelled } } : message.params === 'junk' ? { params: { id: {} } } : {};
      return { jsonrpc: '2.0', method: '$/cancelRequest', ...value };
    }
    case 'junk':
      return message.message;
  }
}

describe('fuzz: random and broken messages to the built server', function () {
  it(`answers every request with a result or a proper error, stays alive, memory bounded (${messages} messages, seed ${seed})`, async function () {
    this.timeout(Math.max(180_000, messages * 30));
    const known = ensureModel('known');
    const modelsDir = mkdtempSync(join(tmpdir(), 'slm-fuzz-models-'));
    const settings = {
      ...testSettings(known, { maxTokens: 16 }),
      summary: { maxTokens: 16 },
      models: { directory: modelsDir },
      network: { allowRemote: false },
    };
    const context: FuzzContext = { modelPath: known, modelsDir, settings };
    const server = RawServer.start();
    console.log(`      fuzz seed ${seed}, ${messages} messages (replay: FUZZ_SEED=${seed} FUZZ_RUNS=${messages} npm run fuzz)`);
    try {
      await server.initialize(settings);
      server.send({
        jsonrpc: '2.0',
        method: 'textDocument/didOpen',
        params: { textDocument: { uri: URIS[0], languageId: 'typescript', version: 1, text: 'console' } },
      });
      const warm = await server.request(-1, 'textDocument/inlineCompletion', {
        textDocument: { uri: URIS[0] },
        position: { line: 0, character: 7 },
        context: { triggerKind: 2 },
      });
      assert.deepEqual(warm.result, [{ insertText: '.log(', range: { start: { line: 0, character: 7 }, end: { line: 0, character: 7 } } }]);
      const rssBefore = server.rssBytes();
      let rssPeak = rssBefore;
      const rssSamples: number[] = [];

      let nextId = 1;
      let sent = 0;
      let answered = 0;
      const internalErrors: string[] = [];
      const errorLogs: string[] = [];
      const started = performance.now();
      const details = await fc.check(
        fc.asyncProperty(fc.array(fuzzMessage(context), { minLength: BATCH, maxLength: BATCH }), async (batch) => {
          const pending: Array<{ id: number; method: string }> = [];
          for (const message of batch) {
            const id = nextId++;
            if (message.kind === 'request') pending.push({ id, method: message.method });
            if (!server.send(envelope(message, id))) await server.drained();
            sent++;
          }
          const allAnswered = (): boolean => !server.alive || pending.every(({ id }) => server.responses.has(id));
          // A request still running after a moment is cancelled, as a user stops a long summary:
          // the batch stays short, and the cancels must land.
          await server.waitFor(allAnswered, 'answers', PATIENCE_MS).catch(() => {
            for (const { id } of pending)
              if (!server.responses.has(id)) server.send({ jsonrpc: '2.0', method: '$/cancelRequest', params: { id } });
          });
          await server.waitFor(allAnswered, `answers to ${pending.length} requests`, 60_000);
          assert.ok(server.alive, `the server exited: ${server.stderr.slice(-2000)}`);
          for (const { id, method } of pending) {
            const response = server.responses.get(id)!;
            server.responses.delete(id);
            answered++;
            if (response.error === undefined) {
              assert.ok('result' in response, `${method} #${id}: neither a result nor an error`);
              continue;
            }
            assert.equal(typeof response.error.code, 'number', `${method} #${id}: an error without a code`);
            assert.equal(typeof response.error.message, 'string', `${method} #${id}: an error without a message`);
            if (response.error.code === -32603) internalErrors.push(`${method}: ${response.error.message}`);
          }
          for (const log of server.logs.splice(0))
            if (log.type === 1 && !EXPECTED_ERRORS.some((re) => re.test(log.message))) errorLogs.push(log.message.slice(0, 500));
          const rss = server.rssBytes();
          rssPeak = Math.max(rssPeak, rss);
          rssSamples.push(rss);
          assert.deepEqual(internalErrors, [], 'requests answered with InternalError (-32603)');
          assert.deepEqual(errorLogs, [], 'errors the server logged');
        }),
        { seed, numRuns: Math.ceil(messages / BATCH), endOnFailure: true },
      );
      const seconds = (performance.now() - started) / 1000;
      console.log(
        `      ${sent} messages (${answered} requests) in ${seconds.toFixed(1)} s: ${Math.round(sent / seconds)} messages/s; ` +
          `RSS ${(rssBefore / MiB).toFixed(0)} MiB before, peak ${(rssPeak / MiB).toFixed(0)} MiB, ` +
          `at each quarter ${[1, 2, 3, 4].map((q) => (rssSamples[Math.ceil((q * rssSamples.length) / 4) - 1] / MiB).toFixed(0)).join(' / ')} MiB`,
      );
      if (details.failed) {
        assert.fail(
          `fuzz failed at batch ${details.numRuns} of seed ${seed}: ${String(details.errorInstance)}\n` +
            `replay: FUZZ_SEED=${seed} FUZZ_RUNS=${details.numRuns * BATCH} npm run fuzz`,
        );
      }
      // Judged on the last quarter's median: a leak keeps it high, while one batch's transient
      // (a few 1 MB documents parsed and tokenized at once) does not.
      const lastQuarter = rssSamples.slice(Math.floor((rssSamples.length * 3) / 4)).sort((a, b) => a - b);
      const settled = lastQuarter[Math.floor(lastQuarter.length / 2)];
      assert.ok(settled - rssBefore < RSS_GROWTH_LIMIT, `RSS grew by ${((settled - rssBefore) / MiB).toFixed(0)} MiB`);

      // Afterwards the server still completes, once given its settings back.
      server.send({ jsonrpc: '2.0', method: 'workspace/didChangeConfiguration', params: { settings: { slmAssist: settings } } });
      server.send({
        jsonrpc: '2.0',
        method: 'textDocument/didOpen',
        params: { textDocument: { uri: 'file:///after.ts', languageId: 'typescript', version: 1, text: 'console' } },
      });
      const after = await server.request(nextId++, 'textDocument/inlineCompletion', {
        textDocument: { uri: 'file:///after.ts' },
        position: { line: 0, character: 7 },
        context: { triggerKind: 2 },
      });
      assert.deepEqual(
        (after.result as Array<{ insertText: string }>).map((i) => i.insertText),
        ['.log('],
      );
    } finally {
      await server.stop();
    }
  });
});
