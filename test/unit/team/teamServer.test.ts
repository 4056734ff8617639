import assert from 'node:assert/strict';
import { defaultSettings, type Settings } from '../../../common/settings';
import type { Logger } from '../../../server/src/log';
import type { CompletionEngine, GenerateOptions, GenerateResult } from '../../../server/src/model/engines';
import { teamUrl, TeamServerError, type TeamAnswer, type TeamRequest } from '../../../server/src/team/teamClient';
import { TeamServer } from '../../../server/src/team/teamServer';

/** The routing and back-off of the team server, with a clock and a server the test controls. */

const log: Logger = { debug() {}, info() {}, warn() {}, error() {} };

const engine = {
  detokenize: (tokens: readonly number[]) => tokens.map((t) => `<${t}>`).join(''),
} as unknown as CompletionEngine;

const local = async (): Promise<GenerateResult> => ({
  text: 'local',
  stopReason: 'eog',
  promptTokens: 3,
  evaluatedTokens: 3,
  generatedTokens: 1,
  totalMs: 1,
});

function options(overrides: Partial<GenerateOptions> = {}): GenerateOptions {
  return { maxTokens: 16, timeBudgetMs: 3000, signal: new AbortController().signal, stopAtNewline: true, ...overrides };
}

function settingsWith(teamServer: Partial<Settings['teamServer']>, allowRemote = true): () => Settings {
  const settings: Settings = { ...defaultSettings, teamServer: { ...defaultSettings.teamServer, ...teamServer }, network: { allowRemote } };
  return () => settings;
}

/** A team server whose every answer the test decides, and a clock it moves. */
function harness(teamServer: Partial<Settings['teamServer']> = { url: 'https://gpu.example:8080' }, allowRemote = true) {
  let now = 1_000_000;
  const calls: TeamRequest[] = [];
  let answer: (request: TeamRequest, signal: AbortSignal) => Promise<Omit<TeamAnswer, 'ms'>> = async () => ({
    text: 'team',
    generatedTokens: 2,
  });
  let statusChanges = 0;
  const team = new TeamServer(
    settingsWith(teamServer, allowRemote),
    log,
    () => statusChanges++,
    'key',
    async (request, signal) => {
      calls.push(request);
      return { ...(await answer(request, signal)), ms: 5 };
    },
    () => now,
  );
  return {
    team,
    calls,
    advance: (ms: number) => (now += ms),
    answerWith: (next: typeof answer) => (answer = next),
    statusChanges: () => statusChanges,
  };
}

describe('TeamServer', () => {
  it('sends the prompt as text with a newline stop, and returns the answer marked as the team’s', async () => {
    const h = harness();
    const result = await h.team.generate(engine, [1, 2, 3], options(), local);
    assert.equal(result.text, 'team');
    assert.equal(result.backend, 'team');
    assert.deepEqual(
      h.calls.map((c) => [c.prompt, c.stop, c.maxTokens, c.apiKey, c.base.href]),
      [['<1><2><3>', ['\n'], 16, 'key', 'https://gpu.example:8080/']],
    );
    assert.deepEqual(h.team.status(), { host: 'gpu.example:8080', reachable: true });
  });

  it('backs off after two failures in a row: 5 s, then 10 s, and comes back after a success', async () => {
    const h = harness();
    h.answerWith(async () => {
      throw new TeamServerError('cannot reach gpu.example:8080: ECONNREFUSED');
    });
    for (let i = 0; i < 2; i++) assert.equal((await h.team.generate(engine, [1], options(), local)).backend, 'local');
    assert.equal(h.calls.length, 2);
    assert.match(
      h.team.status()?.message ?? '',
      /^team server gpu\.example:8080 unreachable, using the local model \(cannot reach gpu\.example:8080: ECONNREFUSED; next try in 5 s\)$/,
    );
    h.advance(4_999);
    await h.team.generate(engine, [1], options(), local);
    assert.equal(h.calls.length, 2, 'no call during the pause');
    h.advance(1);
    await h.team.generate(engine, [1], options(), local);
    assert.equal(h.calls.length, 3, 'one try when the pause ends');
    assert.match(h.team.status()?.message ?? '', /next try in 10 s\)$/, 'the next pause is twice as long');
    h.advance(10_000);
    h.answerWith(async () => ({ text: 'back' }));
    assert.equal((await h.team.generate(engine, [1], options(), local)).text, 'back');
    assert.deepEqual(h.team.status(), { host: 'gpu.example:8080', reachable: true });
    assert.ok(h.statusChanges() >= 3, 'each change of reachability is published');
  });

  it('caps the pause at 5 minutes', async () => {
    const h = harness();
    h.answerWith(async () => {
      throw new TeamServerError('down');
    });
    for (let i = 0; i < 12; i++) {
      await h.team.generate(engine, [1], options(), local);
      h.advance(10 * 60_000);
    }
    h.advance(-10 * 60_000);
    assert.match(h.team.status()?.message ?? '', /next try in 300 s\)$/);
  });

  it('gives up on an answer slower than the budget, aborting the request, and answers locally', async () => {
    const h = harness({ url: 'http://127.0.0.1:9', latencyBudgetMs: 50 });
    let aborted: Promise<void> | undefined;
    // A server that never answers; its request must be aborted once the budget has passed.
    h.answerWith((_request, signal) => {
      aborted = new Promise((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
      return new Promise(() => {});
    });
    const result = await h.team.generate(engine, [1], options(), local);
    assert.equal(result.backend, 'local');
    assert.equal(result.text, 'local');
    await aborted;
  });

  it('is off without a URL, with allowRemote false, and with plain http to another machine', async () => {
    for (const [h, status] of [
      [harness({ url: '' }), undefined],
      [harness({ url: 'https://gpu.example' }, false), /allowRemote is false/],
      [harness({ url: 'http://gpu.example' }), /must use https:\/\/ for gpu\.example/],
    ] as const) {
      assert.equal((await h.team.generate(engine, [1], options(), local)).backend, 'local');
      assert.equal(h.calls.length, 0);
      if (status) assert.match(h.team.status()?.message ?? '', status);
      else assert.equal(h.team.status(), undefined);
    }
  });
});

describe('teamUrl', () => {
  it('puts each API’s path after the base URL’s own path', () => {
    const cases: Array<[string, 'llamaServer' | 'openaiCompatible', string]> = [
      ['http://127.0.0.1:8080', 'llamaServer', 'http://127.0.0.1:8080/completion'],
      ['https://gpu.example/llama/', 'llamaServer', 'https://gpu.example/llama/completion'],
      ['http://127.0.0.1:11434', 'openaiCompatible', 'http://127.0.0.1:11434/v1/completions'],
      ['https://gpu.example/v1', 'openaiCompatible', 'https://gpu.example/v1/completions'],
      ['https://gpu.example/vllm/v1/', 'openaiCompatible', 'https://gpu.example/vllm/v1/completions'],
    ];
    for (const [base, api, expected] of cases) assert.equal(teamUrl(new URL(base), api).href, expected, `${api} ${base}`);
  });
});
