import { MessageType, ShowMessageNotification, type Connection, type InitializeParams } from 'vscode-languageserver/node';
import { defaultSettings, parseSettings, type Settings } from '../../common/settings';
import type { Logger } from './log';

/**
 * The server's validated settings. They arrive as `initializationOptions` and then with
 * `workspace/didChangeConfiguration` (`{ settings: { slmAssist: {...} } }`); a client that sends
 * no settings there but supports `workspace/configuration` is asked for the `slmAssist` section.
 * Every invalid value is reported by its full setting name and only that field falls back.
 */
export class SettingsStore {
  current: Settings = defaultSettings;
  canPull = false;
  /** The SLM Assist extension shows invalid settings itself; other clients get a message from here. */
  private clientShowsProblems = false;
  /** Problems already reported, so an unchanged bad value is not reported on every change. */
  private reported = new Set<string>();

  constructor(
    private readonly connection: Connection,
    private readonly log: Logger,
  ) {}

  initialize(params: InitializeParams): void {
    this.canPull = params.capabilities.workspace?.configuration === true;
    const experimental = params.capabilities.experimental as { slmAssist?: { showsSettingsProblems?: boolean } } | undefined;
    this.clientShowsProblems = experimental?.slmAssist?.showsSettingsProblems === true;
    this.apply(params.initializationOptions);
  }

  async update(settings: unknown): Promise<void> {
    const section = isRecord(settings) ? settings.slmAssist : undefined;
    if (section !== undefined) return this.apply(section);
    if (this.canPull) this.apply(await this.connection.workspace.getConfiguration('slmAssist'));
  }

  private apply(raw: unknown): void {
    const { settings, problems } = parseSettings(raw);
    this.current = settings;
    const seen = this.reported;
    this.reported = new Set(problems.map((p) => `${p.setting}: ${p.message}`));
    for (const problem of problems) {
      if (seen.has(`${problem.setting}: ${problem.message}`)) continue;
      const message = `Invalid setting ${problem.setting}: ${problem.message}`;
      this.log.warn(message);
      // A plain notification: `window.showWarningMessage` would send a request that some clients
      // do not implement, and its rejection would have nowhere to go.
      if (!this.clientShowsProblems)
        void this.connection.sendNotification(ShowMessageNotification.type, {
          type: MessageType.Warning,
          message: `SLM Assist: ${message}`,
        });
    }
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
