import * as path from 'node:path';
import * as vscode from 'vscode';
import { State } from 'vscode-languageclient/node';
import { LoadModelRequest, type StatusParams } from '../../common/protocol';
import { disabledLanguages, SECTION, updateGlobal } from './config';
import type { Ctx } from './ctx';
import { setFallbackApiKey, setTeamServerApiKey } from './fallback';
import { sendRequest0 } from './protocol';
import { importModelFile, manageModels, useModel } from './models';
import { openSample } from './sample';
import { statusMenuItems } from './statusMenu';
import { TextHelp } from './textHelp';

/**
 * Registers every `slmAssist.*` command. Each id is written out in its `registerCommand` call so
 * the manifest test can check it against `contributes.commands`.
 */
export function registerCommands(ctx: Ctx): void {
  const textHelp = new TextHelp(ctx);
  ctx.push(
    textHelp,
    vscode.commands.registerCommand('slmAssist.loadModel', () => loadModel(ctx)),
    vscode.commands.registerCommand('slmAssist.selectModelFile', () => selectModelFile(ctx)),
    vscode.commands.registerCommand('slmAssist.toggleInlineCompletions', () => toggleInlineCompletions()),
    vscode.commands.registerCommand('slmAssist.toggleLanguage', (languageId?: unknown) => toggleLanguage(languageId)),
    vscode.commands.registerCommand('slmAssist.showMenu', () => showMenu(ctx)),
    vscode.commands.registerCommand('slmAssist.openSample', () => openSample()),
    vscode.commands.registerCommand('slmAssist.manageModels', () => manageModels(ctx)),
    vscode.commands.registerCommand('slmAssist.importModelFile', () => importModelFile(ctx)),
    vscode.commands.registerCommand('slmAssist.restartServer', () => ctx.restart()),
    vscode.commands.registerCommand('slmAssist.showLogs', () => ctx.log.show(true)),
    vscode.commands.registerCommand('slmAssist.summarizeSelection', () => textHelp.selection('summarize')),
    vscode.commands.registerCommand('slmAssist.summarizeFile', () => textHelp.file('summarize')),
    vscode.commands.registerCommand('slmAssist.explainSelection', () => textHelp.selection('explain')),
    vscode.commands.registerCommand('slmAssist.setFallbackApiKey', () => setFallbackApiKey(ctx)),
    vscode.commands.registerCommand('slmAssist.setTeamServerApiKey', () => setTeamServerApiKey(ctx)),
  );
}

/** Asks the server to load the configured model now and reports a failure. */
async function loadModel(ctx: Ctx): Promise<void> {
  if (ctx.client.state !== State.Running) {
    const restart = 'Restart Server';
    const choice = await vscode.window.showErrorMessage('SLM Assist: the server is not running.', restart);
    if (choice === restart) await ctx.restart();
    return;
  }
  let status: StatusParams;
  try {
    status = await sendRequest0(ctx.client, LoadModelRequest);
  } catch (error) {
    status = { state: 'error', message: error instanceof Error ? error.message : String(error) };
  }
  if (status.state === 'error') {
    const showLogs = 'Show Logs';
    const choice = await vscode.window.showErrorMessage(
      `SLM Assist: the model could not be loaded: ${status.message ?? 'unknown error'}`,
      showLogs,
    );
    if (choice === showLogs) ctx.log.show(true);
  } else if (status.state === 'noModel') {
    const select = 'Select Model File…';
    const choice = await vscode.window.showInformationMessage('SLM Assist: no model file is set.', select);
    if (choice === select) await selectModelFile(ctx);
  }
}

/**
 * Lets the user pick a GGUF file and stores it as `slmAssist.model.path` in the user settings,
 * after the server looked at it (a warning asks first).
 */
async function selectModelFile(ctx: Ctx): Promise<void> {
  const current = vscode.workspace.getConfiguration(SECTION).get<string>('model.path', '');
  const picked = await vscode.window.showOpenDialog({
    title: 'Select a GGUF model file',
    openLabel: 'Use Model',
    canSelectMany: false,
    canSelectFiles: true,
    canSelectFolders: false,
    filters: { 'GGUF models': ['gguf'] },
    defaultUri: current ? vscode.Uri.file(path.dirname(current)) : undefined,
  });
  const file = picked?.[0];
  if (!file) return;
  // The server reloads the model itself when `model.path` changes.
  if (ctx.client.state === State.Running) await useModel(ctx, file.fsPath, 'completion');
  else await updateGlobal('model.path', file.fsPath);
}

/** The status bar item's menu: what the state calls for first, then the switches and the rest. */
async function showMenu(ctx: Ctx): Promise<void> {
  const items = statusMenuItems({ ...ctx.statusBar.state, hasEditor: vscode.window.activeTextEditor !== undefined });
  const picked = await vscode.window.showQuickPick(items, { title: 'SLM Assist', placeHolder: 'What should SLM Assist do?' });
  if (picked) await vscode.commands.executeCommand(picked.command, ...(picked.args ?? []));
}

/**
 * Turns inline completions off (or back on) for one language, the active editor's by default, in
 * `slmAssist.inlineCompletion.disabledLanguages` of the user settings.
 */
async function toggleLanguage(languageId?: unknown): Promise<void> {
  const id = typeof languageId === 'string' ? languageId : vscode.window.activeTextEditor?.document.languageId;
  if (!id) {
    void vscode.window.showInformationMessage('SLM Assist: open a file first; completions are turned on or off for its language.');
    return;
  }
  const current = disabledLanguages();
  const next = current.includes(id) ? current.filter((l) => l !== id) : [...current, id].sort();
  await updateGlobal('inlineCompletion.disabledLanguages', next);
}

/** Flips `slmAssist.inlineCompletion.enabled` in the user settings. */
async function toggleInlineCompletions(): Promise<void> {
  const enabled = vscode.workspace.getConfiguration(SECTION).get<boolean>('inlineCompletion.enabled', true);
  await updateGlobal('inlineCompletion.enabled', !enabled);
}
