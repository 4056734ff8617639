import { randomUUID } from 'node:crypto';
import * as vscode from 'vscode';
import {
  ProgressType,
  WorkDoneProgress,
  type WorkDoneProgressBegin,
  type WorkDoneProgressEnd,
  type WorkDoneProgressReport,
} from 'vscode-languageclient/node';
import { ExplainRequest, SummarizeRequest, type TextHelpParams, type TextHelpPartial, type TextHelpResult } from '../../common/protocol';
import { AnswerPanel, type AnswerRun } from './answerPanel';
import { answerTitle, isCancelledError, progressMessage, textHelpErrorMessage, type TextHelpKind } from './answerView';
import { commentSyntaxFor, formatAsComment } from '../../common/commentSyntax';
import type { Ctx } from './ctx';
import { DOCUMENT_SCHEMES } from './languageClient';
import { sendRequest } from './protocol';
import { chooseSelectionTarget, insertionAboveLine, insertionAtTop, selectedLines, type InsertionPoint } from './textHelpTarget';

/** The streamed pieces of an answer, sent with `$/progress` on the request's `partialResultToken`. */
const partialResult = new ProgressType<TextHelpPartial>();

type WorkDoneValue = WorkDoneProgressBegin | WorkDoneProgressReport | WorkDoneProgressEnd;

/** What one run is about. */
interface Target {
  kind: TextHelpKind;
  document: vscode.TextDocument;
  /** Absent: the whole document. */
  range?: vscode.Range;
  title: string;
  insertion: InsertionPoint;
}

/**
 * Summarize Selection, Summarize File and Explain Selection: each sends `slmAssist/summarize` or
 * `slmAssist/explain` and streams the answer into the {@link AnswerPanel}.
 */
export class TextHelp implements vscode.Disposable {
  private readonly panel: AnswerPanel;

  constructor(private readonly ctx: Ctx) {
    this.panel = new AnswerPanel(ctx.extensionUri, ctx.log);
  }

  /**
   * Summarizes or explains the selection. With an empty selection, Explain Selection explains the
   * cursor's line (unless it is blank); Summarize Selection says "Select some text first" and
   * offers to summarize the whole file, since one line is too little to summarize.
   */
  async selection(kind: TextHelpKind): Promise<void> {
    const editor = this.activeEditor();
    if (!editor) return;
    const { document, selection } = editor;
    const startLine = document.lineAt(selection.start.line);
    const choice = chooseSelectionTarget(kind, {
      isEmpty: selection.isEmpty,
      start: selection.start,
      end: selection.end,
      startLineText: startLine.text,
    });
    if (choice === 'selectFirst') {
      void vscode.window.showInformationMessage('SLM Assist: select some text first.');
      return;
    }
    if (choice === 'offerFile') {
      const summarizeFile = 'Summarize File';
      const picked = await vscode.window.showInformationMessage(
        'SLM Assist: select some text first, or summarize the whole file.',
        summarizeFile,
      );
      if (picked === summarizeFile) await this.file(kind);
      return;
    }
    const range = choice === 'line' ? startLine.range : selection;
    const name = fileName(document);
    await this.run({
      kind,
      document,
      range,
      title: answerTitle(kind, name, selectedLines(range)),
      insertion: insertionAboveLine(range.start.line, startLine.text),
    });
  }

  /** Summarizes (or explains) the whole document of the active editor. */
  async file(kind: TextHelpKind): Promise<void> {
    const editor = this.activeEditor();
    if (!editor) return;
    const { document } = editor;
    await this.run({ kind, document, title: answerTitle(kind, fileName(document)), insertion: insertionAtTop(document.lineAt(0).text) });
  }

  dispose(): void {
    this.panel.dispose();
  }

  private activeEditor(): vscode.TextEditor | undefined {
    // With the answer panel focused there is no active text editor; one visible editor is clear enough.
    const visible = vscode.window.visibleTextEditors;
    const editor = vscode.window.activeTextEditor ?? (visible.length === 1 ? visible[0] : undefined);
    if (!editor) {
      void vscode.window.showInformationMessage('SLM Assist: open a file first.');
      return undefined;
    }
    if (!DOCUMENT_SCHEMES.includes(editor.document.uri.scheme)) {
      void vscode.window.showInformationMessage('SLM Assist reads files and untitled documents only.');
      return undefined;
    }
    return editor;
  }

