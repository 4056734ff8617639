import assert from 'node:assert/strict';
import type { Logger } from '../../server/src/log';
import { checkEndpoint } from '../../server/src/remote/endpoint';
import { RemoteError, streamChatCompletion, type ChatCompletionRequest, type ChatMessage } from '../../server/src/remote/openaiClient';
import { redactSecrets } from '../../server/src/remote/redact';
import { AbortedError } from '../../server/src/util/abort';
import { ensureModel, knownContinuations } from '../modelgen';
import { startOpenAiServer, type OpenAiTestServer } from '../support/openaiServer';

/**
 * The remote client against a real OpenAI-compatible HTTP server whose answers come from the
 * known-output model through node-llama-cpp. The last message is an assistant prefill that the
 * server continues, so the answer is known: `function add(a, b) {` → `\n  return a + b;\n}`.
 */

const PREFILL = 'function add(a, b) {';
const ANSWER = knownContinuations[PREFILL];
const MESSAGES: ChatMessage[] = [
  { role: 'system', content: 'You complete code.' },
  { role: 'user', content: 'Finish this function.' },
  { role: 'assistant', content: PREFILL },
];

const quiet: Logger = { error() {}, warn() {}, info() {}, debug() {} };

function chatUrl(server: OpenAiTestServer): URL {
  const endpoint = checkEndpoint(server.url);
  if (!endpoint.ok) throw new Error(endpoint.reason);
  return endpoint.url;
}

function request(server: OpenAiTestServer, extra: Partial<ChatCompletionRequest> = {}): ChatCompletionRequest {
  return { url: chatUrl(server), model: server.model, messages: MESSAGES, temperature: 0, maxTokens: 64, ...extra };
}

