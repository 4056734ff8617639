import { errorCode } from '../../remote/remoteErrors';

/** What went wrong with a download, for callers that react differently (free space, pick another mirror, retry later). */
export type DownloadErrorCode =
  'notFound' | 'denied' | 'http' | 'redirect' | 'network' | 'stalled' | 'checksum' | 'size' | 'notGguf' | 'diskFull' | 'cancelled' | 'io';

/**
 * A download that failed. The message is meant for the user: what happened, whether the bytes
 * received so far were kept (so that downloading again resumes) or deleted, and what to do.
 */
export class DownloadError extends Error {
  constructor(
    readonly code: DownloadErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'DownloadError';
  }
}

/** `origin + path` of a URL: what messages and logs show. The query is left out, as it can hold a signed token. */
export function shownUrl(url: URL): string {
  return `${url.protocol}//${url.host}${url.pathname}`;
}

/** `1.5 MiB`, `312 KiB`, `17 bytes`: sizes as the user reads them. */
export function formatBytes(bytes: number): string {
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  if (bytes < 1024) return `${bytes} bytes`;
  let value = bytes;
  let unit = 'bytes';
  for (const next of units) {
    if (value < 1024) break;
    value /= 1024;
    unit = next;
  }
  return `${value < 10 ? value.toFixed(1) : Math.round(value)} ${unit}`;
}

/** A short reason for a failed read or connection: `ECONNRESET`, `other side closed`. */
export function describeError(error: unknown): string {
  const code = errorCode(error);
  const cause = error instanceof Error && error.cause instanceof Error ? error.cause.message : undefined;
  const message = cause ?? (error instanceof Error ? error.message : String(error));
  return code && !message.includes(code) ? `${code}: ${message}` : message;
}
