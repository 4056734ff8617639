import assert from 'node:assert/strict';
import { SummarizeRequest, type StatusParams } from '../../common/protocol';
import { ensureModel } from '../modelgen';
import { startLlamaServer, type LlamaTestServer } from '../support/llamaServer';
import { startOpenAiServer, type OpenAiTestServer } from '../support/openaiServer';
import { endOf, LspClient, testSettings } from './harness';

/**
 * Completions from a team's inference server (`slmAssist.teamServer.*`), against a local server
 * that answers in llama-server's and the OpenAI completions API's formats with a real model
 * (test/support/llamaServer.ts): the prompt on the wire, the latency budget, back-off after
 * failures, the API key, and no connection at all when it is off.
 */
describe('team server', function () {
  const model = ensureModel('known');
  let team: LlamaTestServer;

  before(async () => {
    team = await startLlamaServer({ modelPath: model });
  });
  after(async () => team?.close());
  beforeEach(() => {
    team.requests.length = 0;
    team.set({ delayMs: 0, failWith: undefined });
  });

  function settings(teamServer: Record<string, unknown>, network: Record<string, unknown> = {}): Record<string, unknown> {
    return { ...testSettings(model), teamServer: { url: team.url, latencyBudgetMs: 5_000, ...teamServer }, network };
  }

  async function completeConsole(server: LspClient): Promise<string[]> {
    await server.open('file:///work/a.ts', 'console');
    return server.complete('file:///work/a.ts', endOf('console'));
  }

  it('llamaServer: ghost text comes from /completion, whose prompt keeps each FIM marker one special token', async function () {
    const server = await LspClient.start({ initializationOptions: settings({ api: 'llamaServer' }) });
    try {
      assert.deepEqual(await completeConsole(server), ['.log(']);
      const trace = server.traces.at(-1);
      assert.equal(trace?.backend, 'team');
      assert.equal(team.requests.length, 1);
      const [request] = team.requests;
      assert.equal(request.path, '/completion');
      assert.equal(request.body.cache_prompt, true);
      assert.equal(request.body.temperature, 0);
      assert.equal(request.body.n_predict, 48);
      // Token for token: what the server's tokenizer reads from the wire is the prompt the
      // extension built, its markers single control tokens, not their letters.
      const tokens = request.tokens ?? [];
      assert.equal(tokens.length, trace?.generation?.promptTokens);
      const fim = team.llamaModel.tokens.infill;
      assert.deepEqual(
        [fim.prefix, fim.suffix, fim.middle].map((id) => tokens.filter((t) => t === id).length),
        [1, 1, 1],
      );
      assert.equal(tokens[0], fim.prefix);
      assert.equal(team.llamaModel.detokenize(tokens.filter((t) => t !== fim.prefix && t !== fim.suffix && t !== fim.middle)), 'console');
      assert.ok(
        server.logs.some((l) =>
          /^team server call: POST http:\/\/127\.0\.0\.1:\d+\/completion, \d+ chars sent, status 200, \d+ ms/.test(l.message),
        ),
      );
      assert.ok(!server.logs.some((l) => l.message.includes('console')), 'no log line carries the text of the prompt');
    } finally {
      await server.stop();
    }
  });

  it('snippets of other files the user viewed stay on this machine: the team server gets the text around the cursor only', async function () {
    const server = await LspClient.start({ initializationOptions: settings({ api: 'llamaServer' }) });
    try {
      const other = Array.from({ length: 20 }, (_, i) => `const privateHelper${i} = ${i};`).join('\n');
      await server.open('file:///work/other.ts', other);
      await server.connection.sendNotification('slmAssist/viewed', { textDocument: { uri: 'file:///work/other.ts' }, line: 10 });
      // Twice: the second request comes after the first one's background work would have had its turn.
      await completeConsole(server);
      await server.replace('file:///work/a.ts', 'console;\n');
      await server.complete('file:///work/a.ts', endOf('console;\n'));
      assert.equal(team.requests.length, 2);
      for (const request of team.requests) {
        const fim = team.llamaModel.tokens.infill;
        const text = team.llamaModel.detokenize(
          (request.tokens ?? []).filter((t) => t !== fim.prefix && t !== fim.suffix && t !== fim.middle),
        );
        assert.ok(!text.includes('privateHelper'), text);
        assert.ok(text.startsWith('console'), text);
      }
    } finally {
      await server.stop();
    }
  });

  it('llamaServer: prompts of consecutive keystrokes extend each other, so the server reuses its cached prefix', async function () {
    const server = await LspClient.start({ initializationOptions: settings({}) });
    try {
      const lines = Array.from({ length: 30 }, (_, i) => `const value${i} = compute(${i});`).join('\n');
      let text = `${lines}\nfunction run() {\n  `;
      await server.open('file:///work/b.ts', text);
      await server.complete('file:///work/b.ts', endOf(text));
      for (const ch of 'cons') {
        await server.insert('file:///work/b.ts', endOf(text), ch);
        text += ch;
        await server.complete('file:///work/b.ts', endOf(text));
      }
      const prompts = team.requests.map((r) => r.tokens ?? []);
      assert.equal(prompts.length, 5);
      for (let i = 1; i < prompts.length; i++) {
        const [before, after] = [prompts[i - 1], prompts[i]];
        let shared = 0;
        while (shared < before.length && before[shared] === after[shared]) shared++;
        assert.ok(shared >= before.length - 2, `keystroke ${i}: ${shared} of ${before.length} tokens shared with the previous prompt`);
      }
    } finally {
      await server.stop();
    }
  });

  it('openaiCompatible: ghost text comes from /v1/completions with the model name', async function () {
    const server = await LspClient.start({ initializationOptions: settings({ api: 'openaiCompatible', model: team.model }) });
    try {
      assert.deepEqual(await completeConsole(server), ['.log(']);
      assert.equal(server.traces.at(-1)?.backend, 'team');
      assert.deepEqual(
        team.requests.map((r) => [r.path, r.body.model, r.body.max_tokens]),
        [['/v1/completions', team.model, 48]],
      );
    } finally {
      await server.stop();
    }
  });

  it('a server slower than the latency budget: the local model answers, and the request is abandoned', async function () {
    team.set({ delayMs: 20_000 });
    const server = await LspClient.start({ initializationOptions: settings({ latencyBudgetMs: 300 }) });
    try {
      assert.deepEqual(await completeConsole(server), ['.log(']);
      assert.equal(server.traces.at(-1)?.backend, 'local');
      assert.equal(team.requests.length, 1);
      assert.ok(
        server.logs.some((l) =>
          /no answer within 300 ms \(slmAssist\.teamServer\.latencyBudgetMs\); this completion comes from the local model/.test(l.message),
        ),
      );
      assert.ok(
        server.logs.some((l) => /^team server call: .*cancelled$/.test(l.message)),
        'the slow request was cancelled',
      );
    } finally {
      await server.stop();
    }
  });

  it('a failing server is backed off: the status says so, and no request goes out until the pause ends', async function () {
    team.set({ failWith: 503 });
    const server = await LspClient.start({ initializationOptions: settings({}) });
    try {
      await server.open('file:///work/a.ts', 'console');
      // Two keystrokes' worth of requests (the cache would answer a repeated one without the model).
      assert.deepEqual(await server.complete('file:///work/a.ts', endOf('console')), ['.log(']);
      await server.replace('file:///work/a.ts', 'x\nconsole');
      assert.deepEqual(await server.complete('file:///work/a.ts', endOf('x\nconsole')), ['.log(']);
      const down: StatusParams = await server.waitFor(
        () => server.statuses.find((s) => s.team?.reachable === false),
        'a status with the team server unreachable',
      );
      assert.match(
        down.team?.message ?? '',
        /^team server 127\.0\.0\.1:\d+ unreachable, using the local model \(127\.0\.0\.1:\d+ answered HTTP 503: the test server is set to fail; next try in 5 s\)$/,
      );
      assert.equal(team.requests.length, 2);
      await server.replace('file:///work/a.ts', 'y\nconsole');
      assert.deepEqual(await server.complete('file:///work/a.ts', endOf('y\nconsole')), ['.log(']);
      assert.equal(team.requests.length, 2, 'no request while backed off');
      assert.deepEqual(
        server.traces.map((t) => t.backend),
        ['local', 'local', 'local'],
      );
    } finally {
      await server.stop();
    }
  });

  it('sends the API key from the environment, and no log carries it', async function () {
    const key = 'team-key-7f3a9c2e41b8d6f0';
    const server = await LspClient.start({ initializationOptions: settings({}), env: { SLM_ASSIST_TEAM_SERVER_API_KEY: key } });
    try {
      assert.deepEqual(await completeConsole(server), ['.log(']);
      assert.equal(team.requests[0]?.headers.authorization, `Bearer ${key}`);
      assert.ok(!JSON.stringify(server.logs).includes(key));
      assert.ok(!server.stderr.includes(key));
    } finally {
      await server.stop();
    }
  });

  for (const [what, teamServer, network, reason] of [
    ['no URL', { url: '' }, {}, undefined],
    ['network.allowRemote false', {}, { allowRemote: false }, /^team server off: slmAssist\.network\.allowRemote is false$/],
    [
      'plain http to another machine',
      { url: 'http://10.1.2.3:8080' },
      {},
      /slmAssist\.teamServer\.url must use https:\/\/ for 10\.1\.2\.3:8080/,
    ],
  ] as const) {
    it(`makes no connection with ${what}, and completes locally`, async function () {
      const before = team.connections;
      const server = await LspClient.start({ initializationOptions: settings(teamServer, network), netSpy: true });
      try {
        assert.deepEqual(await completeConsole(server), ['.log(']);
        assert.equal(server.traces.at(-1)?.backend, 'local');
        assert.equal(team.connections, before);
        assert.deepEqual(server.networkAttempts, []);
        const status = server.statuses.at(-1);
        if (reason) assert.match(status?.team?.message ?? '', reason);
        else assert.equal(status?.team, undefined);
      } finally {
        await server.stop();
      }
    });
  }
});

