import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { CancellationTokenSource } from 'vscode-languageserver-protocol/node';
import { SummarizeRequest } from '../common/protocol';
import { LspClient, endOf } from '../test/lsp/harness';
import { ensureModel } from '../test/modelgen';
import { seededRandom } from '../test/support/seededRandom';
import { loadFixtures } from './script';

/**
 * `npm run soak [-- --minutes N]`: a long day compressed. Against a Qwen2.5-Coder-0.5B-shaped model
 * the built server gets, in a loop: typing (an incremental change and a completion per key), moves
 * to another place, switches between two real source files, summaries (half of them cancelled
 * part-way) and bursts of cancelled completions. Every few seconds it samples the server's RSS, its
 * open file descriptors and its event-loop lag (the time it takes, while a completion runs, to
 * answer a request it has no handler for: nothing but the loop stands between the request and the
 * error). After the warm-up
 * RSS must grow less than 64 MiB, descriptors must not grow, and every request must be answered.
 * Writes bench/out/soak.json; exits 1 when a check fails.
 */

interface Sample {
  atS: number;
  rssMiB: number;
  fds: number;
  lagMs: number;
}

const args = process.argv.slice(2);
const minutes = Number(args[args.indexOf('--minutes') + 1] ?? NaN) || 30;
const root = resolve(__dirname, '../..');
const out = join(root, 'bench/out/soak.json');

function sample(server: LspClient, startedAt: number, lagMs: number): Sample {
  const pid = server.process.pid!;
  return {
    atS: Math.round((performance.now() - startedAt) / 1000),
    rssMiB: Math.round(server.rssBytes() / 2 ** 20),
    fds: readdirSync(`/proc/${pid}/fd`).length,
    lagMs: Math.round(lagMs * 10) / 10,
  };
}

async function eventLoopLag(server: LspClient): Promise<number> {
  const started = performance.now();
  await server.connection.sendRequest('slmAssist/soakPing').catch(() => undefined);
  return performance.now() - started;
}

