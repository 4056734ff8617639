import type { CancellationToken } from 'vscode-languageserver/node';

/** The error thrown when work stops because its AbortSignal fired. */
export class AbortedError extends Error {
  constructor() {
    super('The request was cancelled.');
    this.name = 'AbortedError';
  }
}

export function throwIfAborted(signal: AbortSignal): void {
  if (signal.aborted) throw new AbortedError();
}

/** Resolves after `ms`, or rejects with {@link AbortedError} as soon as `signal` fires. */
export function delay(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(new AbortedError());
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(new AbortedError());
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

/** An AbortSignal that fires when an LSP request is cancelled (`$/cancelRequest`). */
export function abortSignalOf(token: CancellationToken): AbortSignal {
  const controller = new AbortController();
  if (token.isCancellationRequested) controller.abort();
  else token.onCancellationRequested(() => controller.abort());
  return controller.signal;
}
