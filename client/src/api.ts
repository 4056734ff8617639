import type * as vscode from 'vscode';
import type { StatusParams } from '../../common/protocol';

/** What the extension's `activate()` returns (`vscode.extensions.getExtension(...).exports`). */
export interface SlmAssistApi {
  /** The last status the server sent, if any. */
  readonly status?: StatusParams;
  /** Fires on every `slmAssist/status` notification from the server. */
  readonly onDidChangeStatus: vscode.Event<StatusParams>;
}