async function main(): Promise<void> {
  const serverPath = join(root, 'dist/server/server.js');
  const model = ensureModel('qwen2.5-coder-0.5b');
  const fixtures = loadFixtures(join(root, 'bench/fixtures'));
  const server = await LspClient.start({
    serverPath,
    initializationOptions: {
      model: { path: model, contextSize: 4096 },
      inlineCompletion: { debounceMs: 0, maxTokens: 16 },
      summary: { maxTokens: 48 },
    },
  });
  const next = seededRandom(20261202);
  const texts = new Map(fixtures.map((f) => [f.uri, f.text]));
  for (const fixture of fixtures) await server.open(fixture.uri, fixture.text, fixture.languageId);
  const counts = { keystrokes: 0, completions: 0, moves: 0, switches: 0, summaries: 0, summariesCancelled: 0, burstCancels: 0, errors: 0 };
  const errors: string[] = [];
  const startedAt = performance.now();
  const deadline = startedAt + minutes * 60_000;
  const samples: Sample[] = [sample(server, startedAt, await eventLoopLag(server))];
  let lastSample = performance.now();
  let uri = fixtures[0].uri;
  let offset = Math.floor(texts.get(uri)!.length / 2);

  /** Puts the cursor at the end of a line near a random place of the current file. */
  const move = (): void => {
    const text = texts.get(uri)!;
    const at = Math.floor(next() * text.length);
    const end = text.indexOf('\n', at);
    offset = end < 0 ? text.length : end;
  };
  const position = (): { line: number; character: number } => endOf(texts.get(uri)!.slice(0, offset));
  const answered = async <T>(what: string, request: Promise<T>): Promise<T | undefined> => {
    try {
      return await request;
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      // A cancelled request answers with an error by design; anything else is a failure.
      if (!/cancel/i.test(message)) {
        counts.errors++;
        errors.push(`${what}: ${message}`);
      }
      return undefined;
    }
  };

  while (performance.now() < deadline) {
    const roll = next();
    if (roll < 0.7) {
      // A few keys typed at the cursor, each answered before the next.
      for (let i = 0; i < 4; i++) {
        const char = 'abcdefghij ()=;'[Math.floor(next() * 15)];
        await server.insert(uri, position(), char);
        const text = texts.get(uri)!;
        texts.set(uri, text.slice(0, offset) + char + text.slice(offset));
        offset++;
        counts.keystrokes++;
        const completion = answered('completion', server.complete(uri, position()));
        // Sampled while a completion runs: the lag is what a request meets while the model works.
        if (performance.now() - lastSample > 5000) {
          samples.push(sample(server, startedAt, await eventLoopLag(server)));
          lastSample = performance.now();
        }
        await completion;
        counts.completions++;
      }
    } else if (roll < 0.8) {
      move();
      counts.moves++;
    } else if (roll < 0.88) {
      uri = uri === fixtures[0].uri ? fixtures[1].uri : fixtures[0].uri;
      move();
      counts.switches++;
    } else if (roll < 0.94) {
      const cancel = new CancellationTokenSource();
      const cancelled = next() < 0.5;
      if (cancelled) setTimeout(() => cancel.cancel(), 200 + next() * 2000);
      await answered('summary', server.textHelp(SummarizeRequest, { textDocument: { uri } }, { cancel }));
      counts.summaries++;
      if (cancelled) counts.summariesCancelled++;
    } else {
      // A burst: five requests, each cancelled by the next, the last one answered.
      const burst = Array.from({ length: 5 }, () => {
        const cancel = new CancellationTokenSource();
        return { cancel, request: answered('burst completion', server.complete(uri, position(), cancel)) };
      });
      for (const { cancel } of burst.slice(0, -1)) cancel.cancel();
      await Promise.all(burst.map((b) => b.request));
      counts.burstCancels += 4;
    }
    if (!server.alive) throw new Error('the server died');
  }
  samples.push(sample(server, startedAt, await eventLoopLag(server)));
  await server.stop();

  // Warm-up: the first fifth of the run (the KV caches of both files and the summary's sequence fill up).
  const warm = samples.filter((s) => s.atS >= (minutes * 60) / 5);
  const baseline = warm[0] ?? samples[0];
  const rssGrowthMiB = Math.max(...warm.map((s) => s.rssMiB)) - baseline.rssMiB;
  const fdGrowth = Math.max(...warm.map((s) => s.fds)) - baseline.fds;
  const lags = samples.map((s) => s.lagMs).sort((a, b) => a - b);
  const result = {
    date: new Date().toISOString(),
    minutes,
    model: 'qwen2.5-coder-0.5b shape (random weights), Q4_0',
    counts,
    errors: errors.slice(0, 20),
    rssMiB: {
      start: samples[0].rssMiB,
      afterWarmUp: baseline.rssMiB,
      max: Math.max(...samples.map((s) => s.rssMiB)),
      growthAfterWarmUp: rssGrowthMiB,
    },
    fds: { afterWarmUp: baseline.fds, max: Math.max(...samples.map((s) => s.fds)), growthAfterWarmUp: fdGrowth },
    eventLoopLagMs: { p50: lags[Math.floor(lags.length / 2)], p95: lags[Math.floor(lags.length * 0.95)], max: lags.at(-1) },
    samples,
    checks: {
      rssGrowthUnder64MiB: rssGrowthMiB < 64,
      fdsDoNotGrow: fdGrowth <= 0,
      everyRequestAnswered: counts.errors === 0,
    },
  };
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, `${JSON.stringify(result, null, 2)}\n`);
  const { samples: _samples, ...summary } = result;
  console.log(JSON.stringify(summary, null, 2));
  const failed = Object.entries(result.checks).filter(([, ok]) => !ok);
  if (failed.length) {
    console.error(`soak: failed ${failed.map(([name]) => name).join(', ')}`);
    process.exitCode = 1;
  }
}

main().catch((error: unknown) => {
  console.error(`soak: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  process.exit(1);
});
