/** How far a download is. */
export interface DownloadProgress {
  /** Bytes in the file so far, counting a resumed part. */
  receivedBytes: number;
  /** The file's size, when the server or the catalog says it. */
  totalBytes?: number;
  /** Over the last few seconds (a download's speed swings too much for a figure since the start). */
  bytesPerSecond: number;
  secondsLeft?: number;
}

/** Reports at most this often; a status bar cannot show more. */
const REPORT_EVERY_MS = 250;
/** The speed is measured over this window. */
const SPEED_WINDOW_MS = 5000;
/** One sample at most this often keeps the window short for fast downloads. */
const SAMPLE_EVERY_MS = 100;

/** Turns byte counts into throttled {@link DownloadProgress} reports. */
export class ProgressMeter {
  private samples: { at: number; bytes: number }[] = [];
  private lastReport = -Infinity;

  constructor(
    private readonly report: ((progress: DownloadProgress) => void) | undefined,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** Bytes that were on disk before any transfer (or 0 after starting over): the speed counts only what arrives after. */
  start(bytes: number): void {
    this.samples = [{ at: this.now(), bytes }];
  }

  update(receivedBytes: number, totalBytes: number | undefined): void {
    const at = this.now();
    const last = this.samples[this.samples.length - 1];
    if (!last || at - last.at >= SAMPLE_EVERY_MS) this.samples.push({ at, bytes: receivedBytes });
    while (this.samples.length > 2 && at - this.samples[1].at > SPEED_WINDOW_MS) this.samples.shift();
    if (at - this.lastReport < REPORT_EVERY_MS) return;
    this.lastReport = at;
    this.emit(receivedBytes, totalBytes, at);
  }

  /** The last report, whatever the throttle says. */
  finish(receivedBytes: number, totalBytes: number | undefined): void {
    this.emit(receivedBytes, totalBytes, this.now());
  }

  private emit(receivedBytes: number, totalBytes: number | undefined, at: number): void {
    if (!this.report) return;
    const first = this.samples[0];
    const seconds = first ? (at - first.at) / 1000 : 0;
    const bytesPerSecond = first && seconds > 0 ? Math.max(0, receivedBytes - first.bytes) / seconds : 0;
    const left = totalBytes !== undefined ? Math.max(0, totalBytes - receivedBytes) : undefined;
    const secondsLeft = left === 0 ? 0 : left !== undefined && bytesPerSecond > 0 ? left / bytesPerSecond : undefined;
    this.report({
      receivedBytes,
      ...(totalBytes !== undefined ? { totalBytes } : {}),
      bytesPerSecond: Math.round(bytesPerSecond),
      ...(secondsLeft !== undefined ? { secondsLeft: Math.ceil(secondsLeft) } : {}),
    });
  }
}
