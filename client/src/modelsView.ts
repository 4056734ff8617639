import type { ModelEntry, ModelRoleName, ModelsResult } from '../../common/protocol';

/**
 * What the first-run offer and Manage Models say, computed without `vscode` so the wording and
 * the rules stay testable.
 */

/** `1.1 GB`, `398 MB`: sizes as model pages show them (decimal, like the download sizes users compare). */
export function sizeText(bytes: number, exact = true): string {
  const text =
    bytes >= 1e9 ? `${(bytes / 1e9).toFixed(1)} GB` : bytes >= 1e8 ? `${Math.round(bytes / 1e6)} MB` : `${(bytes / 1e6).toFixed(1)} MB`;
  return exact ? text : `about ${text}`;
}

/** `1.5 GiB` of memory. */
export function memoryText(bytes: number): string {
  return `${(bytes / 2 ** 30).toFixed(1)} GiB`;
}

const ROLE_TEXT: Record<ModelRoleName, string> = { completion: 'completions', chat: 'summaries' };

/** The offer shown on first start without a model, with its buttons in order. */
export interface ModelOffer {
  message: string;
  /** The download button, when downloads may run. */
  download?: { id: string; label: string };
  choose: string;
  others: string;
  importFile?: string;
}

export function modelOffer(models: ModelsResult): ModelOffer | undefined {
  const choose = 'Choose a GGUF File…';
  if (!models.downloads.allowed) {
    return {
      message: `SLM Assist needs a model for completions, and ${models.downloads.reason ?? 'downloads are off.'}`,
      choose,
      others: 'Manage Models…',
      importFile: 'Import Model File…',
    };
  }
  const entry = models.entries.find((e) => e.id === models.recommended.id);
  if (!entry) return undefined;
  const from = models.downloads.mirror ? ` from ${new URL(models.downloads.mirror).host}` : '';
  return {
    message: `SLM Assist needs a model for completions. ${entry.name} suits this machine (${models.recommended.reason}); it downloads once${from} and then runs here, offline.`,
    download: { id: entry.id, label: `Download ${entry.name} (4-bit, ${sizeText(entry.sizeBytes, entry.sizeExact)})` },
    choose,
    others: 'Other Models…',
  };
}

/** One row of Manage Models. */
export interface ModelRow {
  label: string;
  description: string;
  detail: string;
  entry: ModelEntry;
}

export function modelRows(models: ModelsResult): ModelRow[] {
  return models.entries.map((entry) => {
    const icon = entry.inUse.length ? '$(pass-filled)' : entry.installedPath ? '$(check)' : '$(cloud-download)';
    const description = [
      entry.role ? `for ${ROLE_TEXT[entry.role]}` : 'a file in the models folder',
      sizeText(entry.sizeBytes, entry.sizeExact),
      entry.memoryBytes !== undefined
        ? `needs ${memoryText(entry.memoryBytes)} of memory${entry.fits === false ? ' ⚠ more than is free' : ''}`
        : undefined,
    ]
      .filter(Boolean)
      .join(' · ');
    const detail = [
      entry.inUse.length ? `In use for ${entry.inUse.map((role) => ROLE_TEXT[role]).join(' and ')}.` : undefined,
      entry.installedPath ? `Installed: ${entry.installedPath}` : 'Not downloaded yet.',
      entry.parameters ? `${entry.parameters} parameters.` : undefined,
      entry.license ? `Licence: ${entry.license}.` : undefined,
      entry.inCatalog && !entry.verified ? 'Its checksum is not pinned: the download checks size and header only.' : undefined,
    ]
      .filter(Boolean)
      .join(' ');
    return { label: `${icon} ${entry.name}`, description, detail, entry };
  });
}

/** What can be done with one model, in order. */
export type ModelAction = 'download' | 'useForCompletion' | 'useForChat' | 'delete';

export function modelActions(entry: ModelEntry, downloadsAllowed: boolean): { action: ModelAction; label: string }[] {
  const actions: { action: ModelAction; label: string }[] = [];
  if (!entry.installedPath) {
    if (entry.inCatalog && downloadsAllowed)
      actions.push({ action: 'download', label: `$(cloud-download) Download (${sizeText(entry.sizeBytes, entry.sizeExact)})` });
    return actions;
  }
  if (!entry.inUse.includes('completion')) actions.push({ action: 'useForCompletion', label: '$(sparkle) Use for completions' });
  if (!entry.inUse.includes('chat'))
    actions.push({ action: 'useForChat', label: '$(comment-discussion) Use for summaries and explanations' });
  actions.push({ action: 'delete', label: '$(trash) Delete the file' });
  return actions;
}
