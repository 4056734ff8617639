import type { Logger } from '../log';
import { readLimited } from '../remote/openaiClient';
import { errorCode, pickMessage, serverMessage } from '../remote/remoteErrors';
import { AbortedError, throwIfAborted } from '../util/abort';

/**
 * The two wire formats a team server speaks:
 * - `llamaServer`: llama.cpp's `POST /completion` with the prompt this extension built (its FIM
 *   tokens written as text, which llama-server parses as special tokens) and `cache_prompt`, so the
 *   server reuses the longest common prefix of the previous prompt, as the local model does.
 * - `openaiCompatible`: `POST /v1/completions` (vLLM, Ollama, llama-server's OpenAI API) with the
 *   same prompt text and the model name.
 */
export type TeamApi = 'llamaServer' | 'openaiCompatible';

export interface TeamRequest {
  /** The server's base URL, checked by `checkBaseUrl`. */
  base: URL;
  api: TeamApi;
  model: string;
  /** Sent as `Authorization: Bearer`; never logged. */
  apiKey?: string;
  prompt: string;
  maxTokens: number;
  /** Texts that end the answer (a line break when only one line can be shown). */
  stop: string[];
}

export interface TeamAnswer {
  text: string;
  /** Tokens the server generated, when it says. */
  generatedTokens?: number;
  /** Prompt tokens the server evaluated (not taken from its cache), when it says (llama-server's `timings`). */
  evaluatedTokens?: number;
  ms: number;
}

/** A team-server call that failed: `message` says why, for the log and the status tooltip. */
export class TeamServerError extends Error {
  override name = 'TeamServerError';
}

/** Error bodies are read up to this many bytes. */
const MAX_BODY = 1024 * 1024;

/** The URL a request goes to: the API's path after the base URL's own path. */
export function teamUrl(base: URL, api: TeamApi): URL {
  const url = new URL(base.href);
  const path = url.pathname.replace(/\/+$/, '');
  url.pathname = api === 'llamaServer' ? `${path}/completion` : path.endsWith('/v1') ? `${path}/completions` : `${path}/v1/completions`;
  return url;
}

/**
 * One completion from the team server, not streamed (a suggestion is shown whole). Redirects are
 * not followed. Every call is logged at info level with its size, status and duration, never the
 * prompt, the answer or the key.
 */
export async function teamComplete(request: TeamRequest, signal: AbortSignal, log: Logger): Promise<TeamAnswer> {
  throwIfAborted(signal);
  const url = teamUrl(request.base, request.api);
  const body = JSON.stringify(
    request.api === 'llamaServer'
      ? {
          prompt: request.prompt,
          n_predict: request.maxTokens,
          temperature: 0,
          top_k: 1,
          cache_prompt: true,
          stop: request.stop,
          stream: false,
        }
      : {
          ...(request.model ? { model: request.model } : {}),
          prompt: request.prompt,
          max_tokens: request.maxTokens,
          temperature: 0,
          stop: request.stop.length ? request.stop : undefined,
          stream: false,
        },
  );
  const started = performance.now();
  let outcome = 'failed';
  let status: number | undefined;
  try {
    let response: Response;
    try {
      response = await fetch(url, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', ...(request.apiKey ? { Authorization: `Bearer ${request.apiKey}` } : {}) },
        body,
        signal,
        redirect: 'manual',
      });
    } catch (error) {
      if (signal.aborted) throw new AbortedError();
      throw new TeamServerError(
        `cannot reach ${url.host}: ${errorCode(error) ?? (error instanceof Error ? error.message : String(error))}`,
      );
    }
    status = response.status;
    const text = await readLimited(response, MAX_BODY);
    if (response.status >= 300 && response.status < 400) {
      throw new TeamServerError(`${url.host} answered with a redirect (HTTP ${response.status}), which is not followed`);
    }
    if (!response.ok) {
      const said = serverMessage(text, request.apiKey);
      throw new TeamServerError(`${url.host} answered HTTP ${response.status}${said ? `: ${said}` : ''}`);
    }
    const answer = parseAnswer(request.api, text, request.apiKey);
    if (typeof answer === 'string') throw new TeamServerError(`${url.host} sent an answer that is not a completion: ${answer}`);
    outcome = `${answer.generatedTokens ?? '?'} tokens out`;
    return { ...answer, ms: Math.round(performance.now() - started) };
  } catch (error) {
    if (signal.aborted || error instanceof AbortedError) {
      outcome = 'cancelled';
      throw new AbortedError();
    }
    throw error;
  } finally {
    const ms = Math.round(performance.now() - started);
    log.info(
      `team server call: POST ${url.origin}${url.pathname}${request.model ? ` model=${request.model}` : ''}, ${request.prompt.length} chars sent, ` +
        `${status === undefined ? 'no response' : `status ${status}`}, ${ms} ms, ${outcome}`,
    );
  }
}

/** The completion in a server's JSON answer, or why there is none. */
function parseAnswer(api: TeamApi, text: string, apiKey?: string): Omit<TeamAnswer, 'ms'> | string {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return 'not JSON';
  }
  if (typeof value !== 'object' || value === null) return 'not a JSON object';
  if (api === 'llamaServer') {
    const { content, tokens_predicted: predicted, timings } = value as { content?: unknown; tokens_predicted?: unknown; timings?: unknown };
    if (typeof content !== 'string') return serverMessage(pickMessage(value) ?? 'no "content"', apiKey);
    const evaluated = (timings as { prompt_n?: unknown } | undefined)?.prompt_n;
    return {
      text: content,
      ...(typeof predicted === 'number' ? { generatedTokens: predicted } : {}),
      ...(typeof evaluated === 'number' ? { evaluatedTokens: evaluated } : {}),
    };
  }
  const { choices, usage } = value as { choices?: Array<{ text?: unknown }>; usage?: { completion_tokens?: unknown } };
  const first = Array.isArray(choices) ? choices[0] : undefined;
  if (typeof first?.text !== 'string') return serverMessage(pickMessage(value) ?? 'no "choices[0].text"', apiKey);
  const generated = usage?.completion_tokens;
  return { text: first.text, ...(typeof generated === 'number' ? { generatedTokens: generated } : {}) };
}
