import { randomUUID } from 'node:crypto';
import * as vscode from 'vscode';
import {
  State,
  WorkDoneProgress,
  type WorkDoneProgressBegin,
  type WorkDoneProgressEnd,
  type WorkDoneProgressReport,
} from 'vscode-languageclient/node';
import {
  DeleteModelRequest,
  DownloadModelRequest,
  ImportModelRequest,
  InspectModelRequest,
  LoadModelRequest,
  ModelsRequest,
  type StatusParams,
  type ModelEntry,
  type ModelRoleName,
  type ModelsResult,
} from '../../common/protocol';
import { SECTION, updateGlobal } from './config';
import type { Ctx } from './ctx';
import { modelActions, modelOffer, modelRows } from './modelsView';
import { sendRequest, sendRequest0 } from './protocol';

/** globalState key: the user answered the first-run offer with "Don't Ask Again". */
const OFFER_DECLINED = 'modelOfferDeclined';

/** The setting a role's model goes into. */
const SETTING: Record<ModelRoleName, string> = { completion: 'model.path', chat: 'chatModel.path' };

/**
 * Shows {@link offerModel} once per session, when the server first says no model is set (not
 * when a configured model waits to load, and not after the user declined for good).
 */
export function registerModelOffer(ctx: Ctx): void {
  let offered = false;
  ctx.push(
    ctx.api.onDidChangeStatus((status) => {
      if (offered || status.state !== 'noModel' || status.modelPath) return;
      offered = true;
      offerModel(ctx).catch((error: unknown) => ctx.log.warn(`The model offer failed: ${messageOf(error)}`));
    }),
  );
}

/**
 * The first start without a model: one notification offering the model that suits this machine,
 * a file of the user's own, or the other models. Nothing is fetched unless the user clicks.
 */
export async function offerModel(ctx: Ctx): Promise<void> {
  if (ctx.globalState.get<boolean>(OFFER_DECLINED)) return;
  const models = await sendRequest0(ctx.client, ModelsRequest);
  const offer = modelOffer(models);
  if (!offer) return;
  const never = "Don't Ask Again";
  const buttons = [offer.download?.label, offer.choose, offer.importFile, offer.others, never].filter((b): b is string => !!b);
  const picked = await vscode.window.showInformationMessage(offer.message, ...buttons);
  if (picked === offer.download?.label && offer.download) await downloadModel(ctx, offer.download.id, 'completion', models);
  else if (picked === offer.choose) await vscode.commands.executeCommand('slmAssist.selectModelFile');
  else if (picked === offer.importFile) await importModelFile(ctx);
  else if (picked === offer.others) await manageModels(ctx);
  else if (picked === never) await ctx.globalState.update(OFFER_DECLINED, true);
}

/**
 * Downloads a catalog model with a progress notification (bytes, speed, time left, Cancel); once
 * the file is checked, makes it the model for `role`, so completions start without a reload.
 */
export async function downloadModel(ctx: Ctx, id: string, role: ModelRoleName, known?: ModelsResult): Promise<void> {
  const models = known ?? (await sendRequest0(ctx.client, ModelsRequest));
  const entry = models.entries.find((e) => e.id === id);
  const name = entry?.name ?? id;
  const workDoneToken = randomUUID();
  try {
    const result = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `SLM Assist: downloading ${name}`, cancellable: true },
      async (progress, token) => {
        let shown = 0;
        const listener = ctx.client.onProgress(
          WorkDoneProgress.type,
          workDoneToken,
          (value: WorkDoneProgressBegin | WorkDoneProgressReport | WorkDoneProgressEnd) => {
            if (value.kind !== 'report') return;
            const percentage = value.percentage ?? shown;
            progress.report({ message: value.message, increment: Math.max(0, percentage - shown) });
            shown = Math.max(shown, percentage);
          },
        );
        try {
          return await sendRequest(ctx.client, DownloadModelRequest, { id, workDoneToken }, token);
        } finally {
          listener.dispose();
        }
      },
    );
    await switchTo(ctx, result.path, role);
    void vscode.window.showInformationMessage(
      `SLM Assist: ${name} is downloaded${result.verified ? ' and verified' : ''}; it is now the model for ${role === 'completion' ? 'completions' : 'summaries'}.`,
    );
  } catch (error) {
    if (isCancelled(error)) {
      void vscode.window.showInformationMessage(
        `SLM Assist: the download of ${name} was cancelled; downloading it again resumes where it stopped.`,
      );
      return;
    }
    const retry = 'Try Again';
    const picked = await vscode.window.showErrorMessage(`SLM Assist: ${messageOf(error)}`, retry, 'Show Logs');
    if (picked === retry) await downloadModel(ctx, id, role);
    else if (picked === 'Show Logs') ctx.log.show(true);
  }
}

