import type { Logger } from '../log';
import { AbortedError, throwIfAborted } from '../util/abort';
import { httpError, networkError, pickMessage, redirectError, RemoteError, serverMessage, type CallTarget } from './remoteErrors';
import { SseParser, type SseEvent } from './sse';

export { RemoteError, type RemoteErrorKind } from './remoteErrors';

/** One message of an OpenAI-style chat. */
export interface ChatMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

/** What to ask. `url` is the chat completions URL (`checkEndpoint(...).url`). */
export interface ChatCompletionRequest {
  url: URL;
  model: string;
  /** Sent as `Authorization: Bearer <key>` (and `api-key` for Azure hosts); never logged. */
  apiKey?: string;
  messages: ChatMessage[];
  maxTokens?: number;
  temperature?: number;
}

export interface StreamOptions {
  /** Cancels the call: it then rejects with {@link AbortedError} and the connection is closed. */
  signal: AbortSignal;
  /** Each piece of the answer as it arrives, in order; together they are the final `text`. */
  onDelta: (text: string) => void;
  log: Logger;
  /**
   * The longest wait, in ms, for the server to answer (connection and response headers) and,
   * once streaming, for each next piece of the stream. Default {@link DEFAULT_TIMEOUT_MS}.
   */
  timeoutMs?: number;
}

export interface ChatCompletionResult {
  /** The answer, all deltas joined. */
  text: string;
  /**
   * The stream stopped before the server said it was done (no `[DONE]` and no `finish_reason`):
   * the connection was lost, the server reported an error mid-stream, or it stalled. `text` is
   * what arrived before that.
   */
  incomplete: boolean;
  /** Why the answer is incomplete. */
  reason?: string;
  /** The server's `finish_reason` (`stop`; `length` when `maxTokens` cut the answer). */
  finishReason?: string;
  /** Token counts, when the server reports them (`stream_options.include_usage`). */
  usage?: { promptTokens: number; completionTokens: number };
  /** Milliseconds from the call to the end of the answer. */
  ms: number;
}

export const DEFAULT_TIMEOUT_MS = 60_000;
/** Error bodies are read up to this many bytes. */
const MAX_ERROR_BODY = 64 * 1024;

/** Azure OpenAI takes the key in `api-key`; its v1 API also accepts the Bearer header. */
const AZURE_HOST = /\.(?:openai\.azure\.com|cognitiveservices\.azure\.com|services\.ai\.azure\.com)$/i;

/**
 * POSTs an OpenAI-compatible `/chat/completions` request with `stream: true` and streams the
 * answer through `onDelta`. Failures before the answer starts throw a {@link RemoteError} whose
 * message names the host and what to fix; failures after it started (connection reset, a stream
 * that ends early or stalls, an error event) return the text so far with `incomplete: true`.
 * Every HTTP request is logged at info level with its sizes, status, duration and token counts,
 * never its content or the key.
 */
export async function streamChatCompletion(request: ChatCompletionRequest, options: StreamOptions): Promise<ChatCompletionResult> {
  throwIfAborted(options.signal);
  const started = performance.now();
  try {
    return await attempt(request, options, true);
  } catch (error) {
    // Some servers (older Azure API versions, older local servers) reject `stream_options`.
    if (error instanceof RemoteError && (error.status === 400 || error.status === 422) && /stream_options/i.test(error.message)) {
      options.log.info('remote call: the server does not accept stream_options; retrying without it (no token counts).');
      return { ...(await attempt(request, options, false)), ms: Math.round(performance.now() - started) };
    }
    throw error;
  }
}

/** The state of one HTTP request, for the log line written when it ends. */
interface CallRecord {
  status?: number;
  outcome: string;
  usage?: ChatCompletionResult['usage'];
}

