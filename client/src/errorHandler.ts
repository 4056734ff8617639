import { CloseAction, ErrorAction, type CloseHandlerResult, type ErrorHandler, type ErrorHandlerResult } from 'vscode-languageclient/node';
import { connectionErrorAction, RestartBudget } from './restartBudget';

/** What the error handler tells the rest of the client; the context object implements it. */
export interface CrashListener {
  /** The server crashed and is being restarted; `attempt` of `maxRestarts`. */
  onCrashRestart(attempt: number, maxRestarts: number): void;
  /** The server crashed too often and stays stopped; `message` says so. */
  onCrashGiveUp(message: string): void;
}

/**
 * Restarts a crashed server a bounded number of times (see {@link RestartBudget}), then stops
 * and lets the listener tell the user. Close results are marked `handled` so the language client
 * only logs them instead of showing its own notification next to ours.
 */
export class CrashErrorHandler implements ErrorHandler {
  constructor(
    private readonly budget: RestartBudget,
    private readonly listener: CrashListener,
  ) {}

  error(_error: Error, _message: unknown, count: number | undefined): ErrorHandlerResult {
    const action = connectionErrorAction(count) === 'continue' ? ErrorAction.Continue : ErrorAction.Shutdown;
    // Not marked handled: when the connection is shut down the client's own notice is the only one.
    return { action };
  }

  closed(): CloseHandlerResult {
    const verdict = this.budget.recordCrash();
    if (verdict.restart) {
      this.listener.onCrashRestart(verdict.attempt, verdict.maxRestarts);
      return {
        action: CloseAction.Restart,
        message: `SLM Assist server stopped unexpectedly; restarting it (${verdict.attempt}/${verdict.maxRestarts}).`,
        handled: true,
      };
    }
    const minutes = Math.round(verdict.windowMs / 60_000);
    const message = `SLM Assist server crashed ${verdict.crashes} times in ${minutes} minutes; stopped. See the log.`;
    this.listener.onCrashGiveUp(message);
    return { action: CloseAction.DoNotRestart, message, handled: true };
  }
}