/** "SLM Assist: Manage Models": the catalog and the folder's files; download, switch or delete one. */
export async function manageModels(ctx: Ctx): Promise<void> {
  if (ctx.client.state !== State.Running) {
    void vscode.window.showErrorMessage('SLM Assist: the server is not running.');
    return;
  }
  const models = await sendRequest0(ctx.client, ModelsRequest);
  type Item = vscode.QuickPickItem & { entry?: ModelEntry; run?: () => Promise<void> };
  const items: Item[] = [
    ...modelRows(models).map((row) => ({ label: row.label, description: row.description, detail: row.detail, entry: row.entry })),
    { label: '', kind: vscode.QuickPickItemKind.Separator },
    { label: '$(file-add) Import Model File…', run: () => importModelFile(ctx) },
    { label: '$(folder-opened) Open the Models Folder', detail: models.directory, run: () => openFolder(models.directory) },
  ];
  const memory = `${(models.machine.availableMemoryBytes / 2 ** 30).toFixed(1)} of ${(models.machine.totalMemoryBytes / 2 ** 30).toFixed(0)} GiB of memory free`;
  const picked = await vscode.window.showQuickPick(items, {
    title: `SLM Assist: Models (${memory}, ${models.machine.cores} cores)`,
    placeHolder: models.downloads.allowed ? 'Choose a model to download, use or delete' : `Downloads are off: ${models.downloads.reason}`,
    matchOnDescription: true,
    matchOnDetail: true,
  });
  if (!picked) return;
  if (picked.run) return picked.run();
  if (picked.entry) await modelMenu(ctx, picked.entry, models);
}

async function modelMenu(ctx: Ctx, entry: ModelEntry, models: ModelsResult): Promise<void> {
  const actions = modelActions(entry, models.downloads.allowed);
  if (actions.length === 0) {
    void vscode.window.showInformationMessage(`SLM Assist: ${entry.name} cannot be downloaded: ${models.downloads.reason}`);
    return;
  }
  const picked = await vscode.window.showQuickPick(actions, { title: entry.name });
  if (!picked) return;
  switch (picked.action) {
    case 'download':
      return downloadModel(ctx, entry.id, entry.role ?? 'completion', models);
    case 'useForCompletion':
    case 'useForChat':
      if (entry.installedPath) await useModel(ctx, entry.installedPath, picked.action === 'useForCompletion' ? 'completion' : 'chat');
      return;
    case 'delete':
      return deleteModel(ctx, entry);
  }
}

/**
 * Makes a file the model for a role, after the server looked at it: a warning (will not fit, an
 * instruct model for completion, no chat template for chat, not 4-bit) asks first.
 */