  /**
   * Sends the request with a fresh `partialResultToken` and `workDoneToken`, streams partial
   * results into the panel, shows work-done messages in a cancellable notification until the first
   * token, and ends in the panel with the result, "Stopped." or the error.
   */
  private async run(target: Target): Promise<void> {
    const client = this.ctx.client;
    const cts = new vscode.CancellationTokenSource();
    let ended = false;
    const stop = (): void => {
      if (!ended) cts.cancel();
    };
    const answer = this.panel.begin({
      title: target.title,
      canInsert: commentSyntaxFor(target.document.languageId) !== undefined,
      stop,
      insert: (text) => insertComment(target, text),
    });
    const partialResultToken = randomUUID();
    const workDoneToken = randomUUID();
    const waiting = new Waiting(target.kind);
    const handlers = [
      client.onProgress(partialResult, partialResultToken, ({ delta }) => {
        waiting.end();
        answer.append(delta);
      }),
      client.onProgress(WorkDoneProgress.type, workDoneToken, (value: WorkDoneValue) => {
        if (value.kind === 'end' || !value.message) return;
        answer.progress(value.message);
        waiting.report(value.message, value.percentage);
      }),
    ];
    waiting.show(() => {
      answer.stop();
      stop();
    });
    const params: TextHelpParams = {
      textDocument: client.code2ProtocolConverter.asTextDocumentIdentifier(target.document),
      range: target.range && client.code2ProtocolConverter.asRange(target.range),
      workDoneToken,
      partialResultToken,
    };
    const spec = target.kind === 'summarize' ? SummarizeRequest : ExplainRequest;
    const request = sendRequest(client, spec, params, cts.token);
    // The request's promise waits for the server's answer; Stop must not wait for it.
    const cancelled = new Promise<undefined>((resolve) => cts.token.onCancellationRequested(() => resolve(undefined)));
    try {
      const outcome = await Promise.race([request.then((result) => ({ result })), cancelled]);
      if (outcome) answer.finish(outcome.result);
      else lateResult(answer, request);
    } catch (error) {
      if (cts.token.isCancellationRequested || isCancelledError(error)) answer.stop();
      else this.fail(answer, textHelpErrorMessage(target.kind, error));
    } finally {
      ended = true;
      for (const handler of handlers) handler.dispose();
      waiting.end();
      cts.dispose();
    }
  }

  private fail(answer: AnswerRun, message: string): void {
    this.ctx.log.warn(message);
    answer.fail(message);
    void vscode.window.showErrorMessage(message, 'Show Logs').then((choice) => {
      if (choice === 'Show Logs') this.ctx.log.show(true);
    });
  }
}

/** After Stop, the server still answers with what it had; the panel shows who answered. */
function lateResult(answer: AnswerRun, request: Promise<TextHelpResult>): void {
  request.then(
    (result) => answer.finish(result),
    () => undefined,
  );
}

/**
 * The cancellable progress notification, open from the start of a run until its first token or
 * its end: "Summarizing…", then the server's work-done messages.
 */
class Waiting {
  private progress: vscode.Progress<{ message?: string; increment?: number }> | undefined;
  private percentage = 0;
  private resolve: (() => void) | undefined;
  private readonly done = new Promise<void>((resolve) => (this.resolve = resolve));

  constructor(private readonly kind: TextHelpKind) {}

  /** Opens the notification; its Cancel button calls `onCancel`. */
  show(onCancel: () => void): void {
    void vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: 'SLM Assist', cancellable: true },
      (progress, token) => {
        this.progress = progress;
        progress.report({ message: progressMessage(this.kind) });
        token.onCancellationRequested(onCancel);
        return this.done;
      },
    );
  }

  /** Shows a work-done message ("reading chunk 3 of 12") and advances the bar to `percentage`. */
  report(message: string, percentage?: number): void {
    const increment = percentage !== undefined && percentage > this.percentage ? percentage - this.percentage : undefined;
    if (increment !== undefined) this.percentage += increment;
    this.progress?.report({ message: progressMessage(this.kind, message), increment });
  }

  /** Closes the notification. */
  end(): void {
    this.resolve?.();
  }
}

/** Inserts `text` as a comment above the text the answer is about. */
async function insertComment(target: Target, text: string): Promise<void> {
  const { insertion } = target;
  if (target.document.isClosed && target.document.isUntitled) throw new Error(`${fileName(target.document)} was closed`);
  // The document as it is now; a closed file is opened again.
  const document = await vscode.workspace.openTextDocument(target.document.uri);
  const comment = formatAsComment(text, document.languageId, insertion.indent);
  if (!comment) {
    void vscode.window.showInformationMessage(
      comment === '' ? 'SLM Assist: there is no answer to insert.' : `SLM Assist: ${document.languageId} has no comment syntax.`,
    );
    return;
  }
  const edit = new vscode.WorkspaceEdit();
  const line = Math.min(insertion.line, document.lineCount - 1);
  edit.insert(document.uri, new vscode.Position(line, 0), comment);
  if (!(await vscode.workspace.applyEdit(edit))) throw new Error(`VS Code did not apply the edit to ${fileName(document)}`);
}

function fileName(document: vscode.TextDocument): string {
  const path = document.uri.path;
  return document.isUntitled ? path : path.slice(path.lastIndexOf('/') + 1);
}
