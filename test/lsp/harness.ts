import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import {
  CancellationTokenSource,
  createProtocolConnection,
  DidChangeTextDocumentNotification,
  DidCloseTextDocumentNotification,
  DidOpenTextDocumentNotification,
  DidChangeConfigurationNotification,
  InitializeRequest,
  InitializedNotification,
  InlineCompletionRequest,
  InlineCompletionTriggerKind,
  ErrorCodes,
  ProgressType,
  ResponseError,
  WorkDoneProgress,
  LogMessageNotification,
  ShowMessageNotification,
  ShutdownRequest,
  ExitNotification,
  StreamMessageReader,
  StreamMessageWriter,
  type InitializeResult,
  type InlineCompletionItem,
  type InlineCompletionList,
  type LogMessageParams,
  type Position,
  type ProtocolConnection,
  type ShowMessageParams,
} from 'vscode-languageserver-protocol/node';
import type {
  BackgroundTrace,
  CompletionTrace,
  ConfirmFallbackParams,
  ConfirmFallbackResult,
  RequestSpec,
  StatusParams,
  TextHelpParams,
  TextHelpPartial,
  TextHelpResult,
} from '../../common/protocol';
import {
  BackgroundTraceNotification,
  CompletionTraceNotification,
  ConfirmFallbackRequest,
  LoadModelRequest,
  StatusNotification,
} from '../../common/protocol';

/** The built server the tests run, exactly as an editor would start it. */
export const serverPath = resolve(__dirname, '../../server/server.js');

/** Preload that reports every network connection the server attempts (see netSpy.cjs). */
export const netSpyPath = resolve(__dirname, '../../../test/lsp/netSpy.cjs');

export interface StartOptions {
  initializationOptions?: unknown;
  /** Count the server's network connections: they appear as `[netspy]` lines in `stderr`. */
  netSpy?: boolean;
  /** More `capabilities.experimental.slmAssist` fields, e.g. the benchmark switch (`bench/`). */
  experimental?: Record<string, unknown>;
  /** The server bundle to run, when the caller is not bundled next to the tests (`bench/`). */
  serverPath?: string;
  /**
   * The server's state folder (crash markers, downloaded models): `SLM_ASSIST_STATE_DIR`. A new
   * temporary folder by default, so no test sees another's state.
   */
  stateDir?: string;
  /** More environment variables for the server process. */
  env?: Record<string, string>;
}

/** Every byte that crossed the pipes, both ways, for tests that look for what must never be sent. */
export interface Wire {
  toServer: string;
  fromServer: string;
}

/**
 * An LSP client for the tests: spawns `node dist/server/server.js --stdio` and speaks real
 * JSON-RPC to it. Everything the server says is recorded, and tests wait on those events.
 */
export class LspClient {
  readonly statuses: StatusParams[] = [];
  readonly traces: CompletionTrace[] = [];
  /** `slmAssist/backgroundTrace` notifications: fills and prefetches between requests. */
  readonly backgroundTraces: BackgroundTrace[] = [];
  readonly logs: LogMessageParams[] = [];
  readonly messages: ShowMessageParams[] = [];
  stderr = '';
  initializeResult?: InitializeResult;
  private waiters: Array<() => void> = [];
  private version = new Map<string, number>();
  private tokens = 0;
  /** How the test answers the server's `slmAssist/confirmFallback` question; unset: not implemented. */
  confirmFallback?: (params: ConfirmFallbackParams) => ConfirmFallbackResult;
  readonly fallbackQuestions: ConfirmFallbackParams[] = [];
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;

  private constructor(
    readonly process: ChildProcess,
    readonly connection: ProtocolConnection,
    /** The raw JSON-RPC traffic (frames with their headers), as the pipes carried it. */
    readonly wire: Wire,
  ) {
    this.exited = new Promise((done) => process.once('exit', (code, signal) => done({ code, signal })));
    process.stderr?.on('data', (chunk: Buffer) => (this.stderr += chunk.toString()));
    process.stdout?.on('data', (chunk: Buffer) => (this.wire.fromServer += chunk.toString()));
    connection.onNotification(StatusNotification.method, (status: StatusParams) => {
      this.statuses.push(status);
      this.notify();
    });
    connection.onNotification(BackgroundTraceNotification.method, (trace: BackgroundTrace) => {
      this.backgroundTraces.push(trace);
      this.notify();
    });
    connection.onNotification(CompletionTraceNotification.method, (trace: CompletionTrace) => {
      this.traces.push(trace);
      this.notify();
    });
    connection.onNotification(LogMessageNotification.type, (params) => {
      this.logs.push(params);
      this.notify();
    });
    connection.onNotification(ShowMessageNotification.type, (params) => {
      this.messages.push(params);
      this.notify();
    });
    connection.onRequest('client/registerCapability', () => null);
    connection.onRequest(ConfirmFallbackRequest.method, (params: ConfirmFallbackParams) => {
      this.fallbackQuestions.push(params);
      if (!this.confirmFallback) throw new ResponseError(ErrorCodes.MethodNotFound, 'not implemented by this client');
      return this.confirmFallback(params);
    });
    connection.onRequest('workspace/configuration', () => [null]);
  }