export async function useModel(ctx: Ctx, path: string, role: ModelRoleName): Promise<boolean> {
  const inspected = await sendRequest(ctx.client, InspectModelRequest, { path, role });
  if (!inspected.ok) {
    void vscode.window.showErrorMessage(`SLM Assist: ${path} cannot be used: ${inspected.reason}`);
    return false;
  }
  if (inspected.warnings.length) {
    const use = 'Use It Anyway';
    const picked = await vscode.window.showWarningMessage(
      `SLM Assist: about ${inspected.name ?? path}`,
      { modal: true, detail: inspected.warnings.join('\n\n') },
      use,
    );
    if (picked !== use) return false;
  }
  await switchTo(ctx, path, role);
  return true;
}

/**
 * Puts a file in a role's setting and has the server load it at once, so completions start
 * without waiting for the next keystroke (the old model is freed). The load is asked for once the
 * server's status names the new file, that is once the settings change has reached it.
 */
async function switchTo(ctx: Ctx, path: string, role: ModelRoleName): Promise<void> {
  const arrived = new Promise<void>((resolve) => {
    const names = (status: StatusParams | undefined): boolean => {
      const model = role === 'chat' ? (status?.chat ?? status) : status;
      return model?.modelPath === path || model?.model?.path === path;
    };
    if (names(ctx.api.status)) return resolve();
    const listener = ctx.api.onDidChangeStatus((status) => {
      if (!names(status)) return;
      listener.dispose();
      resolve();
    });
    setTimeout(() => {
      listener.dispose();
      resolve();
    }, 10_000);
  });
  await updateGlobal(SETTING[role], path);
  await arrived;
  await sendRequest0(ctx.client, LoadModelRequest).catch((error: unknown) => ctx.log.warn(`Loading ${path} failed: ${messageOf(error)}`));
}

async function deleteModel(ctx: Ctx, entry: ModelEntry): Promise<void> {
  if (!entry.installedPath) return;
  const del = 'Delete';
  const using = entry.inUse.length
    ? ` It is in use; ${entry.inUse.map((r) => `slmAssist.${SETTING[r]}`).join(' and ')} will be cleared.`
    : '';
  const picked = await vscode.window.showWarningMessage(`Delete ${entry.installedPath}?${using}`, { modal: true }, del);
  if (picked !== del) return;
  const config = vscode.workspace.getConfiguration(SECTION);
  for (const role of entry.inUse) {
    if (config.get<string>(SETTING[role]) === entry.installedPath) await updateGlobal(SETTING[role], '');
  }
  await sendRequest(ctx.client, DeleteModelRequest, { path: entry.installedPath });
  void vscode.window.showInformationMessage(`SLM Assist: deleted ${entry.fileName}.`);
}

/** "SLM Assist: Import Model File…": copies (or links) a GGUF file into the models folder. */
export async function importModelFile(ctx: Ctx): Promise<void> {
  const picked = await vscode.window.showOpenDialog({
    title: 'Import a GGUF model file',
    openLabel: 'Import',
    canSelectMany: false,
    filters: { 'GGUF models': ['gguf'] },
  });
  const source = picked?.[0]?.fsPath;
  if (!source) return;
  const how = await vscode.window.showQuickPick(
    [
      { label: 'Copy it into the models folder', link: false },
      { label: 'Link to it where it is', description: 'no second copy on disk', link: true },
    ],
    { title: 'Import Model File' },
  );
  if (!how) return;
  try {
    const { path } = await sendRequest(ctx.client, ImportModelRequest, { source, link: how.link });
    const use = 'Use for Completions';
    const chosen = await vscode.window.showInformationMessage(`SLM Assist: imported ${path}.`, use);
    if (chosen === use) await useModel(ctx, path, 'completion');
  } catch (error) {
    void vscode.window.showErrorMessage(`SLM Assist: ${messageOf(error)}`);
  }
}

async function openFolder(directory: string): Promise<void> {
  await vscode.workspace.fs.createDirectory(vscode.Uri.file(directory));
  await vscode.commands.executeCommand('revealFileInOS', vscode.Uri.file(directory));
}

function isCancelled(error: unknown): boolean {
  return typeof error === 'object' && error !== null && 'code' in error && (error as { code: unknown }).code === -32800;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