describe('team server for summaries (teamServer.summaries)', function () {
  const tiny = ensureModel('tiny');
  let remote: OpenAiTestServer;
  let server: LspClient | undefined;

  before(async () => {
    remote = await startOpenAiServer({ modelPath: tiny, contextSize: 4096 });
  });
  after(async () => remote?.close());
  afterEach(async () => server?.stop());

  async function summarizeWith(teamServer: Record<string, unknown>) {
    server = await LspClient.start({
      initializationOptions: {
        model: { path: tiny, threads: 1, contextSize: 1024 },
        summary: { maxTokens: 24 },
        teamServer: { api: 'openaiCompatible', model: remote.model, summaries: true, ...teamServer },
      },
    });
    await server.open('file:///work/short.ts', 'export const answer = 42;\n');
    return server.textHelp(SummarizeRequest, { textDocument: { uri: 'file:///work/short.ts' } });
  }

  it('sends a summary to the team server’s /v1/chat/completions and streams its answer', async function () {
    const before = remote.requests.length;
    const { result, partials } = await summarizeWith({ url: remote.url });
    assert.equal(result.model.location, 'remote');
    assert.equal(result.model.host, new URL(remote.url).host);
    assert.equal(partials.join(''), result.text);
    assert.deepEqual(
      remote.requests.slice(before).map((r) => [r.method, r.path, r.body.model]),
      [['POST', '/v1/chat/completions', remote.model]],
    );
  });

  it('with the team server down, the local model answers the summary', async function () {
    const { result } = await summarizeWith({ url: 'http://127.0.0.1:9' });
    assert.equal(result.model.location, 'local');
    assert.ok(result.text.length > 0);
    assert.ok(
      server?.logs.some((l) =>
        /^The team server could not answer the summarize request \(.+\); the local model answers\.$/.test(l.message),
      ),
    );
  });

  it('sends nothing when teamServer.summaries is off', async function () {
    const before = remote.connections;
    const { result } = await summarizeWith({ url: remote.url, summaries: false });
    assert.equal(result.model.location, 'local');
    assert.equal(remote.connections, before);
  });
});