  static async start(options: StartOptions = {}): Promise<LspClient> {
    const preload = options.netSpy ? ['--require', netSpyPath] : [];
    const stateDir = options.stateDir ?? mkdtempSync(join(tmpdir(), 'slm-state-'));
    const child = spawn(process.execPath, [...preload, options.serverPath ?? serverPath, '--stdio'], {
      stdio: ['pipe', 'pipe', 'pipe'],
      env: { ...process.env, SLM_ASSIST_STATE_DIR: stateDir, ...options.env },
    });
    const wire: Wire = { toServer: '', fromServer: '' };
    const stdin = child.stdin!;
    const write = stdin.write.bind(stdin) as (chunk: unknown, ...rest: unknown[]) => boolean;
    stdin.write = ((chunk: unknown, ...rest: unknown[]) => {
      wire.toServer += Buffer.isBuffer(chunk) ? chunk.toString() : String(chunk);
      return write(chunk, ...rest);
    }) as typeof stdin.write;
    const connection = createProtocolConnection(new StreamMessageReader(child.stdout!), new StreamMessageWriter(stdin));
    connection.listen();
    const client = new LspClient(child, connection, wire);
    client.initializeResult = await connection.sendRequest(InitializeRequest.type, {
      processId: process.pid,
      rootUri: null,
      capabilities: {
        textDocument: { inlineCompletion: { dynamicRegistration: false } },
        experimental: { slmAssist: { ...options.experimental, completionTraces: true } },
      },
      initializationOptions: options.initializationOptions,
    });
    await connection.sendNotification(InitializedNotification.type, {});
    return client;
  }

  private notify(): void {
    for (const waiter of this.waiters.splice(0)) waiter();
  }

