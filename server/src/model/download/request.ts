import type { Logger } from '../../log';
import { isLoopbackHost } from '../../remote/endpoint';
import { DownloadError, describeError } from './downloadError';

/**
 * Public model hosts answer with one redirect to a CDN, sometimes two; more than this many is a
 * loop or a misconfigured mirror.
 */
export const MAX_REDIRECTS = 5;

const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);

/** The part of the server's Logger a download writes to. */
export type DownloadLog = Pick<Logger, 'info' | 'warn' | 'debug'>;

/** A response that is not a redirect, and the URL that gave it. */
export interface FinalResponse {
  url: URL;
  response: Response;
  /** `performance.now()` when its request was sent, for the log line. */
  started: number;
}

/**
 * GETs `start` (from byte `rangeStart` when given) and follows redirects itself, so that each hop
 * is checked by {@link checkRedirect} before anything connects to it and is logged. fetch's own
 * `redirect: 'follow'` would follow an https page to plain http, or to a URL with credentials,
 * without a word.
 */
export async function requestFollowingRedirects(
  start: URL,
  rangeStart: number | undefined,
  signal: AbortSignal,
  log: DownloadLog,
): Promise<FinalResponse> {
  let url = start;
  let secure = start.protocol === 'https:';
  for (let hop = 0; ; hop++) {
    const started = performance.now();
    let response: Response;
    try {
      response = await fetch(url, { redirect: 'manual', signal, headers: requestHeaders(rangeStart) });
    } catch (error) {
      log.info(requestLine(url, rangeStart, `no response (${describeError(error)})`, 0, started));
      throw error;
    }
    if (!REDIRECT_STATUSES.has(response.status)) return { url, response, started };
    // Frees the connection: a redirect's body is a few bytes of HTML nobody reads.
    await response.body?.cancel().catch(() => undefined);
    log.info(requestLine(url, rangeStart, String(response.status), 0, started));
    const next = checkRedirect(url, response.headers.get('location'), hop + 1, secure);
    log.info(`download: ${url.host} redirected to ${next.host}`);
    secure ||= next.protocol === 'https:';
    url = next;
  }
}

/**
 * Where a redirect from `from` may go, or a DownloadError('redirect') that refuses it:
 * - more than {@link MAX_REDIRECTS} hops;
 * - a target with a user name or password: they would be sent to a host the catalog never named;
 * - plain http after https (`secure`: the start or an earlier hop was https), except to this
 *   machine (127.0.0.0/8, ::1, localhost): a downgrade lets anyone on the path swap the file;
 * - anything but http and https.
 */
export function checkRedirect(from: URL, location: string | null, hop: number, secure: boolean): URL {
  const refuse = (why: string): DownloadError => new DownloadError('redirect', `The download from ${from.host} was stopped: ${why}`);
  if (hop > MAX_REDIRECTS) throw refuse(`it was redirected more than ${MAX_REDIRECTS} times (a redirect loop?).`);
  if (!location) throw refuse('the server answered with a redirect but no Location.');
  let to: URL;
  try {
    to = new URL(location, from);
  } catch {
    throw refuse('the server redirected to an address that is not a valid URL.');
  }
  if (to.protocol !== 'https:' && to.protocol !== 'http:') throw refuse(`the server redirected to a ${to.protocol} URL.`);
  if (to.username || to.password) {
    throw refuse(`the server redirected to ${to.host} with a user name or password in the URL, which is refused.`);
  }
  if (secure && to.protocol === 'http:' && !isLoopbackHost(to.hostname)) {
    throw refuse(`the server redirected from https to plain http (${to.host}), where the file could be altered on the way.`);
  }
  return to;
}

/**
 * `download: GET host/path from byte 0: 206, 1048576 bytes, 812 ms`. Never the query (signed CDN
 * URLs carry their token there) and never a header.
 */
export function requestLine(url: URL, rangeStart: number | undefined, status: string, bytes: number, started: number): string {
  const ms = Math.round(performance.now() - started);
  return `download: GET ${url.host}${url.pathname} from byte ${rangeStart ?? 0}: ${status}, ${bytes} bytes, ${ms} ms`;
}

function requestHeaders(rangeStart: number | undefined): Record<string, string> {
  // identity: a compressed body would not match Content-Length, nor the catalog's size.
  const headers: Record<string, string> = { 'Accept-Encoding': 'identity' };
  if (rangeStart !== undefined) headers.Range = `bytes=${rangeStart}-`;
  return headers;
}

/** `Content-Range: bytes 100-199/1000`, or on a 416 `bytes *\/1000` (no start). */
export interface ContentRange {
  start?: number;
  size?: number;
}

export function parseContentRange(header: string | null): ContentRange | undefined {
  const match = header ? /^bytes\s+(?:(\d+)-\d+|\*)\/(\d+|\*)\s*$/i.exec(header) : null;
  if (!match) return undefined;
  return {
    ...(match[1] !== undefined ? { start: Number(match[1]) } : {}),
    ...(match[2] !== '*' ? { size: Number(match[2]) } : {}),
  };
}
