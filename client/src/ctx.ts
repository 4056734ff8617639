import * as vscode from 'vscode';
import { DidChangeConfigurationNotification, State, type LanguageClient } from 'vscode-languageclient/node';
import {
  type BackgroundTrace,
  BackgroundTraceNotification,
  type CompletionTrace,
  CompletionTraceNotification,
  StatusNotification,
  type StatusParams,
  type ViewedParams,
} from '../../common/protocol';
import type { SlmAssistApi } from './api';
import { completionsEnabled, disabledLanguages, readSection, restrictedMode, SECTION, SettingsWarnings } from './config';
import { CrashErrorHandler, type CrashListener } from './errorHandler';
import { createLanguageClient, DOCUMENT_SCHEMES } from './languageClient';
import { onNotification } from './protocol';
import { RestartBudget } from './restartBudget';
import { StatusBar } from './statusBar';
import { ViewTracker } from './viewTracker';

/**
 * The extension's state: the language client, the log channel, the status bar and everything to
 * dispose. Commands get this object and nothing else (rust-analyzer's `Ctx`).
 */
export class Ctx implements CrashListener {
  /** The "SLM Assist" log channel, shared with the language client. */
  readonly log: vscode.LogOutputChannel;
  readonly statusBar: StatusBar;
  /** Created once; `start`/`stop` reuse it, so handlers registered here survive restarts. */
  readonly client: LanguageClient;
  private readonly crashes = new RestartBudget();
  private readonly statusEvents = new vscode.EventEmitter<StatusParams>();
  private readonly viewEvents = new vscode.EventEmitter<ViewedParams>();
  private readonly completionTraces = new vscode.EventEmitter<CompletionTrace>();
  private readonly backgroundTraces = new vscode.EventEmitter<BackgroundTrace>();
  private lastStatus?: StatusParams;
  private readonly settingsWarnings: SettingsWarnings;
  private hasRun = false;
  /**
   * The server process's environment, read at every (re)start: the state folder (crash markers,
   * downloaded models) and, when one is stored, the fallback API key, which thus never travels in
   * an LSP message that a trace could print.
   */
  readonly serverEnv: NodeJS.ProcessEnv;

  constructor(private readonly extension: vscode.ExtensionContext) {
    this.serverEnv = { ...process.env, SLM_ASSIST_STATE_DIR: extension.globalStorageUri.fsPath };
    this.log = vscode.window.createOutputChannel('SLM Assist', { log: true });
    this.statusBar = new StatusBar(completionsEnabled());
    this.settingsWarnings = new SettingsWarnings(this.log);
    this.client = createLanguageClient(extension, this.log, new CrashErrorHandler(this.crashes, this), this.serverEnv);
    this.push(
      this.log,
      this.statusBar,
      this.statusEvents,
      this.viewEvents,
      this.completionTraces,
      this.backgroundTraces,
      onNotification(this.client, CompletionTraceNotification, (trace) => this.completionTraces.fire(trace)),
      onNotification(this.client, BackgroundTraceNotification, (trace) => this.backgroundTraces.fire(trace)),
      onNotification(this.client, StatusNotification, (status) => {
        this.lastStatus = status;
        this.statusBar.setStatus(status);
        this.statusEvents.fire(status);
      }),
      this.client.onDidChangeState(({ newState }) => this.onClientState(newState)),
      new ViewTracker(this.client, (params) => this.viewEvents.fire(params)),
      vscode.workspace.onDidChangeConfiguration((event) => {
        if (!event.affectsConfiguration(SECTION)) return;
        this.statusBar.setCompletionsEnabled(completionsEnabled());
        this.followEditor();
        this.settingsWarnings.check();
        void this.followRestrictedMode();
      }),
      vscode.window.onDidChangeActiveTextEditor(() => this.followEditor()),
      // Trusting the folder lifts Restricted Mode: the server gets the workspace's values now.
      vscode.workspace.onDidGrantWorkspaceTrust(() => {
        this.log.info('The workspace is trusted now: its SLM Assist settings apply.');
        this.statusBar.setRestricted(undefined);
        if (this.client.state === State.Running)
          void this.client.sendNotification(DidChangeConfigurationNotification.type, { settings: { [SECTION]: readSection() } });
      }),
    );
    this.settingsWarnings.check();
    void this.followRestrictedMode();
    this.followEditor();
  }