  /** Resolves with the first recorded event that matches, waiting for new ones as they arrive. */
  waitFor<T>(find: () => T | undefined, what: string, timeoutMs = 60_000): Promise<T> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`Timed out after ${timeoutMs} ms waiting for ${what}. stderr: ${this.stderr.slice(-2000)}`)),
        timeoutMs,
      );
      const check = (): void => {
        const found = find();
        if (found !== undefined) {
          clearTimeout(timer);
          resolve(found);
        } else this.waiters.push(check);
      };
      check();
    });
  }

  /** The server's resident memory, from /proc. */
  rssBytes(): number {
    const status = readFileSync(`/proc/${this.process.pid}/status`, 'utf8');
    const kb = /VmRSS:\s+(\d+) kB/.exec(status);
    if (!kb) throw new Error('VmRSS not found in /proc status');
    return Number(kb[1]) * 1024;
  }

  /** Network connections and DNS lookups the server attempted (with `netSpy`). */
  get networkAttempts(): string[] {
    return this.stderr.split('\n').filter((line) => line.startsWith('[netspy]'));
  }

  /** Whether the server process is still running. */
  get alive(): boolean {
    return this.process.exitCode === null && this.process.signalCode === null;
  }

  /** Waits for a status notification in the given state, after `from` statuses already seen. */
  waitForStatus(state: StatusParams['state'], from = 0): Promise<StatusParams> {
    return this.waitFor(() => this.statuses.slice(from).find((s) => s.state === state), `status "${state}"`);
  }

  async open(uri: string, text: string, languageId = 'typescript'): Promise<void> {
    this.version.set(uri, 1);
    await this.connection.sendNotification(DidOpenTextDocumentNotification.type, {
      textDocument: { uri, languageId, version: 1, text },
    });
  }

  /** Replaces a document's whole text. */
  async replace(uri: string, text: string): Promise<void> {
    const version = (this.version.get(uri) ?? 0) + 1;
    this.version.set(uri, version);
    await this.connection.sendNotification(DidChangeTextDocumentNotification.type, {
      textDocument: { uri, version },
      contentChanges: [{ text }],
    });
  }

  /** Inserts text at a position (an incremental change, as an editor sends per keystroke). */
  async insert(uri: string, position: Position, text: string): Promise<void> {
    const version = (this.version.get(uri) ?? 0) + 1;
    this.version.set(uri, version);
    await this.connection.sendNotification(DidChangeTextDocumentNotification.type, {
      textDocument: { uri, version },
      contentChanges: [{ range: { start: position, end: position }, text }],
    });
  }

  async close(uri: string): Promise<void> {
    await this.connection.sendNotification(DidCloseTextDocumentNotification.type, { textDocument: { uri } });
  }

  async configure(settings: unknown): Promise<void> {
    await this.connection.sendNotification(DidChangeConfigurationNotification.type, { settings: { slmAssist: settings } });
  }

  /** Asks for inline completions; returns the items' texts. */
  async complete(uri: string, position: Position, cancel?: CancellationTokenSource): Promise<string[]> {
    const result: InlineCompletionList | InlineCompletionItem[] | null = await this.connection.sendRequest(
      InlineCompletionRequest.type,
      { textDocument: { uri }, position, context: { triggerKind: InlineCompletionTriggerKind.Automatic } },
      cancel?.token,
    );
    const items = result === null ? [] : Array.isArray(result) ? result : result.items;
    return items.map((item) => (typeof item.insertText === 'string' ? item.insertText : item.insertText.value));
  }

  /**
   * Sends `slmAssist/summarize` or `slmAssist/explain` with a partial-result token and a work-done
   * token, and records what streams back. `onPartial` sees each streamed piece as it arrives.
   */
  async textHelp(
    spec: RequestSpec<TextHelpParams, TextHelpResult>,
    params: Omit<TextHelpParams, 'partialResultToken' | 'workDoneToken'>,
    options: { cancel?: CancellationTokenSource; onPartial?: (delta: string) => void; onProgress?: (message: string) => void } = {},
  ): Promise<{ result: TextHelpResult; partials: string[]; progress: string[] }> {
    const partialResultToken = `partial-${++this.tokens}`;
    const workDoneToken = `work-${this.tokens}`;
    const partials: string[] = [];
    const progress: string[] = [];
    const partialHandler = this.connection.onProgress(new ProgressType<TextHelpPartial>(), partialResultToken, (value) => {
      partials.push(value.delta);
      options.onPartial?.(value.delta);
    });
    const workHandler = this.connection.onProgress(WorkDoneProgress.type, workDoneToken, (value) => {
      if (value.kind === 'report' && value.message) {
        progress.push(value.message);
        options.onProgress?.(value.message);
      }
    });
    try {
      const message = { ...params, partialResultToken, workDoneToken };
      // With a method name, every extra argument would be sent as a parameter: pass the token only if there is one.
      const result = options.cancel
        ? await this.connection.sendRequest<TextHelpResult>(spec.method, message, options.cancel.token)
        : await this.connection.sendRequest<TextHelpResult>(spec.method, message);
      return { result, partials, progress };
    } finally {
      partialHandler.dispose();
      workHandler.dispose();
    }
  }

  /** Asks the server to load the configured model now; resolves with the resulting status. */
  loadModel(): Promise<StatusParams> {
    return this.connection.sendRequest(LoadModelRequest.method);
  }

  async stop(): Promise<void> {
    if (this.process.exitCode === null && this.process.signalCode === null) {
      try {
        await this.connection.sendRequest(ShutdownRequest.type);
        await this.connection.sendNotification(ExitNotification.type);
      } catch {
        this.process.kill('SIGKILL');
      }
      const timer = setTimeout(() => this.process.kill('SIGKILL'), 5000);
      await this.exited;
      clearTimeout(timer);
    }
    this.connection.dispose();
  }
}

/** The position just after the last character of `text`. */
export function endOf(text: string): Position {
  const lines = text.split('\n');
  return { line: lines.length - 1, character: lines[lines.length - 1].length };
}

/** Settings for tests: one thread (two threads spin-wait on tiny models), no debounce. */
export function testSettings(modelPath: string, inlineCompletion: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    model: { path: modelPath, threads: 1, contextSize: 2048 },
    inlineCompletion: { debounceMs: 0, ...inlineCompletion },
  };
}
