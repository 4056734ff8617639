/**
 * Lets background work (a summary) give way to foreground work (a completion): the foreground
 * holds the gate while it runs, and the background awaits {@link idle} between two batches.
 * Event-driven: waiting is a promise that resolves when the last holder leaves.
 */
export class PriorityGate {
  private holders = 0;
  private waiting: Array<() => void> = [];

  /** Holds the gate while `job` runs. */
  async hold<T>(job: () => Promise<T>): Promise<T> {
    this.holders++;
    try {
      return await job();
    } finally {
      this.holders--;
      if (this.holders === 0) for (const resume of this.waiting.splice(0)) resume();
    }
  }

  /** Resolves at once when nobody holds the gate, else when the last holder leaves. */
  idle(): Promise<void> {
    if (this.holders === 0) return Promise.resolve();
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  get busy(): boolean {
    return this.holders > 0;
  }
}
