import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { basename } from 'node:path';
import type { Llama, LlamaContextSequence, LlamaModel, Token } from 'node-llama-cpp';

/**
 * A real OpenAI-compatible HTTP server for tests, on 127.0.0.1 and a free port, answering with
 * a real model run by node-llama-cpp (greedy when `temperature` is 0 or absent):
 *
 * - `POST /v1/chat/completions`: `stream: true` gives SSE `chat.completion.chunk`s (a role chunk,
 *   one chunk per piece of text, a chunk with `finish_reason`, a usage chunk when
 *   `stream_options.include_usage`, then `data: [DONE]`); otherwise one `chat.completion` JSON.
 *   The prompt is the messages in ChatML. As llama.cpp's server does, a last message from the
 *   assistant is continued rather than answered (a "prefill"), which is how a test gets a known
 *   answer from the known-output model: `assistant: 'function add(a, b) {'` → `'\n  return a + b;\n}'`.
 * - `GET /v1/models`: the one model, named after the file (`known-g1` for `known-g1.gguf`).
 *
 * Errors are OpenAI-shaped JSON: 401 for a wrong key, 404 for another model name, 400 for a bad
 * body or a prompt longer than the context.
 */
export interface OpenAiServerOptions {
  modelPath: string;
  /** Destroys the socket after this many content chunks (a server that dies mid-stream). */
  dieAfterChunks?: number;
  /** Requests without `Authorization: Bearer <requireApiKey>` get 401. */
  requireApiKey?: string;
  /** Waits this long before each content chunk (a slow server, to cancel mid-stream). */
  chunkDelayMs?: number;
  /** Context size in tokens (default 2048). */
  contextSize?: number;
}

/** How a request ended, from the server's side. */
export type RequestOutcome =
  /** The answer was sent to the end. */
  | 'completed'
  /** The client closed the connection before the end. */
  | 'clientClosed'
  /** `dieAfterChunks` destroyed the socket. */
  | 'killed'
  /** Answered with an error status. */
  | 'rejected';

export interface RecordedRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  /** The parsed JSON body (undefined when it was not JSON), as it arrived "on the wire". */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- tests read arbitrary fields of what arrived.
  body: any;
  /** Resolves when the response ends: how, and how many content chunks were sent. */
  done: Promise<{ outcome: RequestOutcome; chunks: number }>;
}

export interface OpenAiTestServer {
  /** Base URL ending in `/v1`, e.g. `http://127.0.0.1:40123/v1`. */
  url: string;
  /** The model name the server answers to. */
  model: string;
  requests: RecordedRequest[];
  /** TCP connections accepted so far. */
  readonly connections: number;
  close(): Promise<void>;
}

interface ChatBody {
  model?: unknown;
  messages?: unknown;
  stream?: unknown;
  stream_options?: { include_usage?: unknown };
  max_tokens?: unknown;
  temperature?: unknown;
}

interface Message {
  role: string;
  content: string;
}

let llamaPromise: Promise<Llama> | undefined;

/** The one llama.cpp instance of the test process (the test servers share it). */
export function loadLlama(): Promise<Llama> {
  llamaPromise ??= import('node-llama-cpp').then(({ getLlama, LlamaLogLevel }) =>
    getLlama({ gpu: false, build: 'never', logLevel: LlamaLogLevel.error }),
  );
  return llamaPromise;
}

