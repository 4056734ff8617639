import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from '../../../server/src/log';
import { RemoteError, streamChatCompletion, type ChatCompletionRequest } from '../../../server/src/remote/openaiClient';
import { AbortedError } from '../../../server/src/util/abort';

/**
 * The client against scripted HTTP servers on 127.0.0.1: each test writes exactly the bytes a
 * server could send (split anywhere, CRLF, errors, early ends). The client against a server
 * generating with a real model is in test/lsp/remoteServer.test.ts.
 */

const KEY = 'sk-test-' + 'Zq9'.repeat(12);

type Handler = (req: IncomingMessage, res: ServerResponse, body: string) => void | Promise<void>;

interface Scripted {
  url: URL;
  bodies: unknown[];
  headers: IncomingMessage['headers'][];
  closed: Promise<void>;
  server: Server;
}

let servers: Server[] = [];

async function serve(handler: Handler): Promise<Scripted> {
  const bodies: unknown[] = [];
  const headers: IncomingMessage['headers'][] = [];
  let onClosed!: () => void;
  const closed = new Promise<void>((resolve) => (onClosed = resolve));
  const server = createServer((req, res) => {
    let raw = '';
    req.on('data', (chunk: Buffer) => (raw += chunk.toString()));
    req.on('end', () => {
      bodies.push(raw ? JSON.parse(raw) : undefined);
      headers.push(req.headers);
      res.on('close', onClosed);
      void handler(req, res, raw);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  servers.push(server);
  const { port } = server.address() as AddressInfo;
  return { url: new URL(`http://127.0.0.1:${port}/v1/chat/completions`), bodies, headers, closed, server };
}

/** A logger that keeps every line. */
function recorder(): Logger & { lines: string[] } {
  const lines: string[] = [];
  const add = (level: string) => (message: string) => void lines.push(`${level} ${message}`);
  return { lines, error: add('error'), warn: add('warn'), info: add('info'), debug: add('debug') };
}

function request(url: URL, extra: Partial<ChatCompletionRequest> = {}): ChatCompletionRequest {
  return {
    url,
    model: 'big-model',
    apiKey: KEY,
    messages: [
      { role: 'system', content: 'You summarize.' },
      { role: 'user', content: 'SECRET-CONTENT of the file' },
    ],
    ...extra,
  };
}

function chunk(content: string | null, finish: string | null = null): string {
  const delta = content === null ? {} : { content };
  return `data: ${JSON.stringify({ object: 'chat.completion.chunk', choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`;
}

/** Writes `bytes` in pieces of `size` bytes (cutting lines, CRLFs and UTF-8 characters). */
async function writeInPieces(res: ServerResponse, bytes: Buffer, size: number): Promise<void> {
  for (let at = 0; at < bytes.length; at += size) {
    res.write(bytes.subarray(at, at + size));
    await new Promise((resolve) => setImmediate(resolve));
  }
}

const SSE_HEADERS = { 'Content-Type': 'text/event-stream' };

describe('streamChatCompletion (scripted servers)', () => {
  afterEach(async () => {
    for (const s of servers) s.closeAllConnections();
    await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
    servers = [];
  });

  it('streams deltas in order from a stream cut anywhere, with CRLF, comments and usage', async () => {
    const parts = ['Hé', 'llo, ', '漢字', ' world'];
    const stream =
      ': ping\r\n\r\n' +
      chunk('').replace(/\n/g, '\r\n') +
      parts.map((p) => chunk(p).replace(/\n/g, '\r\n')).join(': keep-alive\r\n\r\n') +
      chunk(null, 'stop') +
      `data: ${JSON.stringify({ choices: [], usage: { prompt_tokens: 12, completion_tokens: 4, total_tokens: 16 } })}\n\n` +
      'data: [DONE]\n\n';
    const server = await serve(async (_req, res) => {
      res.writeHead(200, SSE_HEADERS);
      await writeInPieces(res, Buffer.from(stream), 7);
      res.end();
    });
    const deltas: string[] = [];
    const log = recorder();
    const result = await streamChatCompletion(request(server.url, { maxTokens: 64, temperature: 0.2 }), {
      signal: new AbortController().signal,
      onDelta: (d) => deltas.push(d),
      log,
    });
    assert.deepEqual(deltas, parts);
    assert.equal(result.text, parts.join(''));
    assert.equal(result.incomplete, false);
    assert.equal(result.finishReason, 'stop');
    assert.deepEqual(result.usage, { promptTokens: 12, completionTokens: 4 });
    assert.ok(result.ms >= 0);
    assert.deepEqual(server.bodies[0], {
      model: 'big-model',
      messages: request(server.url).messages,
      stream: true,
      stream_options: { include_usage: true },
      max_tokens: 64,
      temperature: 0.2,
    });
    assert.equal(server.headers[0].authorization, `Bearer ${KEY}`);
    assert.equal(server.headers[0]['content-type'], 'application/json');
  });

  it('logs one info line per call with sizes, status, duration and tokens, never the key or content', async () => {
    const server = await serve((_req, res) => {
      res.writeHead(200, SSE_HEADERS);
      res.end(
        chunk('ok') + chunk(null, 'stop') + `data: {"choices":[],"usage":{"prompt_tokens":9,"completion_tokens":1}}\n\ndata: [DONE]\n\n`,
      );
    });
    const log = recorder();
    await streamChatCompletion(request(server.url), { signal: new AbortController().signal, onDelta: () => undefined, log });
    const info = log.lines.filter((l) => l.startsWith('info '));
    assert.equal(info.length, 1);
    const chars = 'You summarize.'.length + 'SECRET-CONTENT of the file'.length;
    assert.match(
      info[0],
      new RegExp(
        `^info remote call: POST ${server.url.href.replace(/[.?]/g, '\\$&')} model=big-model, ${chars} chars sent \\(\\d+ bytes\\), status 200, \\d+ ms, tokens 9 in / 1 out, complete$`,
      ),
    );
    for (const line of log.lines) {
      assert.ok(!line.includes(KEY), line);
      assert.ok(!line.includes('SECRET-CONTENT'), line);
    }
  });

  it('sends no Authorization header without a key', async () => {
    const server = await serve((_req, res) => {
      res.writeHead(200, SSE_HEADERS);
      res.end(chunk('x', 'stop') + 'data: [DONE]\n\n');
    });
    await streamChatCompletion(request(server.url, { apiKey: undefined }), {
      signal: new AbortController().signal,
      onDelta: () => undefined,
      log: recorder(),
    });
    assert.equal(server.headers[0].authorization, undefined);
  });

  it('returns the text so far, incomplete, when the stream ends without [DONE] or finish_reason', async () => {
    const server = await serve((_req, res) => {
      res.writeHead(200, SSE_HEADERS);
      res.end(chunk('partial ') + chunk('answer'));
    });
    const result = await streamChatCompletion(request(server.url), {
      signal: new AbortController().signal,
      onDelta: () => undefined,
      log: recorder(),
    });
    assert.equal(result.text, 'partial answer');
    assert.equal(result.incomplete, true);
    assert.match(result.reason ?? '', /ended before the answer was complete/);
  });

  it('counts a stream with finish_reason but no [DONE] as complete', async () => {
    const server = await serve((_req, res) => {
      res.writeHead(200, SSE_HEADERS);
      res.end(chunk('all') + chunk(null, 'length'));
    });
    const result = await streamChatCompletion(request(server.url), {
      signal: new AbortController().signal,
      onDelta: () => undefined,
      log: recorder(),
    });
    assert.deepEqual([result.text, result.incomplete, result.finishReason], ['all', false, 'length']);
  });

  it('returns the text so far, incomplete, when the connection is reset mid-stream', async () => {
    const server = await serve(async (_req, res) => {
      res.writeHead(200, SSE_HEADERS);
      res.write(chunk('before the reset'));
      await new Promise((resolve) => setTimeout(resolve, 20));
      res.socket?.destroy();
    });
    const result = await streamChatCompletion(request(server.url), {
      signal: new AbortController().signal,
      onDelta: () => undefined,
      log: recorder(),
    });
    assert.equal(result.text, 'before the reset');
    assert.equal(result.incomplete, true);
    assert.match(result.reason ?? '', /connection to 127\.0\.0\.1:\d+ was lost/);
  });

  it('stops at an error object in the stream and reports its message, redacted', async () => {
    const server = await serve((_req, res) => {
      res.writeHead(200, SSE_HEADERS);
      res.end(chunk('so far') + `data: {"error":{"message":"worker crashed; key ${KEY}","type":"server_error"}}\n\n` + chunk(' never'));
    });
    const result = await streamChatCompletion(request(server.url), {
      signal: new AbortController().signal,
      onDelta: () => undefined,
      log: recorder(),
    });
    assert.equal(result.text, 'so far');
    assert.equal(result.incomplete, true);
    assert.match(result.reason ?? '', /the server reported an error: worker crashed/);
    assert.ok(!result.reason?.includes(KEY));
  });

  it('accepts a server that ignores stream: true and answers with one JSON object', async () => {
    const server = await serve((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end(
        JSON.stringify({
          object: 'chat.completion',
          choices: [{ message: { role: 'assistant', content: 'whole' }, finish_reason: 'stop' }],
          usage: { prompt_tokens: 3, completion_tokens: 1 },
        }),
      );
    });
    const deltas: string[] = [];
    const result = await streamChatCompletion(request(server.url), {
      signal: new AbortController().signal,
      onDelta: (d) => deltas.push(d),
      log: recorder(),
    });
    assert.deepEqual(deltas, ['whole']);
    assert.deepEqual([result.text, result.incomplete, result.usage?.promptTokens], ['whole', false, 3]);
  });

  describe('HTTP errors', () => {
    const cases: Array<{ name: string; status: number; body: string; key?: boolean; message: RegExp }> = [
      {
        name: '401 with a wrong key: the key was rejected, the echoed key redacted',
        status: 401,
        body: JSON.stringify({ error: { message: `Incorrect API key provided: ${KEY}`, type: 'invalid_request_error' } }),
        message: /HTTP 401 Unauthorized: the API key was rejected\..*The server said: "Incorrect API key provided: \[REDACTED:[a-z-]+\]"/,
      },
      {
        name: '401 without a key: a key is needed',
        status: 401,
        body: '{"error":"unauthorized"}',
        key: false,
        message: /HTTP 401 .*needs an API key, and none is set/,
      },
      {
        name: '404 (vLLM shape): model or endpoint not found, naming the settings',
        status: 404,
        body: JSON.stringify({ object: 'error', message: 'The model `big-model` does not exist.', code: 404 }),
        message:
          /HTTP 404 Not Found: the model "big-model" or the endpoint http:\/\/127\.0\.0\.1:\d+\/v1\/chat\/completions was not found\. Check slmAssist\.fallback\.model and slmAssist\.fallback\.endpoint\. The server said: "The model `big-model` does not exist\."/,
      },
      { name: '404 (FastAPI shape)', status: 404, body: '{"detail":"Not Found"}', message: /was not found.*"Not Found"/ },
      {
        name: '429: rate limited',
        status: 429,
        body: '{"error":{"message":"Rate limit reached"}}',
        message: /HTTP 429 .*too many requests.*Rate limit reached/,
      },
      {
        name: '400: the request was rejected (context too long)',
        status: 400,
        body: '{"error":{"message":"maximum context length is 8192 tokens"}}',
        message: /HTTP 400 .*rejected the request.*maximum context length/,
      },
      {
        name: '500 with an HTML page: no page in the message',
        status: 500,
        body: '<html><body>Internal Server Error</body></html>',
        message: /HTTP 500 Internal Server Error: the server failed\.$/,
      },
      {
        name: '503 with a plain text body',
        status: 503,
        body: 'Service Unavailable',
        message: /HTTP 503 .*the server failed\. The server said: "Service Unavailable"/,
      },
    ];
    for (const c of cases) {
      it(c.name, async () => {
        const server = await serve((_req, res) => {
          res.writeHead(c.status, { 'Content-Type': c.body.startsWith('<') ? 'text/html' : 'application/json' });
          res.end(c.body);
        });
        const log = recorder();
        const error = await streamChatCompletion(request(server.url, c.key === false ? { apiKey: undefined } : {}), {
          signal: new AbortController().signal,
          onDelta: () => assert.fail('no delta expected'),
          log,
        }).then(
          () => assert.fail('expected an error'),
          (e: unknown) => e,
        );
        assert.ok(error instanceof RemoteError);
        assert.equal(error.status, c.status);
        assert.equal(error.kind, 'http');
        assert.match(error.message, c.message);
        assert.ok(!error.message.includes(KEY));
        assert.match(log.lines.join('\n'), new RegExp(`status ${c.status}, \\d+ ms, tokens unknown, failed \\(http\\)`));
      });
    }
  });

  it('does not follow a redirect, and says where it pointed', async () => {
    const server = await serve((_req, res) => {
      res.writeHead(307, { Location: 'https://elsewhere.example/v1/chat/completions?sig=abc' });
      res.end();
    });
    const error = await streamChatCompletion(request(server.url), {
      signal: new AbortController().signal,
      onDelta: () => undefined,
      log: recorder(),
    }).catch((e: unknown) => e);
    assert.ok(error instanceof RemoteError);
    assert.equal(error.status, 307);
    assert.match(
      error.message,
      /HTTP 307 with a redirect to https:\/\/elsewhere\.example\/v1\/chat\/completions\. Redirects are not followed/,
    );
    assert.ok(!error.message.includes('sig=abc'));
    assert.equal(server.bodies.length, 1);
  });

  it('retries without stream_options when the server rejects it', async () => {
    const server = await serve((_req, res, raw) => {
      if (raw.includes('stream_options')) {
        res.writeHead(400, { 'Content-Type': 'application/json' });
        return void res.end('{"error":{"message":"Unrecognized request argument supplied: stream_options"}}');
      }
      res.writeHead(200, SSE_HEADERS);
      res.end(chunk('fine', 'stop') + 'data: [DONE]\n\n');
    });
    const log = recorder();
    const result = await streamChatCompletion(request(server.url), { signal: new AbortController().signal, onDelta: () => undefined, log });
    assert.equal(result.text, 'fine');
    assert.equal(server.bodies.length, 2);
    assert.equal((server.bodies[1] as Record<string, unknown>).stream_options, undefined);
    assert.equal(log.lines.filter((l) => l.startsWith('info remote call: POST')).length, 2);
  });

  it('times out when the server accepts the connection but never answers', async () => {
    const server = await serve(() => undefined);
    const started = performance.now();
    const error = await streamChatCompletion(request(server.url), {
      signal: new AbortController().signal,
      onDelta: () => undefined,
      log: recorder(),
      timeoutMs: 300,
    }).catch((e: unknown) => e);
    assert.ok(error instanceof RemoteError);
    assert.equal(error.kind, 'timeout');
    assert.match(error.message, /127\.0\.0\.1:\d+ did not answer within 300 ms/);
    assert.ok(performance.now() - started < 5000);
  });

  it('returns incomplete when the stream stalls longer than the timeout', async () => {
    const server = await serve((_req, res) => {
      res.writeHead(200, SSE_HEADERS);
      res.write(chunk('stalled here'));
    });
    const result = await streamChatCompletion(request(server.url), {
      signal: new AbortController().signal,
      onDelta: () => undefined,
      log: recorder(),
      timeoutMs: 300,
    });
    assert.equal(result.text, 'stalled here');
    assert.equal(result.incomplete, true);
    assert.match(result.reason ?? '', /sent nothing for 300 ms/);
  });

  it('throws AbortedError when cancelled before the answer, during the stream, or already', async () => {
    const slow = await serve(() => undefined);
    const early = new AbortController();
    setTimeout(() => early.abort(), 50);
    await assert.rejects(
      streamChatCompletion(request(slow.url), { signal: early.signal, onDelta: () => undefined, log: recorder() }),
      AbortedError,
    );

    const streaming = await serve((_req, res) => {
      res.writeHead(200, SSE_HEADERS);
      res.write(chunk('first'));
    });
    const mid = new AbortController();
    const log = recorder();
    await assert.rejects(
      streamChatCompletion(request(streaming.url), { signal: mid.signal, onDelta: () => mid.abort(), log }),
      AbortedError,
    );
    await streaming.closed; // the server sees the connection closed
    assert.match(log.lines.join('\n'), /status 200, \d+ ms, tokens unknown, cancelled/);

    const done = new AbortController();
    done.abort();
    await assert.rejects(
      streamChatCompletion(request(streaming.url), { signal: done.signal, onDelta: () => undefined, log: recorder() }),
      AbortedError,
    );
    assert.equal(streaming.bodies.length, 1);
  });

  it('lets an exception from onDelta through and closes the connection', async () => {
    const server = await serve((_req, res) => {
      res.writeHead(200, SSE_HEADERS);
      res.write(chunk('x'));
    });
    await assert.rejects(
      streamChatCompletion(request(server.url), {
        signal: new AbortController().signal,
        onDelta: () => {
          throw new Error('consumer failed');
        },
        log: recorder(),
      }),
      /consumer failed/,
    );
    await server.closed;
  });

  it('names the host when the connection is refused', async () => {
    const server = await serve(() => undefined);
    const url = server.url;
    await new Promise((resolve) => server.server.close(resolve));
    const error = await streamChatCompletion(request(url), {
      signal: new AbortController().signal,
      onDelta: () => undefined,
      log: recorder(),
    }).catch((e: unknown) => e);
    assert.ok(error instanceof RemoteError);
    assert.equal(error.kind, 'network');
    assert.match(
      error.message,
      new RegExp(`Could not reach the fallback server ${url.host.replace(/\./g, '\\.')}: the connection was refused`),
    );
  });
});
