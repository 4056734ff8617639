import type * as vscode from 'vscode';
import {
  LanguageClient,
  TransportKind,
  type ErrorHandler,
  type LanguageClientOptions,
  type ServerOptions,
  type ClientCapabilities,
  type FeatureState,
  type StaticFeature,
} from 'vscode-languageclient/node';
import { readSection, SECTION } from './config';

/**
 * Creates (without starting) the language client for the bundled server. Inline completions need
 * no code here: vscode-languageclient 11 registers its `InlineCompletionItemFeature` by default and
 * registers a provider when the server announces `inlineCompletionProvider`.
 */
export function createLanguageClient(
  context: vscode.ExtensionContext,
  outputChannel: vscode.LogOutputChannel,
  errorHandler: ErrorHandler,
): LanguageClient {
  const module = context.asAbsolutePath('dist/server/server.js');
  const serverOptions: ServerOptions = {
    run: { module, transport: TransportKind.ipc },
    debug: { module, transport: TransportKind.ipc, options: { execArgv: ['--nolazy', '--inspect=6009'] } },
  };
  const clientOptions: LanguageClientOptions = {
    documentSelector: [{ scheme: 'file' }, { scheme: 'untitled' }],
    // A function, so every (re)start sends the settings as they are then.
    initializationOptions: () => readSection(),
    // Deprecated in favour of `workspace/configuration` pulls, but a push of the one global section
    // is all the server needs: it re-reads the settings on `workspace/didChangeConfiguration`.
    synchronize: { configurationSection: SECTION },
    // Message tracing follows this channel's log level ("Developer: Set Log Level…" → Trace);
    // there is no separate trace channel and no `slmAssist.trace.server` setting.
    outputChannel,
    errorHandler,
  };
  const client = new LanguageClient('slmAssist', 'SLM Assist', serverOptions, clientOptions);
  client.registerFeature(settingsProblemsFeature);
  return client;
}

/**
 * Tells the server that this client shows invalid settings itself (with an "Open Settings"
 * button), so the server only logs them. Other LSP clients get the server's own message.
 */
const settingsProblemsFeature: StaticFeature = {
  fillClientCapabilities(capabilities: ClientCapabilities): void {
    capabilities.experimental = { ...(capabilities.experimental as object | undefined), slmAssist: { showsSettingsProblems: true } };
  },
  initialize(): void {},
  getState(): FeatureState {
    return { kind: 'static' };
  },
  clear(): void {},
};