export async function startOpenAiServer(options: OpenAiServerOptions): Promise<OpenAiTestServer> {
  const llama = await loadLlama();
  const model = await llama.loadModel({ modelPath: options.modelPath });
  // One thread: with two, tiny models spin-wait and run hundreds of times slower.
  const context = await model.createContext({ contextSize: options.contextSize ?? 2048, threads: 1 });
  const engine = new Engine(model, context.getSequence());
  const modelName = basename(options.modelPath).replace(/\.gguf$/i, '');
  const requests: RecordedRequest[] = [];
  const sockets = new Set<Socket>();
  let connections = 0;

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
    let settle!: (value: { outcome: RequestOutcome; chunks: number }) => void;
    const done = new Promise<{ outcome: RequestOutcome; chunks: number }>((resolve) => (settle = resolve));
    requests.push({ method: req.method ?? '', path: req.url ?? '', headers: req.headers, body, done });
    const reply = new Reply(res, settle);

    const path = (req.url ?? '').split('?')[0];
    if (options.requireApiKey !== undefined && req.headers.authorization !== `Bearer ${options.requireApiKey}`) {
      return reply.error(401, 'Incorrect API key provided.', 'invalid_request_error', 'invalid_api_key');
    }
    if (req.method === 'GET' && path === '/v1/models') {
      return reply.json(200, { object: 'list', data: [{ id: modelName, object: 'model', created: 0, owned_by: 'slm-assist-tests' }] });
    }
    if (req.method !== 'POST' || path !== '/v1/chat/completions') {
      return reply.error(404, `No route for ${req.method} ${path}.`, 'invalid_request_error', 'not_found');
    }
    const chat = body as ChatBody | undefined;
    const messages = parseMessages(chat?.messages);
    if (!chat || !messages)
      return reply.error(400, 'The body must be JSON with a "messages" array of {role, content}.', 'invalid_request_error');
    if (chat.model !== modelName) {
      return reply.error(404, `The model \`${String(chat.model)}\` does not exist.`, 'invalid_request_error', 'model_not_found');
    }
    const maxTokens = typeof chat.max_tokens === 'number' ? chat.max_tokens : 256;
    const temperature = typeof chat.temperature === 'number' ? chat.temperature : 0;
    const prompt = engine.prompt(messages);
    if (prompt.length + maxTokens > context.contextSize) {
      return reply.error(
        400,
        `This model's maximum context length is ${context.contextSize} tokens. However, you requested ${prompt.length + maxTokens} tokens (${prompt.length} in the messages, ${maxTokens} in the completion).`,
        'invalid_request_error',
        'context_length_exceeded',
      );
    }
    const stream = chat.stream === true;
    const id = `chatcmpl-${Math.random().toString(36).slice(2)}`;
    const base = { id, created: Math.floor(Date.now() / 1000), model: modelName };
    const closed = new AbortController();
    res.on('close', () => closed.abort());

    if (!stream) {
      const result = await engine.run(prompt, { maxTokens, temperature, signal: closed.signal, onText: () => undefined });
      return reply.json(200, {
        ...base,
        object: 'chat.completion',
        choices: [{ index: 0, message: { role: 'assistant', content: result.text }, finish_reason: result.finishReason }],
        usage: usage(prompt.length, result.tokens),
      });
    }

    res.writeHead(200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-cache', Connection: 'keep-alive' });
    const send = (payload: unknown, then?: () => void): void => void res.write(`data: ${JSON.stringify(payload)}\n\n`, then);
    const chunk = (delta: object, finishReason: string | null): object => ({
      ...base,
      object: 'chat.completion.chunk',
      choices: [{ index: 0, delta, finish_reason: finishReason }],
    });
    send(chunk({ role: 'assistant', content: '' }, null));
    const result = await engine.run(prompt, {
      maxTokens,
      temperature,
      signal: closed.signal,
      delayMs: options.chunkDelayMs,
      onText: (text) => {
        if (closed.signal.aborted) return;
        reply.chunks++;
        if (options.dieAfterChunks !== undefined && reply.chunks >= options.dieAfterChunks) {
          // Stop generating now; cut the connection once this chunk has left.
          reply.killed = true;
          closed.abort();
          send(chunk({ content: text }, null), () => reply.kill());
        } else {
          send(chunk({ content: text }, null));
        }
      },
    });
    if (closed.signal.aborted) return reply.finish(reply.killed ? 'killed' : 'clientClosed');
    send(chunk({}, result.finishReason));
    if (chat.stream_options?.include_usage === true)
      send({ ...base, object: 'chat.completion.chunk', choices: [], usage: usage(prompt.length, result.tokens) });
    res.end('data: [DONE]\n\n');
    reply.finish('completed');
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/v1`,
    model: modelName,
    requests,
    get connections() {
      return connections;
    },
    async close() {
      const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const socket of sockets) socket.destroy();
      await stopped;
      await engine.idle();
      await context.dispose();
      await model.dispose();
    },
  };
}

/** Sends one response and settles the request's `done` once. */
class Reply {
  chunks = 0;
  killed = false;
  private settled = false;

  constructor(
    private readonly res: ServerResponse,
    private readonly settle: (value: { outcome: RequestOutcome; chunks: number }) => void,
  ) {
    res.on('close', () => this.finish(res.writableFinished ? 'completed' : 'clientClosed'));
  }

  json(status: number, value: unknown): void {
    this.res.writeHead(status, { 'Content-Type': 'application/json' });
    this.res.end(JSON.stringify(value));
    this.finish(status < 400 ? 'completed' : 'rejected');
  }

  error(status: number, message: string, type: string, code: string | null = null): void {
    this.json(status, { error: { message, type, param: null, code } });
  }

  kill(): void {
    this.killed = true;
    this.finish('killed');
    this.res.socket?.destroy();
  }

  finish(outcome: RequestOutcome): void {
    if (this.settled) return;
    this.settled = true;
    this.settle({ outcome, chunks: this.chunks });
  }
}

function sendError(res: ServerResponse, status: number, message: string, type: string): void {
  res.writeHead(status, { 'Content-Type': 'application/json' });
  res.end(JSON.stringify({ error: { message, type, param: null, code: null } }));
}

function usage(prompt: number, completion: number): object {
  return { prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion };
}

function parseMessages(value: unknown): Message[] | undefined {
  if (!Array.isArray(value) || value.length === 0) return undefined;
  const messages: Message[] = [];
  for (const item of value) {
    const { role, content } = (item ?? {}) as { role?: unknown; content?: unknown };
    if (typeof role !== 'string' || !['system', 'user', 'assistant'].includes(role) || typeof content !== 'string') return undefined;
    messages.push({ role, content });
  }
  return messages;
}

export function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

interface RunOptions {
  maxTokens: number;
  temperature: number;
  signal: AbortSignal;
  delayMs?: number;
  /** Each new piece of text (held back while it ends in half a UTF-8 character). */
  onText: (text: string) => void;
}

/** The model and its one context sequence; generations take turns. */
class Engine {
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly model: LlamaModel,
    private readonly sequence: LlamaContextSequence,
  ) {}

  /** The ChatML prompt; a final assistant message is left open to be continued. */
  prompt(messages: Message[]): Token[] {
    const special = (text: string): Token[] => this.model.tokenize(text, true);
    const tokens: Token[] = [];
    messages.forEach((message, index) => {
      const last = index === messages.length - 1;
      tokens.push(...special('<|im_start|>'), ...this.model.tokenize(`${message.role}\n${message.content}`));
      if (!(last && message.role === 'assistant')) tokens.push(...special('<|im_end|>'), ...this.model.tokenize('\n'));
    });
    if (messages[messages.length - 1].role !== 'assistant') tokens.push(...special('<|im_start|>'), ...this.model.tokenize('assistant\n'));
    return tokens;
  }

  run(prompt: Token[], options: RunOptions): Promise<{ text: string; tokens: number; finishReason: 'stop' | 'length' }> {
    const job = this.queue.then(() => this.generate(prompt, options));
    this.queue = job.catch(() => undefined);
    return job;
  }

  idle(): Promise<unknown> {
    return this.queue;
  }

  private async generate(prompt: Token[], options: RunOptions): Promise<{ text: string; tokens: number; finishReason: 'stop' | 'length' }> {
    await this.sequence.clearHistory();
    const generated: Token[] = [];
    let sent = '';
    if (options.maxTokens <= 0 || options.signal.aborted) return { text: '', tokens: 0, finishReason: 'length' };
    // The generator ends by itself at an end-of-generation token.
    for await (const token of this.sequence.evaluate(prompt, { temperature: options.temperature })) {
      if (options.signal.aborted || this.model.isEogToken(token)) break;
      generated.push(token);
      const text = this.model.detokenize(generated);
      if (!text.endsWith('\uFFFD') && text.length > sent.length) {
        if (options.delayMs) await sleep(options.delayMs, options.signal);
        if (options.signal.aborted) break;
        options.onText(text.slice(sent.length));
        sent = text;
      }
      if (generated.length >= options.maxTokens) break;
    }
    return { text: sent, tokens: generated.length, finishReason: generated.length >= options.maxTokens ? 'length' : 'stop' };
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
    function done(): void {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
  });
}
