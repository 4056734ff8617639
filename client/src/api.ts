import type * as vscode from 'vscode';
import type { BackgroundTrace, CompletionTrace, StatusParams, ViewedParams } from '../../common/protocol';

/** What the extension's `activate()` returns (`vscode.extensions.getExtension(...).exports`). */
export interface SlmAssistApi {
  /** The last status the server sent, if any. */
  readonly status?: StatusParams;
  /** Fires on every `slmAssist/status` notification from the server. */
  readonly onDidChangeStatus: vscode.Event<StatusParams>;
  /** Fires after the extension told the server where the user looks (`slmAssist/viewed`). */
  readonly onDidReportView: vscode.Event<ViewedParams>;
  /**
   * Fire on every inline-completion request and every piece of background work the server did,
   * only when the extension host runs with `SLM_ASSIST_COMPLETION_TRACES=1` (the end-to-end
   * tests): the server then sends its traces (docs/protocol.md).
   */
  readonly onDidCompleteRequest: vscode.Event<CompletionTrace>;
  readonly onDidBackgroundWork: vscode.Event<BackgroundTrace>;
}
