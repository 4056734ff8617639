import * as vscode from 'vscode';
import { defaultSettings, parseSettings, type SettingProblem } from '../../common/settings';

/** The configuration section of every SLM Assist setting. */
export const SECTION = 'slmAssist';

/**
 * Reads the raw `slmAssist` section as a plain object of the schema's shape
 * (`{ model: { path, ... }, inlineCompletion: { ... } }`). It is not validated here: the
 * server validates what it receives, the client only warns (see {@link SettingsWarnings}).
 */
export function readSection(): Record<string, unknown> {
  const config = vscode.workspace.getConfiguration(SECTION);
  return collect(defaultSettings, (key) => config.get(key));
}

/** Walks the keys of `shape` and reads each leaf with `get`, keeping the nesting. */
function collect(shape: object, get: (key: string) => unknown, prefix = ''): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(shape)) {
    const key = prefix + name;
    out[name] = isPlainObject(value) ? collect(value, get, `${key}.`) : get(key);
  }
  return out;
}

function isPlainObject(value: unknown): value is object {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Whether inline completions are switched on (`slmAssist.inlineCompletion.enabled`). */
export function completionsEnabled(): boolean {
  return vscode.workspace.getConfiguration(SECTION).get<boolean>('inlineCompletion.enabled', true) !== false;
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
 */
export class SettingsWarnings {
  private reported = new Set<string>();

  constructor(private readonly log: vscode.LogOutputChannel) {}

  /** Validates the current section and reports problems not reported yet. */
  check(): void {
    const { problems } = parseSettings(readSection());
    const current = new Set(problems.map(problemKey));
    for (const problem of problems) {
      if (this.reported.has(problemKey(problem))) continue;
      this.log.warn(`Invalid setting ${problem.setting}: ${problem.message}`);
      void this.show(problem);
    }
    this.reported = current;
  }

  private async show(problem: SettingProblem): Promise<void> {
    const open = 'Open Settings';
    const choice = await vscode.window.showWarningMessage(
      `SLM Assist: invalid setting \`${problem.setting}\`: ${problem.message}`,
      open,
    );
    if (choice === open) await vscode.commands.executeCommand('workbench.action.openSettings', problem.setting);
  }
}

function problemKey(problem: SettingProblem): string {
  return `${problem.setting}\u0000${problem.message}`;
}