  /** Shows what Restricted Mode turned off in the status tooltip, and tells the user once per setting. */
  private async followRestrictedMode(): Promise<void> {
    const restricted = await restrictedMode();
    this.statusBar.setRestricted(restricted);
    if (restricted) this.settingsWarnings.reportRestricted(restricted.ignored);
  }

  /** Shows in the status bar whether the active editor's language has completions turned off. */
  private followEditor(): void {
    const document = vscode.window.activeTextEditor?.document;
    const shown = document && DOCUMENT_SCHEMES.includes(document.uri.scheme);
    this.statusBar.setLanguage(
      shown ? { id: document.languageId, disabled: disabledLanguages().includes(document.languageId) } : undefined,
    );
  }

  /** The extension's folder, for the webview's `media/` files. */
  get extensionUri(): vscode.Uri {
    return this.extension.extensionUri;
  }

  /** State kept across sessions (the first-run offer's "Don't Ask Again"). */
  get globalState(): vscode.Memento {
    return this.extension.globalState;
  }

  /** VS Code's SecretStorage for this extension (the fallback API key). */
  get secrets(): vscode.SecretStorage {
    return this.extension.secrets;
  }

  /** What `activate()` returns: the server's status, for other extensions and the integration tests. */
  get api(): SlmAssistApi {
    const status = (): StatusParams | undefined => this.lastStatus;
    return {
      get status() {
        return status();
      },
      onDidChangeStatus: this.statusEvents.event,
      onDidReportView: this.viewEvents.event,
      onDidCompleteRequest: this.completionTraces.event,
      onDidBackgroundWork: this.backgroundTraces.event,
    };
  }

  /** Adds disposables that live as long as the extension. */
  push(...disposables: vscode.Disposable[]): void {
    this.extension.subscriptions.push(...disposables);
  }

  /** Starts the server process. The model is not loaded here: the server loads it on first use. */
  async start(): Promise<void> {
    try {
      await this.client.start();
    } catch (error) {
      const message = `SLM Assist server could not be started: ${errorMessage(error)}`;
      this.log.error(message);
      this.statusBar.setPhase('failed', message);
    }
  }

  /** Stops the server process; the status bar says it is stopped until the next start. */
  async stop(): Promise<void> {
    if (this.client.state === State.Starting) await this.client.start().catch(() => undefined);
    if (this.client.state === State.Running) await this.client.stop();
  }

  /** Stops the server if it runs and starts it again, forgetting earlier crashes. */
  async restart(): Promise<void> {
    this.log.info('Restarting the SLM Assist server.');
    this.crashes.reset();
    await this.stop().catch((error: unknown) => this.log.warn(`Stopping the server failed: ${errorMessage(error)}`));
    await this.start();
  }

  /** Stops the server for good; called from `deactivate`. */
  async dispose(): Promise<void> {
    // A client that is still starting cannot be stopped; let it finish first.
    if (this.client.state === State.Starting) await this.client.start().catch(() => undefined);
    await this.client.dispose().catch((error: unknown) => this.log.warn(`Stopping the server failed: ${errorMessage(error)}`));
  }

  onCrashRestart(attempt: number, maxRestarts: number): void {
    this.statusBar.setCrashRestart(attempt, maxRestarts);
  }

  onCrashGiveUp(message: string): void {
    this.statusBar.setPhase('crashed', message);
    void vscode.window.showErrorMessage(message, 'Restart', 'Show Logs').then((choice) => {
      if (choice === 'Restart') return this.restart();
      if (choice === 'Show Logs') this.log.show(true);
    });
  }

  private onClientState(state: State): void {
    switch (state) {
      case State.Starting:
        // A crash restart has already set its own 'restarting' phase with the attempt count.
        if (this.statusBar.phase !== 'restarting') this.statusBar.setPhase(this.hasRun ? 'restarting' : 'starting');
        break;
      case State.Running:
        this.hasRun = true;
        this.statusBar.setPhase('running');
        break;
      case State.Stopped:
        // 'crashed' and 'failed' carry the reason, and a crash restart passes through Stopped on its
        // way back to Starting: none of them is a plain stop.
        if (!['crashed', 'failed', 'restarting'].includes(this.statusBar.phase)) this.statusBar.setPhase('stopped');
        break;
      case State.StartFailed:
        this.statusBar.setPhase('failed', 'SLM Assist server failed to start. See the log.');
        break;
    }
  }
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
