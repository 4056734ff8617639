import * as vscode from 'vscode';
import { State, type LanguageClient } from 'vscode-languageclient/node';
import { ClipboardNotification, ViewedNotification, type ViewedParams } from '../../common/protocol';
import { SECTION } from './config';
import { DOCUMENT_SCHEMES } from './languageClient';
import { sendNotification } from './protocol';

/** Quiet time after a switch or a scroll before the place is reported: scrolling through a file is not viewing each screen. */
export const VIEW_SETTLE_MS = 500;
/** Most lines of the clipboard sent (the server keeps 32). */
const CLIPBOARD_LINES = 32;

/**
 * Tells the server where the user looks (the middle of the active editor's visible range, after a
 * switch or a scroll has settled), so that completions in other files get a snippet of it; and,
 * only with `inlineCompletion.clipboardContext` on in the user's settings, the clipboard's text
 * when it changed. Both go to the local server process only.
 */
export class ViewTracker implements vscode.Disposable {
  private timer?: NodeJS.Timeout;
  private lastClipboard?: string;
  private readonly disposables: vscode.Disposable[];

  constructor(
    private readonly client: LanguageClient,
    /** Called after each `slmAssist/viewed` went out. */
    private readonly reported: (params: ViewedParams) => void = () => undefined,
  ) {
    this.disposables = [
      vscode.window.onDidChangeActiveTextEditor(() => this.schedule()),
      vscode.window.onDidChangeTextEditorVisibleRanges((event) => {
        if (event.textEditor === vscode.window.activeTextEditor) this.schedule();
      }),
      vscode.window.onDidChangeWindowState((state) => {
        if (state.focused) this.schedule();
      }),
    ];
  }

  private schedule(): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.report(), VIEW_SETTLE_MS);
  }

  private async report(): Promise<void> {
    if (this.client.state !== State.Running) return;
    const editor = vscode.window.activeTextEditor;
    const range = editor?.visibleRanges[0];
    if (editor && range && DOCUMENT_SCHEMES.includes(editor.document.uri.scheme)) {
      const params: ViewedParams = {
        textDocument: { uri: editor.document.uri.toString() },
        line: Math.floor((range.start.line + range.end.line) / 2),
      };
      await sendNotification(this.client, ViewedNotification, params);
      this.reported(params);
    }
    if (!clipboardContextOn()) return;
    const text = (await vscode.env.clipboard.readText()).split('\n').slice(0, CLIPBOARD_LINES).join('\n');
    if (text.trim() === '' || text === this.lastClipboard) return;
    this.lastClipboard = text;
    await sendNotification(this.client, ClipboardNotification, { text });
  }

  dispose(): void {
    clearTimeout(this.timer);
    for (const disposable of this.disposables) disposable.dispose();
  }
}

/** `inlineCompletion.clipboardContext` from the user's own settings: a workspace cannot make the extension read the clipboard. */
function clipboardContextOn(): boolean {
  return vscode.workspace.getConfiguration(SECTION).inspect<boolean>('inlineCompletion.clipboardContext')?.globalValue === true;
}
