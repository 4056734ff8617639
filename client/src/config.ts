import * as vscode from 'vscode';
import { defaultSettings, parseSettings, type SettingProblem } from '../../common/settings';
import { buildSection, ignoredWorkspaceMessage, restrictedKeysIn, restrictedWorkspaceMessage, type BuiltSection } from './settingsSection';

/** The configuration section of every SLM Assist setting. */
export const SECTION = 'slmAssist';

/**
 * Reads the `slmAssist` section the server gets, as a plain object of the schema's shape
 * (`{ model: { path, ... }, inlineCompletion: { ... } }`). The settings that decide whether code
 * leaves the machine come from user/machine settings only (see `settingsSection.ts`). It is not
 * validated here: the server validates what it receives, the client only warns
 * (see {@link SettingsWarnings}).
 */
export function readSection(): Record<string, unknown> {
  return readBuiltSection().section;
}

/** The section and the user-only settings a workspace tried to set. */
export function readBuiltSection(): BuiltSection {
  const config = vscode.workspace.getConfiguration(SECTION);
  return buildSection(
    defaultSettings,
    { get: (key) => config.get(key), inspect: (key) => config.inspect(key) },
    { trusted: vscode.workspace.isTrusted },
  );
}

/**
 * In Restricted Mode, what it turns off: the model settings a workspace sets (read from the
 * workspace's settings files, since VS Code hides their values then). Undefined when trusted.
 */
export async function restrictedMode(): Promise<{ ignored: string[] } | undefined> {
  const built = readBuiltSection().restricted;
  if (!built) return undefined;
  const files = [
    ...(vscode.workspace.workspaceFolders ?? []).map((folder) => vscode.Uri.joinPath(folder.uri, '.vscode', 'settings.json')),
    ...(vscode.workspace.workspaceFile?.scheme === 'file' ? [vscode.workspace.workspaceFile] : []),
  ];
  const texts = await Promise.all(
    files.map(async (uri) => {
      try {
        return new TextDecoder().decode(await vscode.workspace.fs.readFile(uri));
      } catch {
        return ''; // no settings file there
      }
    }),
  );
  return { ignored: [...new Set([...built.ignored, ...restrictedKeysIn(texts)])].sort() };
}

/** Whether inline completions are switched on (`slmAssist.inlineCompletion.enabled`). */
export function completionsEnabled(): boolean {
  return vscode.workspace.getConfiguration(SECTION).get<boolean>('inlineCompletion.enabled', true) !== false;
}

/** The languages where inline completions are off (`slmAssist.inlineCompletion.disabledLanguages`). */
export function disabledLanguages(): string[] {
  const value = vscode.workspace.getConfiguration(SECTION).get<unknown>('inlineCompletion.disabledLanguages', []);
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}

/**
 * Sets a setting in the user (Global) settings. If a workspace value overrides it, the change
 * would have no visible effect, so the user is told where the overriding value is.
 */
export async function updateGlobal(key: string, value: unknown): Promise<void> {
  const config = vscode.workspace.getConfiguration(SECTION);
  await config.update(key, value, vscode.ConfigurationTarget.Global);
  const inspected = config.inspect(key);
  if (inspected?.workspaceFolderValue !== undefined || inspected?.workspaceValue !== undefined) {
    void vscode.window.showWarningMessage(
      `SLM Assist: \`${SECTION}.${key}\` was changed in your user settings, but a workspace setting overrides it.`,
    );
  }
}

/**
 * Shows one warning per invalid setting and logs it once. A problem already reported is not
 * reported again on later changes; once fixed it is forgotten, so it is reported if it returns.
 * The server validates the same section but only logs, so the user sees each problem once.
 * A workspace value of a user-only setting is reported once per session: it is ignored.
 */
export class SettingsWarnings {
  private reported = new Set<string>();
  private readonly reportedIgnored = new Set<string>();
  private readonly reportedRestricted = new Set<string>();

  constructor(private readonly log: vscode.LogOutputChannel) {}

  /** Validates the current section and reports problems not reported yet. */
  check(): void {
    const { section, ignored } = readBuiltSection();
    for (const key of ignored) {
      if (this.reportedIgnored.has(key)) continue;
      this.reportedIgnored.add(key);
      const message = ignoredWorkspaceMessage(key);
      this.log.warn(message);
      void vscode.window.showWarningMessage(message);
    }

    const { problems } = parseSettings(section);
    const current = new Set(problems.map(problemKey));
    for (const problem of problems) {
      if (this.reported.has(problemKey(problem))) continue;
      this.log.warn(`Invalid setting ${problem.setting}: ${problem.message}`);
      void this.show(problem);
    }
    this.reported = current;
  }

  /** Reports, once each, the workspace values Restricted Mode ignores. */
  reportRestricted(keys: readonly string[]): void {
    for (const key of keys) {
      if (this.reportedRestricted.has(key)) continue;
      this.reportedRestricted.add(key);
      this.log.warn(restrictedWorkspaceMessage(key));
      void this.offerTrust(restrictedWorkspaceMessage(key));
    }
  }

  private async offerTrust(message: string): Promise<void> {
    const manage = 'Manage Workspace Trust';
    const choice = await vscode.window.showWarningMessage(message, manage);
    if (choice === manage) await vscode.commands.executeCommand('workbench.trust.manage');
  }

  private async show(problem: SettingProblem): Promise<void> {
    const open = 'Open Settings';
    const choice = await vscode.window.showWarningMessage(`SLM Assist: invalid setting \`${problem.setting}\`: ${problem.message}`, open);
    if (choice === open) await vscode.commands.executeCommand('workbench.action.openSettings', problem.setting);
  }
}

function problemKey(problem: SettingProblem): string {
  return `${problem.setting}\u0000${problem.message}`;
}
