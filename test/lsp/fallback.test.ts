import assert from 'node:assert/strict';
import { SummarizeRequest } from '../../common/protocol';
import { ensureModel } from '../modelgen';
import { startOpenAiServer, type OpenAiTestServer } from '../support/openaiServer';
import { LspClient } from './harness';

const secret = 'ghp_aB3dE5fG7hJ9kL1mN3pQ5rS7tU9vW1xY3zA5';

/** A document too long for a 1024-token local context, with a secret in it. */
function longDocument(): string {
  const lines = [`const GITHUB_TOKEN = "${secret}";`, ''];
  for (let i = 0; i < 120; i++) lines.push(`export function route${i}(req: Request) {\n  return handle(req, ${i});\n}\n`);
  return lines.join('\n');
}

const uri = 'file:///work/routes.ts';
const shortUri = 'file:///work/short.ts';

describe('the opt-in remote fallback, against a real OpenAI-compatible server on 127.0.0.1', function () {
  let remote: OpenAiTestServer;
  let server: LspClient;

  before(async () => {
    remote = await startOpenAiServer({ modelPath: ensureModel('tiny'), requireApiKey: 'test-key-123', contextSize: 8192 });
  });
  after(async () => remote?.close());
  afterEach(async () => server?.stop());

  async function start(
    fallback: Record<string, unknown>,
    network: Record<string, unknown> = {},
    apiKey = 'test-key-123',
  ): Promise<LspClient> {
    server = await LspClient.start({
      netSpy: true,
      // As the extension passes it: in the server's environment, never in a message.
      env: { SLM_ASSIST_FALLBACK_API_KEY: apiKey },
      initializationOptions: {
        model: { path: ensureModel('tiny'), threads: 1, contextSize: 1024 },
        summary: { maxTokens: 24 },
        fallback: { endpoint: remote.url, model: remote.model, ...fallback },
        network,
      },
    });
    await server.open(uri, longDocument());
    await server.open(shortUri, 'export const answer = 42;\n');
    return server;
  }

  const summarize = (target = uri) => server.textHelp(SummarizeRequest, { textDocument: { uri: target } });

  it('sends nothing when the mode is off (the default): long input is summarized locally in pieces', async function () {
    const before = remote.requests.length;
    await start({ mode: 'off' });
    const { result } = await summarize();
    assert.equal(result.model.location, 'local');
    assert.ok(result.chunks > 1);
    assert.equal(remote.requests.length, before);
    assert.deepEqual(server.networkAttempts, []);
  });

  it('in auto mode sends only long input, with secrets redacted on the wire, and streams the remote answer', async function () {
    await start({ mode: 'auto' });
    const before = remote.requests.length;
    const short = await summarize(shortUri);
    assert.equal(short.result.model.location, 'local', 'short requests stay local');
    assert.equal(remote.requests.length, before);

    const { result, partials } = await summarize();
    assert.equal(result.model.location, 'remote');
    assert.equal(result.model.name, remote.model);
    assert.equal(result.model.host, new URL(remote.url).host);
    assert.ok(result.text.length > 0);
    assert.equal(partials.join(''), result.text);
    assert.equal(result.redactions, 1);
    assert.equal(remote.requests.length, before + 1);
    const sent = JSON.stringify(remote.requests[remote.requests.length - 1].body);
    assert.ok(!sent.includes(secret), 'the token never reaches the remote server');
    assert.match(sent, /GITHUB_TOKEN = \\"\[REDACTED:github-token\]\\"/);
    assert.equal(remote.requests[remote.requests.length - 1].headers.authorization, 'Bearer test-key-123');
    assert.ok(
      server.logs.some((l) => l.message.startsWith('remote call: POST') && !l.message.includes('test-key-123')),
      'the call is logged, the key is not',
    );
  });

  it('sends nothing when network.allowRemote is false, whatever the mode', async function () {
    await start({ mode: 'auto' }, { allowRemote: false });
    const before = remote.requests.length;
    const { result } = await summarize();
    assert.equal(result.model.location, 'local');
    assert.equal(remote.requests.length, before);
    assert.deepEqual(server.networkAttempts, []);
    assert.ok(server.logs.some((l) => l.message.includes('slmAssist.network.allowRemote is false')));
  });

  it('refuses a plain-http endpoint that is not on this machine, and stays local', async function () {
    await start({ mode: 'auto', endpoint: 'http://summaries.example.com/v1' });
    const { result } = await summarize();
    assert.equal(result.model.location, 'local');
    assert.deepEqual(server.networkAttempts, []);
    assert.ok(server.logs.some((l) => /slmAssist\.fallback\.endpoint.*https/.test(l.message)));
  });

  it('in ask mode asks with the host, the size and the redaction count, and does what the user chose', async function () {
    await start({ mode: 'ask' });
    const before = remote.requests.length;
    server.confirmFallback = () => ({ choice: 'local' });
    assert.equal((await summarize()).result.model.location, 'local');
    const question = server.fallbackQuestions[0];
    assert.equal(question.host, new URL(remote.url).host);
    assert.equal(question.model, remote.model);
    assert.equal(question.redactions, 1);
    assert.ok(question.tokens > 1024, `${question.tokens} tokens`);

    server.confirmFallback = () => ({ choice: 'cancel' });
    const cancelled = await summarize();
    assert.equal(cancelled.result.incomplete, true);
    assert.equal(cancelled.result.text, '');
    assert.equal(remote.requests.length, before, 'nothing was sent for "local" or "cancel"');

    server.confirmFallback = () => ({ choice: 'remote' });
    assert.equal((await summarize()).result.model.location, 'remote');
    assert.equal(remote.requests.length, before + 1);

    server.confirmFallback = undefined;
    assert.equal((await summarize()).result.model.location, 'local', 'a client that cannot ask gets the local answer');
    assert.equal(remote.requests.length, before + 1);
  });

  it('reports a rejected API key by name', async function () {
    await start({ mode: 'auto' }, {}, 'wrong');
    await assert.rejects(summarize(), /API key was rejected/);
    assert.ok(server.alive);
  });
});

describe('a remote server that dies mid-stream', function () {
  it('gives the text so far, marked incomplete, and the server keeps running', async function () {
    const remote = await startOpenAiServer({ modelPath: ensureModel('tiny'), dieAfterChunks: 3, contextSize: 8192 });
    const server = await LspClient.start({
      initializationOptions: {
        model: { path: ensureModel('tiny'), threads: 1, contextSize: 1024 },
        summary: { maxTokens: 24 },
        fallback: { mode: 'auto', endpoint: remote.url, model: remote.model },
      },
    });
    try {
      await server.open(uri, longDocument());
      const { result, partials } = await server.textHelp(SummarizeRequest, { textDocument: { uri } });
      assert.equal(result.model.location, 'remote');
      assert.equal(result.incomplete, true);
      assert.equal(partials.length, 3);
      assert.equal(result.text, partials.join(''));
      assert.ok(server.alive);
    } finally {
      await server.stop();
      await remote.close();
    }
  });
});
