/**
 * Runs async jobs one at a time, in the order they asked. The model's context sequence can
 * only do one thing at a time; this is the queue in front of it. No polling: each job waits on
 * the promise of the one before it.
 */
export class Mutex {
  private tail: Promise<void> = Promise.resolve();
  private jobs = 0;

  /** Whether a job runs or waits. */
  get busy(): boolean {
    return this.jobs > 0;
  }

  /** Whether a job waits behind the one running. */
  get waiting(): boolean {
    return this.jobs > 1;
  }

  run<T>(job: () => Promise<T>): Promise<T> {
    this.jobs++;
    const result = this.tail.then(job).finally(() => this.jobs--);
    this.tail = result.then(
      () => undefined,
      () => undefined,
    );
    return result;
  }
}
