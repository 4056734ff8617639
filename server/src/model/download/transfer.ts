import { createHash, type Hash } from 'node:crypto';
import { open, rm, type FileHandle } from 'node:fs/promises';
import { errorCode } from '../../remote/remoteErrors';
import { DownloadError, describeError, formatBytes, shownUrl } from './downloadError';
import type { ProgressMeter } from './progressMeter';
import { parseContentRange, requestFollowingRedirects, requestLine, type DownloadLog, type FinalResponse } from './request';

/** What one download call knows, shared by its attempts. */
export interface TransferState {
  readonly url: URL;
  readonly partial: string;
  readonly expectedBytes: number | undefined;
  readonly signal: AbortSignal;
  readonly stallTimeoutMs: number;
  readonly log: DownloadLog;
  readonly meter: ProgressMeter;
  /** Bytes of the partial file that count; `hash` has seen exactly these. Anything after them on disk is cut off. */
  bytes: number;
  hash: Hash;
  /** Bytes that were on disk when the call started and are still the start of the file. */
  resumedFromBytes: number;
  /** The file's size, as the server or the catalog says it. */
  totalBytes: number | undefined;
  /** The partial file was discarded once after a 416 or a wrong range; a second time fails. */
  restarted: boolean;
}

/** The connection was lost before the file was complete: the caller resumes with a Range. */
export class ConnectionLost extends Error {
  constructor(
    reason: string,
    /** Some bytes arrived on this connection (no pause is needed before resuming). */
    readonly progressed: boolean,
  ) {
    super(reason);
    this.name = 'ConnectionLost';
  }
}

/** Writes are gathered up to this size: one write per network chunk (about 16 KiB) is slow. */
const WRITE_BYTES = 1 << 20;

/**
 * One request (with its redirects) and its body appended to the partial file. 'restart' means the
 * partial file was discarded and the caller should request again from byte 0.
 */
export async function transferOnce(state: TransferState): Promise<'complete' | 'restart'> {
  const stall = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const arm = (): void => {
    clearTimeout(timer);
    timer = setTimeout(() => stall.abort(), state.stallTimeoutMs);
  };
  const signal = AbortSignal.any([state.signal, stall.signal]);
  const rangeStart = state.bytes > 0 ? state.bytes : undefined;
  const record = { received: 0 };
  const failure = (error: unknown): unknown => {
    if (error instanceof DownloadError || error instanceof ConnectionLost || state.signal.aborted) return error;
    if (stall.signal.aborted) return stalledError(state);
    return new ConnectionLost(describeError(error), record.received > 0);
  };
  let final: FinalResponse;
  try {
    arm();
    final = await requestFollowingRedirects(state.url, rangeStart, signal, state.log);
  } catch (error) {
    clearTimeout(timer);
    throw failure(error);
  }
  try {
    return await handleResponse(state, final, rangeStart, arm, record);
  } catch (error) {
    throw failure(error);
  } finally {
    clearTimeout(timer);
    // Closes the connection when the body was not read to the end (an error status, a 416).
    stall.abort();
    state.log.info(requestLine(final.url, rangeStart, String(final.response.status), record.received, final.started));
  }
}

async function handleResponse(
  state: TransferState,
  { response, url }: FinalResponse,
  rangeStart: number | undefined,
  arm: () => void,
  record: { received: number },
): Promise<'complete' | 'restart'> {
  const status = response.status;
  if (status === 416 && rangeStart !== undefined) return rangeNotSatisfiable(state, response, url);
  if (!response.ok) throw statusError(status, url);
  const bodyBytes = contentLength(response);
  let total: number | undefined;
  if (status === 206 && rangeStart !== undefined) {
    const header = response.headers.get('content-range');
    const range = parseContentRange(header);
    if (range?.start !== state.bytes) {
      return restartOnce(state, `${url.host} answered the request from byte ${rangeStart} with Content-Range ${JSON.stringify(header)}`);
    }
    total = range.size ?? (bodyBytes !== undefined ? state.bytes + bodyBytes : undefined);
  } else if (status === 200) {
    if (rangeStart !== undefined) state.log.info(`download: ${url.host} ignored the range request; starting over from byte 0`);
    startOver(state);
    total = bodyBytes;
  } else {
    throw new DownloadError('http', `${shownUrl(url)} answered HTTP ${status} instead of the file.`);
  }
  if (state.expectedBytes !== undefined && total !== undefined && total !== state.expectedBytes) {
    await rm(state.partial, { force: true });
    const type = response.headers.get('content-type') ?? '';
    const page = type.startsWith('text/') ? ` (the server sent ${type}: an error or login page?)` : '';
    throw new DownloadError(
      'size',
      `${shownUrl(url)} is ${total} bytes, but the catalog says ${state.expectedBytes}${page}. The partial download was deleted. The file changed upstream, or the mirror serves another file.`,
    );
  }
  state.totalBytes = total ?? state.expectedBytes;
  state.meter.start(state.bytes);
  await writeBody(state, response, arm, record);
  if (bodyBytes !== undefined && record.received < bodyBytes) {
    throw new ConnectionLost(`the body ended after ${record.received} of ${bodyBytes} bytes`, record.received > 0);
  }
  return 'complete';
}

