import { createHash } from 'node:crypto';
import { mkdir, rename, rm } from 'node:fs/promises';
import { basename, dirname } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { errorCode } from '../../remote/remoteErrors';
import { DownloadError, describeError, formatBytes, shownUrl } from './downloadError';
import { describeNotGguf, fileSize, freeBytes, hashInto, isGguf, readHead } from './fileChecks';
import { ProgressMeter, type DownloadProgress } from './progressMeter';
import type { DownloadLog } from './request';
import { ConnectionLost, transferOnce, type TransferState } from './transfer';

export { DownloadError, type DownloadErrorCode } from './downloadError';
export type { DownloadProgress } from './progressMeter';

export interface DownloadOptions {
  /** The final URL (a mirror was applied already). */
  url: URL;
  /** Absolute path of the finished file. Bytes go to `destination + '.partial'` until every check passes. */
  destination: string;
  /** From the catalog; checked when known (before the request for free space, at the end for the size). */
  expectedBytes?: number;
  /** Lower-case hex. Undefined: the catalog could not pin it, so only the size and the GGUF magic are checked. */
  sha256?: string;
  /** The user's Cancel: the download stops at once and the partial file is kept for a resume. */
  signal: AbortSignal;
  /** At most about 4 times a second, and once at the end. */
  onProgress?: (progress: DownloadProgress) => void;
  /** Every request (method, host, path, first byte, status, bytes, ms), redirect and resume; never a query or a header. */
  log: DownloadLog;
  /** No byte for this long means the server stopped sending. Default 30 s. */
  stallTimeoutMs?: number;
  /** How many times a dropped connection is resumed with a Range before giving up. Default 3. */
  retries?: number;
}

export interface DownloadResult {
  path: string;
  bytes: number;
  sha256: string;
  /** Bytes that were already on disk and kept: the whole file when it was installed already. */
  resumedFromBytes: number;
  /** The sha256 was pinned by the catalog and matched (false: only size and GGUF magic were checked). */
  verified: boolean;
}

const DEFAULT_STALL_TIMEOUT_MS = 30_000;
const DEFAULT_RETRIES = 3;
/** Left free after the download: a disk filled to the last byte breaks more than this download. */
const DISK_MARGIN_BYTES = 16 * 1024 * 1024;
/** Pause before retrying a connection that delivered nothing (refused, DNS), times the attempt. */
const RETRY_PAUSE_MS = 500;

/**
 * Downloads one GGUF file over a single streaming connection, resuming a previous partial file,
 * and moves it to `destination` only once its size, sha256 (when pinned) and GGUF magic are
 * right. Fails with a {@link DownloadError} whose message says what to do. One call per
 * destination at a time: two would write the same partial file.
 */
export async function downloadFile(options: DownloadOptions): Promise<DownloadResult> {
  const partial = `${options.destination}.partial`;
  let state: TransferState | undefined;
  try {
    options.signal.throwIfAborted();
    await createFolder(dirname(options.destination));
    const installed = await alreadyInstalled(options);
    if (installed) return installed;
    state = await resumeState(options, partial);
    await checkFreeSpace(options, state.bytes);
    await transferWithRetries(options, state);
    return await finish(options, state);
  } catch (error) {
    throw asDownloadError(error, options, state);
  }
}

async function createFolder(folder: string): Promise<void> {
  try {
    await mkdir(folder, { recursive: true });
  } catch (error) {
    throw new DownloadError('io', `Cannot create the folder ${folder} (${describeError(error)}): choose a folder you can write to.`);
  }
}

/**
 * The destination as it is, when it passes the checks. Only a complete, checked download is ever
 * renamed to `destination`, so with neither size nor hash in the catalog a GGUF file there is
 * taken as installed.
 */
async function alreadyInstalled(options: DownloadOptions): Promise<DownloadResult | undefined> {
  const { destination, expectedBytes, sha256, log } = options;
  const size = await fileSize(destination);
  if (size === undefined) return undefined;
  const again = (why: string): undefined => void log.info(`download: ${destination} ${why}; downloading it again`);
  if (expectedBytes !== undefined && size !== expectedBytes) return again(`has ${size} bytes, not ${expectedBytes}`);
  if (!isGguf(await readHead(destination, 4))) return again('is not a GGUF file');
  const hash = createHash('sha256');
  await hashInto(destination, hash, options.signal);
  const actual = hash.digest('hex');
  if (sha256 !== undefined && actual !== sha256.toLowerCase()) return again(`does not match its checksum (sha256 ${actual})`);
  log.info(`download: ${destination} is already there (${size} bytes${sha256 ? ', checksum verified' : ''})`);
  options.onProgress?.({ receivedBytes: size, totalBytes: size, bytesPerSecond: 0, secondsLeft: 0 });
  return { path: destination, bytes: size, sha256: actual, resumedFromBytes: size, verified: sha256 !== undefined };
}