async function attempt(request: ChatCompletionRequest, options: StreamOptions, streamOptions: boolean): Promise<ChatCompletionResult> {
  throwIfAborted(options.signal);
  const started = performance.now();
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const target: CallTarget = { url: request.url, model: request.model, hasKey: Boolean(request.apiKey) };
  const record: CallRecord = { outcome: 'failed' };
  const controller = new AbortController();
  const onAbort = (): void => controller.abort();
  options.signal.addEventListener('abort', onAbort, { once: true });
  let timedOut = false;
  let timer: NodeJS.Timeout | undefined;
  /** (Re)starts the wait limit; when it passes, the request is aborted. */
  const arm = (): void => {
    clearTimeout(timer);
    timer = setTimeout(() => {
      timedOut = true;
      controller.abort();
    }, timeoutMs);
  };
  const body = JSON.stringify({
    model: request.model,
    messages: request.messages,
    stream: true,
    ...(streamOptions ? { stream_options: { include_usage: true } } : {}),
    ...(request.maxTokens !== undefined ? { max_tokens: request.maxTokens } : {}),
    ...(request.temperature !== undefined ? { temperature: request.temperature } : {}),
  });
  try {
    let response: Response;
    try {
      arm();
      // Redirects are not followed: the user's code would go to an address they did not set.
      response = await fetch(request.url, {
        method: 'POST',
        headers: headers(request),
        body,
        signal: controller.signal,
        redirect: 'manual',
      });
    } catch (error) {
      if (options.signal.aborted) throw new AbortedError();
      if (timedOut)
        throw new RemoteError(`The fallback server ${request.url.host} did not answer within ${seconds(timeoutMs)}.`, 'timeout');
      throw networkError(error, target);
    }
    record.status = response.status;
    arm();
    if (response.status >= 300 && response.status < 400) throw redirectError(response, target);
    if (!response.ok) {
      const text = await readLimited(response, MAX_ERROR_BODY).catch(() => '');
      throw httpError(response.status, response.statusText, text, target, request.apiKey);
    }
    const result = (response.headers.get('content-type') ?? '').includes('application/json')
      ? await readJson(response, request, options)
      : await readStream(response, request, options, arm, () => timedOut);
    record.usage = result.usage;
    record.outcome = result.incomplete ? `incomplete: ${result.reason}` : 'complete';
    return { ...result, ms: Math.round(performance.now() - started) };
  } catch (error) {
    if (options.signal.aborted || error instanceof AbortedError) {
      record.outcome = 'cancelled';
      throw new AbortedError();
    }
    record.outcome = error instanceof RemoteError ? `failed (${error.kind})` : 'failed';
    throw error;
  } finally {
    clearTimeout(timer);
    options.signal.removeEventListener('abort', onAbort);
    // Closes the connection if the answer was not read to the end.
    controller.abort();
    options.log.info(logLine(request, Buffer.byteLength(body), record, performance.now() - started));
  }
}

function headers(request: ChatCompletionRequest): Record<string, string> {
  const result: Record<string, string> = { 'Content-Type': 'application/json', Accept: 'text/event-stream, application/json' };
  if (request.apiKey) {
    result.Authorization = `Bearer ${request.apiKey}`;
    if (AZURE_HOST.test(request.url.hostname)) result['api-key'] = request.apiKey;
  }
  return result;
}

/**
 * `remote call: POST https://host/v1/chat/completions model=M, 12345 chars sent (12400 bytes),
 * status 200, 2345 ms, tokens 3000 in / 250 out, complete`. The query string is left out.
 */
function logLine(request: ChatCompletionRequest, bytes: number, record: CallRecord, ms: number): string {
  const chars = request.messages.reduce((n, m) => n + m.content.length, 0);
  const url = `${request.url.origin}${request.url.pathname}`;
  const status = record.status === undefined ? 'no response' : `status ${record.status}`;
  const tokens = record.usage ? `tokens ${record.usage.promptTokens} in / ${record.usage.completionTokens} out` : 'tokens unknown';
  return `remote call: POST ${url} model=${request.model}, ${chars} chars sent (${bytes} bytes), ${status}, ${Math.round(ms)} ms, ${tokens}, ${record.outcome}`;
}

/** What the stream said so far. */
interface StreamState {
  text: string;
  done: boolean;
  finishReason?: string;
  usage?: ChatCompletionResult['usage'];
  error?: string;
}

async function readStream(
  response: Response,
  request: ChatCompletionRequest,
  options: StreamOptions,
  arm: () => void,
  timedOut: () => boolean,
): Promise<Omit<ChatCompletionResult, 'ms'>> {
  const state: StreamState = { text: '', done: false };
  const parser = new SseParser();
  const decoder = new TextDecoder();
  const reader = response.body?.getReader();
  let lost: string | undefined;
  const take = (events: SseEvent[]): void => {
    for (const event of events) {
      if (state.done || state.error !== undefined) return;
      handleEvent(event, state, options.onDelta, request.apiKey);
    }
  };
  if (reader) {
    for (;;) {
      arm();
      let chunk: Awaited<ReturnType<typeof reader.read>>;
      try {
        chunk = await reader.read();
      } catch (error) {
        if (options.signal.aborted) throw new AbortedError();
        lost = timedOut()
          ? `${request.url.host} sent nothing for ${seconds(options.timeoutMs ?? DEFAULT_TIMEOUT_MS)}`
          : `the connection to ${request.url.host} was lost (${describe(error)})`;
        break;
      }
      if (chunk.done) break;
      take(parser.push(decoder.decode(chunk.value, { stream: true })));
      if (state.done || state.error !== undefined) break;
    }
    if (!state.done && state.error === undefined) take([...parser.push(decoder.decode()), ...parser.end()]);
    reader.cancel().catch(() => undefined);
  }
  throwIfAborted(options.signal);
  const finished = state.done || state.finishReason !== undefined;
  let reason: string | undefined;
  if (state.error !== undefined) reason = `the server reported an error: ${state.error}`;
  else if (!finished) reason = lost ?? `the stream from ${request.url.host} ended before the answer was complete`;
  return {
    text: state.text,
    incomplete: reason !== undefined,
    ...(reason !== undefined ? { reason } : {}),
    ...(state.finishReason !== undefined ? { finishReason: state.finishReason } : {}),
    ...(state.usage ? { usage: state.usage } : {}),
  };
}

