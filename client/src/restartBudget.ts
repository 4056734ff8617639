/**
 * How many crashes of the language server are forgiven. Kept free of `vscode` imports so the
 * counting can be unit-tested in plain Node.
 */

/** What to do after a crash: restart (with the attempt number) or give up. */
export type CrashVerdict = { restart: true; attempt: number; maxRestarts: number } | { restart: false; crashes: number; windowMs: number };

/**
 * Counts server crashes in a sliding time window, like vscode-languageclient's
 * `DefaultErrorHandler`: up to `maxRestarts` crashes within `windowMs` are restarted, the next
 * one within the same window stops the server. Crashes older than the window are forgotten, so
 * a server that crashes once an hour is restarted forever.
 */
export class RestartBudget {
  private crashTimes: number[] = [];

  /**
   * @param maxRestarts crashes restarted within one window; one more gives up.
   * @param windowMs length of the sliding window in milliseconds.
   * @param now clock, replaceable in tests.
   */
  constructor(
    readonly maxRestarts = 4,
    readonly windowMs = 3 * 60 * 1000,
    private readonly now: () => number = Date.now,
  ) {}

  /** Records one crash and says whether the server should be restarted. */
  recordCrash(): CrashVerdict {
    const now = this.now();
    this.crashTimes = this.crashTimes.filter((time) => now - time < this.windowMs);
    this.crashTimes.push(now);
    const crashes = this.crashTimes.length;
    if (crashes <= this.maxRestarts) return { restart: true, attempt: crashes, maxRestarts: this.maxRestarts };
    return { restart: false, crashes, windowMs: this.windowMs };
  }

  /** Forgets every crash, e.g. when the user restarts the server by hand. */
  reset(): void {
    this.crashTimes = [];
  }
}

/**
 * What to do when the connection reports an error (not a close): keep going for the first three
 * errors in a row, as the default handler does, then shut the connection down.
 */
export function connectionErrorAction(count: number | undefined): 'continue' | 'shutdown' {
  return count !== undefined && count <= 3 ? 'continue' : 'shutdown';
}
