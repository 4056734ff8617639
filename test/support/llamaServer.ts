import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { basename } from 'node:path';
import type { LlamaModel, Token } from 'node-llama-cpp';
import { loadLlama, readBody } from './openaiServer';

/**
 * A team inference server for tests, on 127.0.0.1 and a free port, answering in the response
 * formats of llama.cpp's `llama-server` and of the OpenAI completions API (vLLM, Ollama) with a
 * real model run by node-llama-cpp, greedily:
 *
 * - `POST /completion` (llama-server): `{ prompt, n_predict, stop, cache_prompt, ... }` → `{ content,
 *   tokens_predicted, tokens_evaluated, stop_type: "eos" | "limit" | "word", stopping_word,
 *   timings: { prompt_n, prompt_ms, predicted_n, predicted_ms }, ... }`. The prompt string is
 *   tokenized with special tokens parsed, as llama-server does, and `timings.prompt_n` counts the
 *   tokens after the longest prefix shared with the previous prompt when `cache_prompt` is true.
 * - `POST /v1/completions` (OpenAI): `{ model, prompt, max_tokens, stop }` → `{ choices: [{ text,
 *   finish_reason }], usage }`; another model name gets 404.
 * - `GET /health`: `{ "status": "ok" }`.
 *
 * Errors are llama-server-shaped: `{ error: { code, message, type } }`.
 */
export interface LlamaServerOptions {
  modelPath: string;
  /** Waits this long before answering each request (a slow or far-away server). */
  delayMs?: number;
  /** Answers every request with this HTTP status and an error body (a failing server). */
  failWith?: number;
  /** Requests without `Authorization: Bearer <requireApiKey>` get 401. */
  requireApiKey?: string;
}

export interface TeamRecordedRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- tests read arbitrary fields of what arrived.
  body: any;
  /** The prompt as the server's model tokenized it (special tokens parsed). */
  tokens?: Token[];
}

export interface LlamaTestServer {
  /** Base URL, e.g. `http://127.0.0.1:40123`. */
  url: string;
  /** The model name `/v1/completions` answers to: the file name without `.gguf`. */
  model: string;
  /** The server's model, to read tokens with. */
  llamaModel: LlamaModel;
  requests: TeamRecordedRequest[];
  readonly connections: number;
  /** Changes `delayMs` and `failWith` for the following requests. */
  set(options: Pick<LlamaServerOptions, 'delayMs' | 'failWith'>): void;
  close(): Promise<void>;
}

interface Generated {
  text: string;
  tokens: number;
  stop: 'eos' | 'limit' | 'word';
  word: string;
}

