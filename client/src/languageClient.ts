import type * as vscode from 'vscode';
import {
  DidChangeConfigurationNotification,
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
import { valueAt } from './settingsSection';

/** URI schemes of the documents the server sees (its document selector). */
export const DOCUMENT_SCHEMES: readonly string[] = ['file', 'untitled'];

/**
 * Creates (without starting) the language client for the bundled server. Inline completions need
 * no code here: vscode-languageclient 11 registers its `InlineCompletionItemFeature` by default and
 * registers a provider when the server announces `inlineCompletionProvider`.
 */
export function createLanguageClient(
  context: vscode.ExtensionContext,
  outputChannel: vscode.LogOutputChannel,
  errorHandler: ErrorHandler,
  env: NodeJS.ProcessEnv,
): LanguageClient {
  const module = context.asAbsolutePath('dist/server/server.js');
  const serverOptions: ServerOptions = {
    run: { module, transport: TransportKind.ipc, options: { env } },
    debug: { module, transport: TransportKind.ipc, options: { env, execArgv: ['--nolazy', '--inspect=6009'] } },
  };
  const clientOptions: LanguageClientOptions = {
    documentSelector: DOCUMENT_SCHEMES.map((scheme) => ({ scheme })),
    // A function, so every (re)start sends the settings as they are then.
    initializationOptions: () => readSection(),
    // Deprecated in favour of `workspace/configuration` pulls, but a push of the one global section
    // is all the server needs: it re-reads the settings on `workspace/didChangeConfiguration`.
    synchronize: { configurationSection: SECTION },
    // The push would send the raw merged section, workspace values included; the middleware sends
    // `readSection()` instead, whose fallback and network settings come from user settings only.
    // A pull of the section is answered the same way.
    middleware: {
      workspace: {
        didChangeConfiguration: () =>
          client.sendNotification(DidChangeConfigurationNotification.type, { settings: { [SECTION]: readSection() } }),
        configuration: async (params, token, next) => {
          const values = await next(params, token);
          if (!Array.isArray(values)) return values;
          return params.items.map((item, index) => {
            const section = item.section;
            if (section !== SECTION && !section?.startsWith(`${SECTION}.`)) return values[index];
            return valueAt(readSection(), section.slice(SECTION.length + 1)) ?? null;
          });
        },
      },
    },
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
 * button), so the server only logs them. Other LSP clients get the server's own message. With
 * `SLM_ASSIST_COMPLETION_TRACES=1` it also asks for completion traces.
 */
const settingsProblemsFeature: StaticFeature = {
  fillClientCapabilities(capabilities: ClientCapabilities): void {
    // The end-to-end tests read what the server did from its traces (SlmAssistApi); nobody else needs them.
    const completionTraces = process.env.SLM_ASSIST_COMPLETION_TRACES === '1';
    capabilities.experimental = {
      ...(capabilities.experimental as object | undefined),
      slmAssist: { showsSettingsProblems: true, ...(completionTraces ? { completionTraces } : {}) },
    };
  },
  initialize(): void {},
  getState(): FeatureState {
    return { kind: 'static' };
  },
  clear(): void {},
};
