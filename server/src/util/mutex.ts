/**
 * Runs async jobs one at a time, in the order they asked. The model's context sequence can
 * only do one thing at a time; this is the queue in front of it. No polling: each job waits on
 * the promise of the one before it.
 */
export class Mutex {
  private tail: Promise<void> = Promise.resolve();

  run<T>(job: () => Promise<T>): Promise<T> {
    const result = this.tail.then(job);
    this.tail = result.then(
      () => undefined,
      () => undefined,
    );
    return result;
  }
}