/** A 416: the partial file is the whole file already, or it does not fit the server's file. */
async function rangeNotSatisfiable(state: TransferState, response: Response, url: URL): Promise<'complete' | 'restart'> {
  const size = state.expectedBytes ?? parseContentRange(response.headers.get('content-range'))?.size;
  if (size !== undefined && state.bytes === size) {
    state.log.info(`download: the partial file already has all ${size} bytes`);
    state.totalBytes = size;
    return 'complete';
  }
  return restartOnce(state, `${url.host} cannot resume from byte ${state.bytes} (HTTP 416)`);
}

async function restartOnce(state: TransferState, why: string): Promise<'restart'> {
  if (state.restarted) throw new DownloadError('http', `The download cannot continue: ${why}, even after starting over.`);
  state.log.warn(`download: ${why}; deleting the partial file and starting over`);
  await rm(state.partial, { force: true });
  startOver(state);
  state.restarted = true;
  return 'restart';
}

function startOver(state: TransferState): void {
  state.bytes = 0;
  state.resumedFromBytes = 0;
  state.hash = createHash('sha256');
}

async function writeBody(state: TransferState, response: Response, arm: () => void, record: { received: number }): Promise<void> {
  if (!response.body) return;
  const reader = response.body.getReader();
  const file = await openPartial(state);
  let pending: Uint8Array[] = [];
  let pendingBytes = 0;
  let writeFailed = false;
  const flush = async (): Promise<void> => {
    if (pendingBytes === 0) return;
    const data = Buffer.concat(pending, pendingBytes);
    pending = [];
    pendingBytes = 0;
    try {
      await writeAll(file, data, state.bytes);
    } catch (error) {
      writeFailed = true;
      throw writeError(error, state);
    }
    state.hash.update(data);
    state.bytes += data.length;
  };
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      arm();
      pending.push(value);
      pendingBytes += value.length;
      record.received += value.length;
      if (pendingBytes >= WRITE_BYTES) await flush();
      state.meter.update(state.bytes + pendingBytes, state.totalBytes);
    }
    await flush();
  } catch (error) {
    // What arrived before the connection dropped is kept for the resume; if even that cannot be
    // written, `state.bytes` did not move and the next attempt cuts the file back to it.
    if (!writeFailed) await flush().catch(() => undefined);
    throw error;
  } finally {
    await file.close();
  }
}

/** The partial file, cut to exactly `state.bytes` (a failed write may have left a few more). */
async function openPartial(state: TransferState): Promise<FileHandle> {
  try {
    if (state.bytes === 0) return await open(state.partial, 'w');
    const file = await open(state.partial, 'r+');
    await file.truncate(state.bytes);
    return file;
  } catch (error) {
    throw writeError(error, state);
  }
}

async function writeAll(file: FileHandle, data: Buffer, position: number): Promise<void> {
  for (let done = 0; done < data.length;) {
    const { bytesWritten } = await file.write(data, done, data.length - done, position + done);
    done += bytesWritten;
  }
}

function writeError(error: unknown, state: TransferState): DownloadError {
  const kept = `${formatBytes(state.bytes)} downloaded so far are kept in ${state.partial}`;
  if (errorCode(error) === 'ENOSPC') {
    return new DownloadError('diskFull', `The disk is full: ${kept}. Free some space and download again to resume.`);
  }
  return new DownloadError('io', `Cannot write ${state.partial} (${describeError(error)}). Check the folder's permissions and free space.`);
}

function statusError(status: number, url: URL): DownloadError {
  if (status === 404) {
    return new DownloadError(
      'notFound',
      `${shownUrl(url)} was not found (HTTP 404): the catalog entry is out of date, or the mirror lacks this file.`,
    );
  }
  if (status === 401 || status === 403) {
    return new DownloadError(
      'denied',
      `${shownUrl(url)} refused access (HTTP ${status}): the model may need a login or its license accepted on its site. Download it there and choose the file with "Select Model File…".`,
    );
  }
  const later = status >= 500 || status === 429 ? ' Try again later.' : '';
  return new DownloadError('http', `${url.host} answered HTTP ${status} for ${shownUrl(url)}.${later}`);
}

function stalledError(state: TransferState): DownloadError {
  const kept = state.bytes > 0 ? `${formatBytes(state.bytes)} received so far are kept: downloading again resumes.` : 'Try again later.';
  return new DownloadError(
    'stalled',
    `${state.url.host} sent nothing for ${state.stallTimeoutMs / 1000} s, so the download stopped. ${kept}`,
  );
}

/** The body's length, or undefined when it is not known or not the file's bytes (a compressed body). */
function contentLength(response: Response): number | undefined {
  const encoding = response.headers.get('content-encoding');
  if (encoding && encoding !== 'identity') return undefined;
  const value = Number(response.headers.get('content-length') ?? NaN);
  return Number.isSafeInteger(value) && value >= 0 ? value : undefined;
}
