import * as vscode from 'vscode';
import type { StatusParams } from '../../common/protocol';
import { renderStatus, type ClientPhase, type StatusInput } from './statusView';

/**
 * The SLM Assist status bar item. It remembers the last model status the server sent, so while
 * the server restarts the item can still say what was loaded; the rules live in `statusView.ts`.
 */
export class StatusBar implements vscode.Disposable {
  private readonly item: vscode.StatusBarItem;
  private input: StatusInput;

  constructor(completionsEnabled: boolean) {
    this.item = vscode.window.createStatusBarItem('slmAssistStatus', vscode.StatusBarAlignment.Right, 100);
    this.item.name = 'SLM Assist';
    this.input = { phase: 'starting', completionsEnabled };
    this.render();
    this.item.show();
  }

  /** The client's lifecycle phase as last set. */
  get phase(): ClientPhase {
    return this.input.phase;
  }

  /** Shows a lifecycle phase; `detail` says why the server stopped, when known. */
  setPhase(phase: ClientPhase, detail?: string): void {
    // A crash count only means something while restarting after that crash.
    const crash = phase === 'restarting' ? this.input.crash : undefined;
    this.input = { ...this.input, phase, detail, crash };
    this.render();
  }

  /** Notes that the server crashed and is being restarted. */
  setCrashRestart(attempt: number, maxRestarts: number): void {
    this.input = { ...this.input, phase: 'restarting', crash: { attempt, maxRestarts }, detail: undefined };
    this.render();
  }

  /** Shows a status notification from the server. */
  setStatus(status: StatusParams): void {
    this.input = { ...this.input, status };
    this.render();
  }

  /** Follows `slmAssist.inlineCompletion.enabled`. */
  setCompletionsEnabled(enabled: boolean): void {
    this.input = { ...this.input, completionsEnabled: enabled };
    this.render();
  }

  /** Follows the active editor's language and `slmAssist.inlineCompletion.disabledLanguages`. */
  setLanguage(language: StatusInput['language']): void {
    this.input = { ...this.input, language };
    this.render();
  }

  /** Says what Restricted Mode turned off; undefined in a trusted workspace. */
  setRestricted(restricted: StatusInput['restricted']): void {
    this.input = { ...this.input, restricted };
    this.render();
  }

  /** Everything the item shows, for the menu a click opens. */
  get state(): StatusInput {
    return this.input;
  }

  dispose(): void {
    this.item.dispose();
  }

  private render(): void {
    const view = renderStatus(this.input);
    this.item.text = view.text;
    this.item.tooltip = view.tooltip;
    this.item.command = view.command;
    this.item.backgroundColor = view.error ? new vscode.ThemeColor('statusBarItem.errorBackground') : undefined;
  }
}