/** The state to start from: the partial file's bytes, already hashed, or nothing. */
async function resumeState(options: DownloadOptions, partial: string): Promise<TransferState> {
  const { expectedBytes, log } = options;
  const hash = createHash('sha256');
  let bytes = (await fileSize(partial)) ?? 0;
  if (expectedBytes !== undefined && bytes > expectedBytes) {
    log.warn(`download: ${partial} has more bytes than the file (${bytes} > ${expectedBytes}); starting over`);
    await rm(partial, { force: true });
    bytes = 0;
  }
  // The sha256 must cover the whole file, so a resume hashes what is on disk first.
  if (bytes > 0) {
    bytes = await hashInto(partial, hash, options.signal);
    log.info(`download: resuming ${basename(partial)} from byte ${bytes}`);
  }
  return {
    url: options.url,
    partial,
    expectedBytes,
    signal: options.signal,
    stallTimeoutMs: options.stallTimeoutMs ?? DEFAULT_STALL_TIMEOUT_MS,
    log,
    meter: new ProgressMeter(options.onProgress),
    bytes,
    hash,
    resumedFromBytes: bytes,
    totalBytes: expectedBytes,
    restarted: false,
  };
}

/** Refuses to start a download that cannot fit; without a size in the catalog, ENOSPC while writing says it. */
async function checkFreeSpace(options: DownloadOptions, bytesOnDisk: number): Promise<void> {
  if (options.expectedBytes === undefined) return;
  const folder = dirname(options.destination);
  const free = await freeBytes(folder);
  const left = options.expectedBytes - bytesOnDisk;
  if (free === undefined || free >= left + DISK_MARGIN_BYTES) return;
  throw new DownloadError(
    'diskFull',
    `Not enough free space in ${folder}: the download needs ${formatBytes(left)} (${left} bytes) more, plus ${formatBytes(DISK_MARGIN_BYTES)} to spare, and ${formatBytes(free)} (${free} bytes) is free. Free some space and download again.`,
  );
}

/** Resumes a dropped connection up to `retries` times; the count does not reset, so a flaky link ends with a message. */
async function transferWithRetries(options: DownloadOptions, state: TransferState): Promise<void> {
  const retries = options.retries ?? DEFAULT_RETRIES;
  for (let failures = 0; ;) {
    try {
      if ((await transferOnce(state)) === 'complete') return;
    } catch (error) {
      if (!(error instanceof ConnectionLost)) throw error;
      if (failures >= retries) throw networkError(state, error, failures + 1);
      failures++;
      options.log.warn(
        `download: the connection failed at byte ${state.bytes} (${error.message}); resuming, retry ${failures} of ${retries}`,
      );
      if (!error.progressed) await sleep(RETRY_PAUSE_MS * failures, undefined, { signal: options.signal });
    }
  }
}

function networkError(state: TransferState, error: ConnectionLost, attempts: number): DownloadError {
  const of = state.totalBytes !== undefined ? ` of ${formatBytes(state.totalBytes)}` : '';
  const kept =
    state.bytes > 0
      ? `${formatBytes(state.bytes)}${of} received are kept: downloading again resumes from there.`
      : 'Check the network (and the mirror, if one is set) and download again.';
  const tries = attempts === 1 ? 'one attempt' : `${attempts} attempts`;
  return new DownloadError('network', `The download from ${state.url.host} failed after ${tries} (${error.message}). ${kept}`);
}

/** The checks on the complete partial file, then the rename that makes it the model. */
async function finish(options: DownloadOptions, state: TransferState): Promise<DownloadResult> {
  const { destination, expectedBytes, sha256, log } = options;
  const from = shownUrl(options.url);
  const head = state.bytes > 0 ? await readHead(state.partial, 64) : Buffer.alloc(0);
  if (!isGguf(head)) {
    await rm(state.partial, { force: true });
    throw new DownloadError(
      'notGguf',
      `${from} did not send a GGUF model: what arrived is ${describeNotGguf(head)}. It was deleted; check the catalog entry or the mirror.`,
    );
  }
  if (expectedBytes !== undefined && state.bytes !== expectedBytes) {
    await rm(state.partial, { force: true });
    throw new DownloadError(
      'size',
      `${from} sent ${state.bytes} bytes, but the catalog says ${expectedBytes}. The partial download was deleted; download again.`,
    );
  }
  const actual = state.hash.digest('hex');
  if (sha256 !== undefined && actual !== sha256.toLowerCase()) {
    await rm(state.partial, { force: true });
    throw new DownloadError(
      'checksum',
      `The file from ${from} does not match its checksum (expected sha256 ${sha256}, got ${actual}), so the download was deleted. Download again; if this repeats, the mirror or the catalog serves a different file.`,
    );
  }
  state.meter.finish(state.bytes, state.bytes);
  await rename(state.partial, destination);
  const checked = sha256 !== undefined ? 'sha256 verified' : 'no sha256 in the catalog, size and GGUF magic checked';
  log.info(`download: ${destination} complete, ${state.bytes} bytes (${state.resumedFromBytes} resumed), ${checked}`);
  return {
    path: destination,
    bytes: state.bytes,
    sha256: actual,
    resumedFromBytes: state.resumedFromBytes,
    verified: sha256 !== undefined,
  };
}

function asDownloadError(error: unknown, options: DownloadOptions, state: TransferState | undefined): DownloadError {
  if (error instanceof DownloadError) return error;
  const name = basename(options.destination);
  const kept =
    state && state.bytes > 0 ? ` ${formatBytes(state.bytes)} received so far are kept: downloading again resumes from there.` : '';
  if (options.signal.aborted) return new DownloadError('cancelled', `The download of ${name} was cancelled.${kept}`);
  if (errorCode(error) === 'ENOSPC') {
    return new DownloadError('diskFull', `The disk is full while downloading ${name}.${kept} Free some space and download again.`);
  }
  return new DownloadError('io', `The download of ${name} failed: ${describeError(error)}.${kept}`);
}
