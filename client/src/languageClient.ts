import type * as vscode from 'vscode';
import {
  LanguageClient,
  TransportKind,
  type ErrorHandler,
  type LanguageClientOptions,
  type ServerOptions,
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
  return new LanguageClient('slmAssist', 'SLM Assist', serverOptions, clientOptions);
}