/** Applies one SSE event: `[DONE]`, an error object, or a `chat.completion.chunk`. */
function handleEvent(event: SseEvent, state: StreamState, onDelta: (text: string) => void, apiKey?: string): void {
  const data = event.data.trim();
  if (data === '[DONE]') {
    state.done = true;
    return;
  }
  if (data === '') return;
  let chunk: unknown;
  try {
    chunk = JSON.parse(data);
  } catch {
    if (event.event === 'error') state.error = serverMessage(data, apiKey) || 'unknown error';
    return; // A line that is not JSON: a keep-alive some servers send as data.
  }
  if (event.event === 'error' || (typeof chunk === 'object' && chunk !== null && (chunk as { error?: unknown }).error != null)) {
    state.error = serverMessage(pickMessage(chunk) ?? data, apiKey) || 'unknown error';
    return;
  }
  const parsed = chunk as { choices?: Array<{ delta?: { content?: unknown }; finish_reason?: unknown }>; usage?: unknown };
  const choice = Array.isArray(parsed.choices) ? parsed.choices[0] : undefined;
  const content = choice?.delta?.content;
  if (typeof content === 'string' && content.length > 0) {
    state.text += content;
    onDelta(content);
  }
  if (typeof choice?.finish_reason === 'string') state.finishReason = choice.finish_reason;
  const usage = usageOf(parsed.usage);
  if (usage) state.usage = usage;
}

/** A server that ignored `stream: true` and answered with one `chat.completion` object. */
async function readJson(
  response: Response,
  request: ChatCompletionRequest,
  options: StreamOptions,
): Promise<Omit<ChatCompletionResult, 'ms'>> {
  let value: unknown;
  try {
    value = await response.json();
  } catch (error) {
    if (options.signal.aborted) throw new AbortedError();
    return { text: '', incomplete: true, reason: `the answer from ${request.url.host} was not valid JSON (${describe(error)})` };
  }
  const parsed = value as { choices?: Array<{ message?: { content?: unknown }; finish_reason?: unknown }>; usage?: unknown };
  const choice = Array.isArray(parsed.choices) ? parsed.choices[0] : undefined;
  const text = typeof choice?.message?.content === 'string' ? choice.message.content : '';
  if (text) options.onDelta(text);
  const finishReason = typeof choice?.finish_reason === 'string' ? choice.finish_reason : undefined;
  const usage = usageOf(parsed.usage);
  const error = choice ? undefined : pickMessage(value);
  return {
    text,
    incomplete: !choice,
    ...(!choice
      ? { reason: error ? `the server reported an error: ${serverMessage(error, request.apiKey)}` : 'the answer has no choices' }
      : {}),
    ...(finishReason ? { finishReason } : {}),
    ...(usage ? { usage } : {}),
  };
}

function usageOf(value: unknown): ChatCompletionResult['usage'] | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const { prompt_tokens: prompt, completion_tokens: completion } = value as Record<string, unknown>;
  if (typeof prompt !== 'number' || typeof completion !== 'number') return undefined;
  return { promptTokens: prompt, completionTokens: completion };
}

/** Reads at most `limit` bytes of a body as text. */
export async function readLimited(response: Response, limit: number): Promise<string> {
  const reader = response.body?.getReader();
  if (!reader) return '';
  const decoder = new TextDecoder();
  let text = '';
  let bytes = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    bytes += value.length;
    text += decoder.decode(value, { stream: true });
    if (bytes >= limit) {
      await reader.cancel().catch(() => undefined);
      break;
    }
  }
  return text + decoder.decode();
}

function describe(error: unknown): string {
  if (error instanceof Error) {
    const cause = error.cause instanceof Error ? `: ${error.cause.message}` : '';
    return `${error.message}${cause}`;
  }
  return String(error);
}

function seconds(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000} s` : `${ms} ms`;
}