describe('remote client against a real OpenAI-compatible server (known-output model)', function () {
  let modelPath: string;
  const started: OpenAiTestServer[] = [];
  const start = async (options: Omit<Parameters<typeof startOpenAiServer>[0], 'modelPath'> = {}): Promise<OpenAiTestServer> => {
    const server = await startOpenAiServer({ modelPath, ...options });
    started.push(server);
    return server;
  };

  before(() => {
    modelPath = ensureModel('known');
  });
  after(async () => {
    for (const server of started.splice(0)) await server.close();
  });

  it('lists its model at GET /v1/models', async () => {
    const server = await start();
    const response = await fetch(`${server.url}/models`);
    const body = (await response.json()) as { data: Array<{ id: string }> };
    assert.deepEqual(
      body.data.map((m) => m.id),
      [server.model],
    );
  });

  it('streams the model’s answer: deltas in order, joined into the final text, with usage', async () => {
    const server = await start();
    const deltas: string[] = [];
    const lines: string[] = [];
    const log: Logger = { ...quiet, info: (line) => lines.push(line) };
    const result = await streamChatCompletion(request(server), {
      signal: new AbortController().signal,
      onDelta: (d) => deltas.push(d),
      log,
    });
    assert.equal(result.text, ANSWER);
    assert.ok(deltas.length >= 3, `deltas: ${JSON.stringify(deltas)}`);
    assert.equal(deltas.join(''), result.text);
    assert.equal(result.incomplete, false);
    assert.equal(result.finishReason, 'stop');
    assert.ok(result.usage && result.usage.promptTokens > 10, JSON.stringify(result.usage));
    assert.equal(result.usage?.completionTokens, deltas.length);
    assert.match(
      lines.join('\n'),
      /remote call: POST http:\/\/127\.0\.0\.1:\d+\/v1\/chat\/completions model=known-g\d+, \d+ chars sent .*status 200, \d+ ms, tokens \d+ in \/ \d+ out, complete/,
    );
    const wire = server.requests[server.requests.length - 1];
    assert.equal(wire.body.stream, true);
    assert.deepEqual(wire.body.stream_options, { include_usage: true });
  });

  it('answers the same request without streaming as one chat.completion', async () => {
    const server = await start();
    const response = await fetch(`${server.url}/chat/completions`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ model: server.model, messages: MESSAGES, temperature: 0 }),
    });
    const body = (await response.json()) as { object: string; choices: Array<{ message: { content: string }; finish_reason: string }> };
    assert.equal(body.object, 'chat.completion');
    assert.equal(body.choices[0].message.content, ANSWER);
    assert.equal(body.choices[0].finish_reason, 'stop');
  });

  it('sends only redacted text on the wire', async () => {
    const server = await start();
    const secret = 'ghp_' + 'aB3dE5fG7hJ9kL1mN2pQ4rS6tU8vW0xY1234';
    const redacted = redactSecrets(`const token = "${secret}";\nconsole`);
    await streamChatCompletion(request(server, { messages: [{ role: 'user', content: redacted.text }] }), {
      signal: new AbortController().signal,
      onDelta: () => undefined,
      log: quiet,
    });
    const wire = JSON.stringify(server.requests[server.requests.length - 1].body);
    assert.ok(!wire.includes(secret));
    assert.ok(wire.includes('[REDACTED:github-token]'));
  });

  it('rejects a wrong API key with a clear 401 error, and accepts the right one', async () => {
    const server = await start({ requireApiKey: 'right-key-123' });
    const error = await streamChatCompletion(request(server, { apiKey: 'wrong-key-456' }), {
      signal: new AbortController().signal,
      onDelta: () => undefined,
      log: quiet,
    }).catch((e: unknown) => e);
    assert.ok(error instanceof RemoteError);
    assert.equal(error.status, 401);
    assert.match(error.message, /127\.0\.0\.1:\d+ answered HTTP 401 Unauthorized: the API key was rejected/);
    assert.match(error.message, /Incorrect API key provided/);
    assert.ok(!error.message.includes('wrong-key-456'));
    assert.equal(server.requests[0].headers.authorization, 'Bearer wrong-key-456');
    assert.deepEqual(await server.requests[0].done, { outcome: 'rejected', chunks: 0 });

    const result = await streamChatCompletion(request(server, { apiKey: 'right-key-123' }), {
      signal: new AbortController().signal,
      onDelta: () => undefined,
      log: quiet,
    });
    assert.equal(result.text, ANSWER);
  });

  it('reports an unknown model as not found, naming the settings', async () => {
    const server = await start();
    const error = await streamChatCompletion(request(server, { model: 'gpt-5' }), {
      signal: new AbortController().signal,
      onDelta: () => undefined,
      log: quiet,
    }).catch((e: unknown) => e);
    assert.ok(error instanceof RemoteError);
    assert.equal(error.status, 404);
    assert.match(error.message, /the model "gpt-5" or the endpoint .* was not found\. Check slmAssist\.fallback\.model/);
  });

  it('returns the partial text, incomplete, when the server dies mid-stream', async () => {
    const server = await start({ dieAfterChunks: 2 });
    const deltas: string[] = [];
    const result = await streamChatCompletion(request(server), {
      signal: new AbortController().signal,
      onDelta: (d) => deltas.push(d),
      log: quiet,
    });
    assert.equal(result.incomplete, true);
    assert.equal(deltas.length, 2);
    assert.equal(result.text, deltas.join(''));
    assert.ok(result.text.length > 0 && ANSWER.startsWith(result.text) && result.text !== ANSWER, JSON.stringify(result.text));
    assert.match(result.reason ?? '', /connection to 127\.0\.0\.1:\d+ was lost|ended before the answer was complete/);
    assert.deepEqual(await server.requests[0].done, { outcome: 'killed', chunks: 2 });
  });

  it('stops on abort: AbortedError, and the server sees the connection closed before the end', async () => {
    const server = await start({ chunkDelayMs: 80 });
    const controller = new AbortController();
    const deltas: string[] = [];
    await assert.rejects(
      streamChatCompletion(request(server), {
        signal: controller.signal,
        onDelta: (d) => {
          deltas.push(d);
          controller.abort();
        },
        log: quiet,
      }),
      AbortedError,
    );
    assert.equal(deltas.length, 1);
    const done = await server.requests[0].done;
    assert.equal(done.outcome, 'clientClosed');
    assert.ok(done.chunks < 3, `the server went on to chunk ${done.chunks}`);
    // The server is free again: the next request is answered in full.
    const again = await streamChatCompletion(request(server), {
      signal: new AbortController().signal,
      onDelta: () => undefined,
      log: quiet,
    });
    assert.equal(again.text, ANSWER);
    assert.ok(server.connections >= 2, `connections: ${server.connections}`);
  });

  it('names the host when the connection is refused on a closed port', async () => {
    const server = await startOpenAiServer({ modelPath });
    const url = chatUrl(server);
    await server.close();
    const error = await streamChatCompletion(request(server, { url }), {
      signal: new AbortController().signal,
      onDelta: () => undefined,
      log: quiet,
    }).catch((e: unknown) => e);
    assert.ok(error instanceof RemoteError);
    assert.equal(error.kind, 'network');
    assert.match(error.message, new RegExp(`fallback server ${url.host.replace(/\./g, '\\.')}: the connection was refused`));
  });
});
