/** The setting every reason below names, so the user knows what to fix. */
export const ENDPOINT_SETTING = 'slmAssist.fallback.endpoint';

/** A fallback endpoint that may be called, or why it may not. */
export type EndpointCheck =
  | {
      ok: true;
      /** The chat completions URL to POST to (see {@link checkEndpoint} for how it is built). */
      url: URL;
      /** `hostname[:port]`, for messages and logs. */
      host: string;
      /** The server is on this machine (127.0.0.0/8, ::1, localhost): plain http is allowed. */
      loopback: boolean;
    }
  | { ok: false; reason: string };

const CHAT_PATH = '/chat/completions';

/**
 * Checks the configured base URL of an OpenAI-compatible server and builds the chat completions
 * URL from it.
 *
 * Rules:
 * - `https:` is required, except for a loopback host (127.0.0.0/8, `::1`, `localhost`), where
 *   `http:` is also allowed: the request carries the user's code and the API key, and only a
 *   server on this machine can be reached without crossing a network.
 * - No user name or password in the URL (`https://user:pass@host`): the key is sent in a header,
 *   and a URL is shown and logged in places a header never is.
 * - No fragment (`#...`); a query (e.g. Azure's `?api-version=...`) is kept on the built URL.
 *
 * How the URL is built (OpenAI-style base URLs include the version, e.g. `https://api.openai.com/v1`):
 * - a base with no path (`http://127.0.0.1:8080` or `.../`) gets `/v1/chat/completions`;
 * - a base whose path already ends in `/chat/completions` is used as it is;
 * - any other path gets `/chat/completions` appended, with one slash between: `.../v1` and
 *   `.../v1/` both give `.../v1/chat/completions`, and `.../openai/v1beta` gives
 *   `.../openai/v1beta/chat/completions`.
 */
export function checkEndpoint(endpoint: string): EndpointCheck {
  const base = checkBaseUrl(endpoint, ENDPOINT_SETTING, 'an OpenAI-compatible server, e.g. https://example.com/v1');
  if (!base.ok) return base;
  const chat = new URL(base.url.href);
  chat.pathname = chatPath(base.url.pathname);
  return { ...base, url: chat };
}

/**
 * The rules of {@link checkEndpoint} for any remote endpoint's base URL, with reasons that name
 * `setting`: `https:` unless the host is this machine, no credentials, no fragment. `url` is the
 * base URL as written.
 */
export function checkBaseUrl(endpoint: string, setting: string, example: string): EndpointCheck {
  const raw = endpoint.trim();
  if (!raw) return fail(`${setting} is empty: set it to the base URL of ${example}.`);
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return fail(`${setting} is not a valid URL (${JSON.stringify(stripCredentials(raw))}): write it in full, e.g. https://example.com/v1.`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    // `localhost:8080/v1` parses as a URL with the scheme `localhost:`.
    return fail(
      `${setting} must start with https:// (or http:// for a server on this machine); got ${JSON.stringify(stripCredentials(raw))}.`,
    );
  }
  if (url.username || url.password) {
    url.username = '';
    url.password = '';
    return fail(
      `${setting} must not contain a user name or password (user:pass@): the API key is kept in VS Code's secret storage and sent in a header. Use ${url.href} instead.`,
    );
  }
  if (url.hash) {
    return fail(`${setting} must not contain a fragment (#...): remove ${JSON.stringify(url.hash)}.`);
  }
  const loopback = isLoopbackHost(url.hostname);
  if (url.protocol === 'http:' && !loopback) {
    return fail(
      `${setting} must use https:// for ${url.host}: the request carries your code and the API key, so plain http:// is allowed only for a server on this machine (localhost, 127.0.0.1, ::1).`,
    );
  }
  return { ok: true, url, host: url.host, loopback };
}

/** The chat completions path for a base path (rules in {@link checkEndpoint}). */
function chatPath(basePath: string): string {
  const path = basePath.replace(/\/+$/, '');
  if (path === '') return `/v1${CHAT_PATH}`;
  if (path.endsWith(CHAT_PATH)) return path;
  return path + CHAT_PATH;
}

/**
 * True for a host that is this machine: `localhost`, 127.0.0.0/8 and `::1` (also written as the
 * IPv4-mapped `::ffff:127.x.y.z`). `hostname` is as `URL` gives it: lower case, IPv4 normalised
 * (`127.1` → `127.0.0.1`), IPv6 in brackets and compressed.
 */
export function isLoopbackHost(hostname: string): boolean {
  const host = hostname.toLowerCase().replace(/\.$/, '');
  if (host === 'localhost') return true;
  const v4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(host);
  if (v4) return Number(v4[1]) === 127 && v4.slice(2).every((part) => Number(part) <= 255);
  if (host.startsWith('[') && host.endsWith(']')) {
    const v6 = host.slice(1, -1);
    if (v6 === '::1') return true;
    // IPv4-mapped loopback: URL writes ::ffff:127.0.0.1 as ::ffff:7f00:1.
    return /^::ffff:7f[0-9a-f]{2}:[0-9a-f]{1,4}$/.test(v6);
  }
  return false;
}

/** The text with anything like `user:pass@` removed, for reasons that quote what the user typed. */
export function stripCredentials(text: string): string {
  const at = text.lastIndexOf('@');
  if (at < 0) return text;
  const slashes = text.lastIndexOf('//', at);
  const start = slashes >= 0 ? slashes + 2 : 0;
  return text.slice(0, start) + text.slice(at + 1);
}

function fail(reason: string): EndpointCheck {
  return { ok: false, reason };
}