export async function startLlamaServer(options: LlamaServerOptions): Promise<LlamaTestServer> {
  const llama = await loadLlama();
  const model = await llama.loadModel({ modelPath: options.modelPath });
  const context = await model.createContext({ contextSize: 2048, threads: 1 });
  const sequence = context.getSequence();
  const modelName = basename(options.modelPath).replace(/\.gguf$/i, '');
  const requests: TeamRecordedRequest[] = [];
  const sockets = new Set<Socket>();
  let connections = 0;
  let previous: Token[] = [];
  let queue: Promise<unknown> = Promise.resolve();
  const behaviour = { delayMs: options.delayMs ?? 0, failWith: options.failWith };

  const server = createServer((req, res) => {
    void handle(req, res).catch((error: unknown) => {
      if (!res.headersSent) sendError(res, 500, String(error), 'server_error');
      else res.destroy();
    });
  });
  server.on('connection', (socket: Socket) => {
    connections++;
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const raw = await readBody(req);
    let body: unknown;
    try {
      body = raw ? JSON.parse(raw) : undefined;
    } catch {
      body = undefined;
    }
    const path = (req.url ?? '').split('?')[0];
    const record: TeamRecordedRequest = { method: req.method ?? '', path, headers: req.headers, body };
    requests.push(record);
    if (behaviour.delayMs) {
      const closed = new Promise<void>((resolve) => res.once('close', resolve));
      await Promise.race([new Promise((resolve) => setTimeout(resolve, behaviour.delayMs)), closed]);
      if (res.destroyed || res.writableEnded) return;
    }
    if (behaviour.failWith) return sendError(res, behaviour.failWith, 'the test server is set to fail', 'server_error');
    if (options.requireApiKey !== undefined && req.headers.authorization !== `Bearer ${options.requireApiKey}`) {
      return sendError(res, 401, 'Invalid API Key', 'authentication_error');
    }
    if (req.method === 'GET' && path === '/health') return sendJson(res, 200, { status: 'ok' });
    const request = body as {
      prompt?: unknown;
      n_predict?: unknown;
      max_tokens?: unknown;
      stop?: unknown;
      model?: unknown;
      cache_prompt?: unknown;
    };
    if (req.method !== 'POST' || (path !== '/completion' && path !== '/v1/completions')) {
      return sendError(res, 404, `File Not Found: ${path}`, 'not_found_error');
    }
    if (!request || typeof request.prompt !== 'string') return sendError(res, 400, '"prompt" must be a string', 'invalid_request_error');
    if (path === '/v1/completions' && request.model !== modelName) {
      return sendError(res, 404, `model "${String(request.model)}" not found`, 'not_found_error');
    }
    const tokens = model.tokenize(request.prompt, true);
    record.tokens = tokens;
    const limit = Number(path === '/completion' ? (request.n_predict ?? -1) : (request.max_tokens ?? 16));
    const stop = Array.isArray(request.stop) ? request.stop.filter((s): s is string => typeof s === 'string') : [];
    const started = performance.now();
    const job = queue.then(() => generate(tokens, limit < 0 ? 256 : limit, stop));
    queue = job.catch(() => undefined);
    const out = await job;
    const ms = performance.now() - started;
    const cached = request.cache_prompt === true ? commonPrefix(previous, tokens) : 0;
    previous = tokens;
    if (path === '/completion') {
      return sendJson(res, 200, {
        content: out.text,
        model: modelName,
        tokens_predicted: out.tokens,
        tokens_evaluated: tokens.length,
        tokens_cached: cached,
        stop: true,
        stop_type: out.stop,
        stopping_word: out.word,
        truncated: false,
        timings: { prompt_n: tokens.length - cached, prompt_ms: ms / 2, predicted_n: out.tokens, predicted_ms: ms / 2 },
      });
    }
    return sendJson(res, 200, {
      id: `cmpl-${requests.length}`,
      object: 'text_completion',
      created: Math.floor(Date.now() / 1000),
      model: modelName,
      choices: [{ index: 0, text: out.text, finish_reason: out.stop === 'limit' ? 'length' : 'stop', logprobs: null }],
      usage: { prompt_tokens: tokens.length, completion_tokens: out.tokens, total_tokens: tokens.length + out.tokens },
    });
  }

  async function generate(prompt: Token[], maxTokens: number, stop: string[]): Promise<Generated> {
    await sequence.clearHistory();
    const generated: Token[] = [];
    if (maxTokens === 0) return { text: '', tokens: 0, stop: 'limit', word: '' };
    for await (const token of sequence.evaluate(prompt, { temperature: 0 })) {
      if (model.isEogToken(token)) return { text: model.detokenize(generated), tokens: generated.length, stop: 'eos', word: '' };
      generated.push(token);
      const text = model.detokenize(generated);
      const word = stop.find((s) => text.includes(s));
      if (word !== undefined) return { text: text.slice(0, text.indexOf(word)), tokens: generated.length, stop: 'word', word };
      if (generated.length >= maxTokens) return { text, tokens: generated.length, stop: 'limit', word: '' };
    }
    return { text: model.detokenize(generated), tokens: generated.length, stop: 'eos', word: '' };
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    model: modelName,
    llamaModel: model,
    requests,
    get connections() {
      return connections;
    },
    set(next) {
      Object.assign(behaviour, next);
    },
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await queue;
      await context.dispose();
      await model.dispose();
    },
  };
}

function commonPrefix(a: readonly Token[], b: readonly Token[]): number {
  let n = 0;
  while (n < a.length && n < b.length && a[n] === b[n]) n++;
  return n;
}

function sendJson(res: ServerResponse, status: number, value: unknown): void {
  const text = JSON.stringify(value);
  res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}

function sendError(res: ServerResponse, status: number, message: string, type: string): void {
  sendJson(res, status, { error: { code: status, message, type } });
}
