import { redactSecrets } from './redact';

/** What went wrong with a remote call, for callers that react differently (retry, settings, key). */
export type RemoteErrorKind = 'http' | 'network' | 'timeout';

/** A remote call that failed before any answer arrived. The message is meant for the user. */
export class RemoteError extends Error {
  constructor(
    message: string,
    readonly kind: RemoteErrorKind,
    /** The HTTP status, for `http`. */
    readonly status?: number,
  ) {
    super(message);
    this.name = 'RemoteError';
  }
}

/** What the request was, for messages. */
export interface CallTarget {
  url: URL;
  model: string;
  /** Whether a key was sent (401 reads differently without one). */
  hasKey: boolean;
}

/**
 * The error for an HTTP status other than 2xx, with the server's own message when the body has
 * one (OpenAI, vLLM, llama.cpp, Ollama, LM Studio, Azure and FastAPI shapes).
 */
export function httpError(status: number, statusText: string, body: string, target: CallTarget, apiKey?: string): RemoteError {
  const host = target.url.host;
  const said = serverMessage(body, apiKey);
  const quote = said ? ` The server said: "${said}"` : '';
  const head = `The fallback server ${host} answered HTTP ${status}${statusText ? ` ${statusText}` : ''}`;
  let what: string;
  if (status === 401) {
    what = target.hasKey
      ? 'the API key was rejected. Set the right key for this server.'
      : 'it needs an API key, and none is set. Set one for this server.';
  } else if (status === 403) {
    what = 'access is denied: the key has no permission for this model or endpoint.';
  } else if (status === 404) {
    what = `the model "${target.model}" or the endpoint ${target.url.origin}${target.url.pathname} was not found. Check slmAssist.fallback.model and slmAssist.fallback.endpoint.`;
  } else if (status === 408 || status === 504) {
    what = 'the request timed out on the server side.';
  } else if (status === 413) {
    what = 'the request is too large for this server.';
  } else if (status === 429) {
    what = 'too many requests, or the quota is used up. Try again later.';
  } else if (status === 400 || status === 422) {
    what = 'the server rejected the request (for example, it is longer than the model accepts).';
  } else if (status >= 500) {
    what = 'the server failed.';
  } else {
    what = 'the request failed.';
  }
  return new RemoteError(`${head}: ${what}${quote}`, 'http', status);
}

/** A 3xx answer: where it points (without query or credentials), so the user can set that instead. */
export function redirectError(response: Response, target: CallTarget): RemoteError {
  let where = '';
  const location = response.headers.get('location');
  if (location) {
    try {
      const url = new URL(location, target.url);
      where = ` to ${url.origin}${url.pathname}`;
    } catch {
      // An unparsable Location: say only that it redirects.
    }
  }
  return new RemoteError(
    `The fallback server ${target.url.host} answered HTTP ${response.status} with a redirect${where}. Redirects are not followed, so that your code goes only to the address you set: put the right URL in slmAssist.fallback.endpoint.`,
    'http',
    response.status,
  );
}

/**
 * The error message in an error body, cleaned: redacted (a server may echo a key back, as
 * OpenAI's "Incorrect API key provided: sk-ab***" does), one line, at most 300 characters.
 */
export function serverMessage(body: string, apiKey?: string): string {
  let message = body.trim();
  try {
    message = pickMessage(JSON.parse(body)) ?? message;
  } catch {
    // Not JSON: an HTML error page or plain text. Keep it short.
    if (/^\s*</.test(message)) message = '';
  }
  if (apiKey) message = message.split(apiKey).join('[REDACTED:api-key]');
  message = redactSecrets(message).text.replace(/\s+/g, ' ').trim();
  return message.length > 300 ? `${message.slice(0, 297)}...` : message;
}

/** `{"error": {"message"}}`, `{"error": "..."}`, `{"message"}`, `{"detail"}`. */
export function pickMessage(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const record = value as Record<string, unknown>;
  const error = record.error;
  if (typeof error === 'string') return error;
  if (typeof error === 'object' && error !== null) {
    const inner = (error as Record<string, unknown>).message;
    if (typeof inner === 'string') return inner;
  }
  for (const key of ['message', 'detail']) {
    if (typeof record[key] === 'string') return record[key] as string;
  }
  return undefined;
}

/** The error for a fetch that failed before an answer (connection refused, DNS, TLS). */
export function networkError(error: unknown, target: CallTarget): RemoteError {
  const host = target.url.host;
  const code = errorCode(error);
  const detail = error instanceof Error && error.cause instanceof Error ? error.cause.message : String(error);
  const say = (text: string): RemoteError => new RemoteError(`Could not reach the fallback server ${host}: ${text}`, 'network');
  switch (code) {
    case 'ECONNREFUSED':
      return say('the connection was refused. Is the server running, and is the port in slmAssist.fallback.endpoint right?');
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
    case 'EAI_FAIL':
      return say(`the host name ${target.url.hostname} could not be resolved (DNS). Check slmAssist.fallback.endpoint and the network.`);
    case 'ECONNRESET':
    case 'EPIPE':
    case 'UND_ERR_SOCKET':
      return say('the connection was closed before the server answered.');
    case 'ETIMEDOUT':
    case 'UND_ERR_CONNECT_TIMEOUT':
      return new RemoteError(`Could not reach the fallback server ${host}: connecting timed out.`, 'timeout');
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return say('the network cannot reach it.');
  }
  if (code && (/CERT|SELF_SIGNED|UNABLE_TO_VERIFY|ERR_TLS|ERR_SSL/.test(code) || code === 'EPROTO')) {
    return say(
      `the TLS (https) connection failed (${code}): the certificate is not trusted, has expired, does not match the host, or the server does not speak https.`,
    );
  }
  if (/bad port/i.test(detail)) return say(`fetch does not allow port ${target.url.port}; use another port.`);
  return say(code ? `${code}: ${detail}` : detail);
}

/** The `code` of an error, its cause, or the first of an AggregateError's errors. */
export function errorCode(error: unknown): string | undefined {
  for (let e: unknown = error, depth = 0; e && depth < 4; depth++) {
    const record = e as { code?: unknown; errors?: unknown[]; cause?: unknown };
    if (typeof record.code === 'string') return record.code;
    if (Array.isArray(record.errors) && record.errors.length > 0) e = record.errors[0];
    else e = record.cause;
  }
  return undefined;
}
