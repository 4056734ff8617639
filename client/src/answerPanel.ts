import { randomBytes } from 'node:crypto';
import * as vscode from 'vscode';
import type { TextHelpResult } from '../../common/protocol';
import { parseWebviewMessage, resultFooter, type AnswerState, type FromWebview, type ToWebview } from './answerView';

/** What the panel needs from the command that starts a run. */
export interface RunOptions {
  title: string;
  /** Whether the document's language has comments, so "Insert as comment" can be offered. */
  canInsert: boolean;
  /** Cancels the request (Stop, closing the panel, or a newer run). */
  stop(): void;
  /** Inserts the answer as a comment above the text it is about. */
  insert(text: string): Promise<void>;
}

/**
 * The "SLM Assist" panel beside the editor. It shows one run at a time: a new run replaces the
 * content and stops the previous one. The extension keeps the whole state and sends the webview
 * only deltas while streaming; when the webview (re)loads it asks for the state and gets it all
 * once, so nothing is lost when the panel was hidden.
 */
export class AnswerPanel implements vscode.Disposable {
  private panel: vscode.WebviewPanel | undefined;
  private run: AnswerRun | undefined;
  private nextId = 1;

  constructor(
    private readonly extensionUri: vscode.Uri,
    private readonly log: vscode.LogOutputChannel,
  ) {}

  /** Shows the panel (without taking focus) with a new, empty run. */
  begin(options: RunOptions): AnswerRun {
    this.run?.stop();
    const state: AnswerState = {
      id: this.nextId++,
      title: options.title,
      text: '',
      phase: 'waiting',
      status: 'Waiting for the model…',
      footer: [],
      canInsert: options.canInsert,
    };
    this.run = new AnswerRun(this, state, options);
    if (this.panel) this.panel.reveal(undefined, true);
    else this.panel = this.create();
    this.post({ type: 'reset', state });
    return this.run;
  }

  /** Whether `run` is the one the panel shows. */
  isCurrent(run: AnswerRun): boolean {
    return this.run === run && this.panel !== undefined;
  }

  /** Sends a message to the webview; a hidden webview drops it and gets the state on `ready`. */
  post(message: ToWebview): void {
    void this.panel?.webview.postMessage(message);
  }

  dispose(): void {
    this.panel?.dispose();
  }

  private create(): vscode.WebviewPanel {
    const media = vscode.Uri.joinPath(this.extensionUri, 'media');
    const panel = vscode.window.createWebviewPanel(
      'slmAssistAnswer',
      'SLM Assist',
      { viewColumn: vscode.ViewColumn.Beside, preserveFocus: true },
      { enableScripts: true, localResourceRoots: [media] },
    );
    panel.iconPath = vscode.Uri.joinPath(media, 'icon.png');
    panel.webview.html = html(panel.webview, media);
    panel.webview.onDidReceiveMessage((message: unknown) => this.onMessage(parseWebviewMessage(message)));
    panel.onDidDispose(() => {
      // Closing the panel stops the answer nobody can see any more.
      const run = this.run;
      this.run = undefined;
      this.panel = undefined;
      run?.cancelRequest();
    });
    return panel;
  }

  private onMessage(message: FromWebview | undefined): void {
    const run = this.run;
    if (!message || !run) return;
    switch (message.type) {
      case 'ready':
        this.post({ type: 'reset', state: run.state });
        break;
      case 'stop':
        run.stop();
        break;
      case 'copy':
        void vscode.env.clipboard.writeText(run.state.text);
        break;
      case 'insert':
        run.insert().catch((error: unknown) => {
          const text = `SLM Assist: the answer could not be inserted: ${error instanceof Error ? error.message : String(error)}`;
          this.log.warn(text);
          void vscode.window.showErrorMessage(text);
        });
        break;
    }
  }
}

/** One answer in the panel. Calls on a run the panel no longer shows change nothing. */
export class AnswerRun {
  constructor(
    private readonly panel: AnswerPanel,
    /** The state the webview shows; the extension's copy is the one Copy and Insert use. */
    readonly state: AnswerState,
    private readonly options: RunOptions,
  ) {}

  /** Appends streamed text. */
  append(delta: string): void {
    if (!delta || !this.live) return;
    this.state.text += delta;
    if (this.state.phase === 'waiting') this.setMeta('streaming', 'Writing…');
    this.panel.post({ type: 'delta', id: this.state.id, text: delta });
  }

  /** Shows the server's progress message ("reading chunk 3 of 12"). */
  progress(message: string): void {
    if (this.live) this.setMeta(this.state.phase, message);
  }

  /**
   * Shows the result. After Stop the server may still answer with what it had (marked
   * incomplete): the footer then says who answered, and the run stays stopped.
   */
  finish(result: TextHelpResult): void {
    if (!this.panel.isCurrent(this)) return;
    const stopped = this.state.phase === 'stopped';
    this.state.footer = resultFooter(result);
    this.state.phase = stopped ? 'stopped' : 'done';
    this.state.status = stopped ? 'Stopped.' : result.text.trim() ? '' : 'The model gave an empty answer.';
    // The result carries the whole answer; it replaces the stream when the two differ (no
    // partial results, or the server trimmed the text). After Stop the text stays as the user
    // saw it when they pressed Stop, even if a few more tokens were still on their way.
    if (!stopped && result.text && result.text !== this.state.text) {
      this.state.text = result.text;
      this.panel.post({ type: 'reset', state: this.state });
    } else {
      this.setMeta(this.state.phase, this.state.status);
    }
  }

  /** Shows an error instead of an answer; the text streamed so far stays. */
  fail(message: string): void {
    if (this.live) this.setMeta('error', message);
  }

  /** Cancels the request and says so; the text streamed so far stays. */
  stop(): void {
    if (!this.live) return;
    this.setMeta('stopped', 'Stopped.');
    this.options.stop();
  }

  /** Cancels the request without touching the panel (it is gone). */
  cancelRequest(): void {
    this.options.stop();
  }

  /** Inserts the answer so far as a comment. */
  insert(): Promise<void> {
    return this.options.insert(this.state.text);
  }

  /** Whether the run is shown and still waiting or streaming. */
  private get live(): boolean {
    return this.panel.isCurrent(this) && (this.state.phase === 'waiting' || this.state.phase === 'streaming');
  }

  private setMeta(phase: AnswerState['phase'], status: string): void {
    this.state.phase = phase;
    this.state.status = status;
    this.panel.post({ type: 'meta', id: this.state.id, phase, status, footer: this.state.footer });
  }
}

function html(webview: vscode.Webview, media: vscode.Uri): string {
  const nonce = randomBytes(16).toString('base64');
  const script = webview.asWebviewUri(vscode.Uri.joinPath(media, 'answer.js'));
  const style = webview.asWebviewUri(vscode.Uri.joinPath(media, 'answer.css'));
  const csp = `default-src 'none'; img-src ${webview.cspSource}; style-src ${webview.cspSource}; script-src 'nonce-${nonce}';`;
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${style.toString()}">
<title>SLM Assist</title>
</head>
<body>
<header>
<h1 id="title"></h1>
<p id="status" role="status" aria-live="polite"></p>
</header>
<div class="toolbar">
<button id="stop" type="button">Stop</button>
<button id="copy" type="button">Copy</button>
<button id="insert" type="button">Insert as comment</button>
</div>
<pre id="answer"></pre>
<ul id="footer"></ul>
<script nonce="${nonce}" src="${script.toString()}"></script>
</body>
</html>`;
}
