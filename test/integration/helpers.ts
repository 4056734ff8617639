import * as vscode from 'vscode';
import type { BackgroundTrace, CompletionTrace, StatusParams, ViewedParams } from '../../common/protocol';

/** The extension's id: `publisher.name` from package.json. */
export const EXTENSION_ID = 'slm-assist.slm-assist';

/**
 * What `activate()` returns (`client/src/api.ts`). Uses stay optional, with a fallback to what the
 * public `vscode` API can observe, so the suite also runs against an older build.
 */
export interface SlmAssistTestApi {
  /** The last status the server sent, if any. */
  readonly status?: StatusParams;
  /** Fires on every status notification from the server. */
  readonly onDidChangeStatus?: vscode.Event<StatusParams>;
  /** After each `slmAssist/viewed` the extension sent. */
  readonly onDidReportView?: vscode.Event<ViewedParams>;
  /** The server's traces (with `SLM_ASSIST_COMPLETION_TRACES=1`, which the runners set). */
  readonly onDidCompleteRequest?: vscode.Event<CompletionTrace>;
  readonly onDidBackgroundWork?: vscode.Event<BackgroundTrace>;
}

/** The next event that `matches`, as a promise (subscribe before causing it). */
export function nextEvent<T>(event: vscode.Event<T>, matches: (value: T) => boolean): Promise<T> {
  return new Promise((resolve) => {
    const listener = event((value) => {
      if (!matches(value)) return;
      listener.dispose();
      resolve(value);
    });
  });
}

/** The known model the tests run against, from the environment the e2e runner sets. */
export interface KnownModel {
  /** Absolute path of the GGUF file (`SLM_E2E_MODEL`). */
  path: string;
  /** Text typed into an empty TypeScript file (`SLM_E2E_PROMPT`, e.g. `console`). */
  prompt: string;
  /** What the model writes after the prompt (`SLM_E2E_CONTINUATION`, e.g. `.log(`). */
  continuation: string;
}

/** The known model, or undefined when the runner did not provide one (the tests then skip). */
export function knownModel(): KnownModel | undefined {
  const { SLM_E2E_MODEL: path, SLM_E2E_PROMPT: prompt, SLM_E2E_CONTINUATION: continuation } = process.env;
  return path && prompt && continuation ? { path, prompt, continuation } : undefined;
}

/** Activates the extension (waiting on its activation promise) and returns its exports. */
export async function activateExtension(): Promise<SlmAssistTestApi | undefined> {
  const extension = vscode.extensions.getExtension<SlmAssistTestApi | undefined>(EXTENSION_ID);
  if (!extension) throw new Error(`extension ${EXTENSION_ID} is not installed in this VS Code`);
  const exports = await extension.activate();
  return exports ?? undefined;
}

/** Rejects after `ms` with `message`, so a hung step fails with a reason instead of mocha's timeout. */
export function withTimeout<T>(promise: Thenable<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${message} (after ${ms} ms)`)), ms);
  });
  return Promise.race([Promise.resolve(promise), timeout]).finally(() => clearTimeout(timer));
}

/** Points `slmAssist.model.path` at `path` in the user settings, unless it already is. */
export async function useModel(path: string): Promise<void> {
  const config = vscode.workspace.getConfiguration('slmAssist');
  if (config.get<string>('model.path') === path) return;
  await config.update('model.path', path, vscode.ConfigurationTarget.Global);
}

/**
 * Waits until the server reports the model as loaded. With the wished-for status event this waits
 * on it; without, it runs `slmAssist.loadModel`, which resolves once the server answered. That
 * command shows a message box and waits on it when loading fails, hence the timeout.
 */
export async function waitForModelReady(api: SlmAssistTestApi | undefined, timeoutMs = 60_000): Promise<void> {
  if (api?.onDidChangeStatus) {
    const onStatus = api.onDidChangeStatus;
    const ready = new Promise<void>((resolve, reject) => {
      const check = (status: StatusParams | undefined): boolean => {
        if (status?.state === 'ready') resolve();
        else if (status?.state === 'error') reject(new Error(`the model failed to load: ${status.message ?? '(no message)'}`));
        else return false;
        return true;
      };
      if (check(api.status)) return;
      const listener = onStatus((status) => {
        if (check(status)) listener.dispose();
      });
    });
    await vscode.commands.executeCommand('slmAssist.loadModel');
    await withTimeout(ready, timeoutMs, 'the model did not become ready');
    return;
  }
  await withTimeout(
    vscode.commands.executeCommand('slmAssist.loadModel'),
    timeoutMs,
    "'SLM Assist: Load Model' did not finish; it waits on its error message when the model fails to load",
  );
}

/** Opens a new, empty TypeScript editor. */
export async function openTypeScriptEditor(content = ''): Promise<vscode.TextEditor> {
  const document = await vscode.workspace.openTextDocument({ language: 'typescript', content });
  return vscode.window.showTextDocument(document);
}

/** Types `text` at the end of the document, leaving the cursor after it. */
export async function typeAtEnd(editor: vscode.TextEditor, text: string): Promise<void> {
  const end = editor.document.lineAt(editor.document.lineCount - 1).range.end;
  const applied = await editor.edit((edit) => edit.insert(end, text));
  if (!applied) throw new Error(`could not type ${JSON.stringify(text)}`);
  const cursor = editor.document.lineAt(editor.document.lineCount - 1).range.end;
  editor.selection = new vscode.Selection(cursor, cursor);
}

/**
 * Asks for an inline suggestion at the cursor and accepts it, as Tab would; returns the text it
 * inserted ('' when none was shown). `editor.action.inlineSuggest.trigger` resolves once the
 * providers answered, and the accepted edit reaches the extension host before `commit` resolves,
 * so no waiting is needed in between. (VS Code 1.100 has no `vscode.executeInlineCompletion…`
 * command to query the providers directly.)
 */
export async function acceptInlineSuggestion(editor: vscode.TextEditor): Promise<string> {
  const before = editor.document.getText();
  await vscode.commands.executeCommand('editor.action.inlineSuggest.trigger');
  await vscode.commands.executeCommand('editor.action.inlineSuggest.commit');
  const after = editor.document.getText();
  // Typing happened at the end of the document, so the accepted text is what follows `before`.
  return after.startsWith(before) ? after.slice(before.length) : after;
}

/** Closes every editor without saving (untitled ones too), so each test starts from an empty workbench. */
export async function closeAllEditors(): Promise<void> {
  // `closeAllEditors` would ask whether to save the untitled ones; reverting first never asks.
  for (let i = 0; i < 50 && vscode.window.activeTextEditor; i++) {
    await vscode.commands.executeCommand('workbench.action.revertAndCloseActiveEditor');
  }
  await vscode.commands.executeCommand('workbench.action.closeAllEditors');
}

/**
 * For a suite's `before`: the known model loaded, with the extension's API; skips the suite when
 * the runner provided no model (it says which variables to set).
 */
export async function withKnownModel(suite: Mocha.Context): Promise<{ model: KnownModel; api: SlmAssistTestApi | undefined }> {
  const model = knownModel();
  if (!model) suite.skip();
  const api = await activateExtension();
  await useModel(model.path);
  await waitForModelReady(api);
  return { model, api };
}
