import {
  createConnection,
  DidChangeConfigurationNotification,
  ProposedFeatures,
  TextDocuments,
  TextDocumentSyncKind,
  type InitializeResult,
} from 'vscode-languageserver/node';
import { TextDocument } from 'vscode-languageserver-textdocument';
import {
  BackgroundTraceNotification,
  ClipboardNotification,
  CompletionTraceNotification,
  ExplainRequest,
  LoadModelRequest,
  StatusNotification,
  SummarizeRequest,
  ViewedNotification,
  type StatusParams,
} from '../../common/protocol';
import { SettingsStore } from './settingsStore';
import { CompletionService } from './completion/completionService';
import { parseBenchmarkCapability } from './completion/generate/benchmark';
import { connectionLogger } from './connectionLogger';
import { ModelRuntime } from './model/runtime';
import { registerModels } from './models/handlers';
import { ModelsService } from './models/modelsService';
import { checkedDocumentSync, DidChangeConfiguration, InlineCompletion, onNotification, onRequest, sendNotification } from './protocol';
import { clipboardParams, didChangeConfigurationParams, inlineCompletionParams, noParams, viewedParams } from './params/schemas';
import { FALLBACK_API_KEY_ENV, TEAM_API_KEY_ENV, takeSecret } from './secrets';
import { TeamServer } from './team/teamServer';
import { stateDir } from './stateDir';
import { guardFraming } from './stdioFraming';
import { registerTextHelp } from './textHelp/handlers';
import { TextHelpService } from './textHelp/textHelpService';
import { abortSignalOf } from './util/abort';

// In --stdio mode stdout carries the protocol: nothing else may write to it.
console.log = console.error;
console.info = console.error;

/**
 * The SLM Assist language server. Run by the extension over node IPC, or standalone by any LSP
 * client: `node dist/server/server.js --stdio`.
 */
// On stdio, past the guard for vscode-jsonrpc's reader (see stdioFraming.ts).
const connection = process.argv.includes('--stdio')
  ? createConnection(ProposedFeatures.all, guardFraming(process.stdin), process.stdout)
  : createConnection(ProposedFeatures.all);
const documents = new TextDocuments(TextDocument);
const log = connectionLogger(connection);
const store = new SettingsStore(connection, log);
const state = stateDir();
const runtime = new ModelRuntime(store.current, state, log, () => publishStatus());
const team = new TeamServer(
  () => store.current,
  log,
  () => publishStatus(),
  takeSecret(TEAM_API_KEY_ENV),
);
/** The models' status, with the team server's when one is set. */
function status(): StatusParams {
  const teamStatus = team.status();
  return teamStatus ? { ...runtime.status, team: teamStatus } : runtime.status;
}
function publishStatus(): void {
  void sendNotification(connection, StatusNotification, status());
}
// A stray rejection must never take the server (and the user's completions) down: log it.
process.on('unhandledRejection', (reason) => {
  log.error(`Unexpected error: ${reason instanceof Error ? (reason.stack ?? reason.message) : String(reason)}`);
});

let sendTraces = false;
const completions = new CompletionService(
  runtime,
  () => store.current,
  log,
  (trace) => {
    if (sendTraces) void sendNotification(connection, CompletionTraceNotification, trace);
  },
  team,
  (trace) => {
    if (sendTraces) void sendNotification(connection, BackgroundTraceNotification, trace);
  },
);
const textHelp = new TextHelpService(runtime, () => store.current, log, team);
textHelp.setApiKey(takeSecret(FALLBACK_API_KEY_ENV));

connection.onInitialize((params): InitializeResult => {
  store.initialize(params);
  const experimental = params.capabilities.experimental as { slmAssist?: { completionTraces?: boolean; benchmark?: unknown } } | undefined;
  sendTraces = experimental?.slmAssist?.completionTraces === true;
  // The benchmark switch comes only from here, never from settings (see BenchmarkCapability).
  completions.benchmark = parseBenchmarkCapability(experimental?.slmAssist?.benchmark);
  if (completions.benchmark) log.info(`Benchmark mode: ${JSON.stringify(completions.benchmark)}`);
  const folders = params.workspaceFolders?.map((folder) => folder.uri) ?? (params.rootUri ? [params.rootUri] : []);
  completions.setWorkspaceFolders(folders);
  void runtime.configure(store.current);
  return {
    capabilities: {
      textDocumentSync: TextDocumentSyncKind.Incremental,
      inlineCompletionProvider: {},
    },
    serverInfo: { name: 'slm-assist', version: '0.1.0' },
  };
});

connection.onInitialized(() => {
  publishStatus();
  if (store.canPull) void connection.client.register(DidChangeConfigurationNotification.type, { section: 'slmAssist' });
});

onNotification(connection, DidChangeConfiguration, didChangeConfigurationParams, log, async (params) => {
  await store.update(params.settings);
  completions.clear();
  team.reset();
  await runtime.configure(store.current);
  publishStatus();
});

onRequest(connection, InlineCompletion, inlineCompletionParams, async (params, token) => {
  const document = documents.get(params.textDocument.uri);
  if (!document) return null;
  return completions.provide(document, params.position, abortSignalOf(token));
});

onNotification(connection, ViewedNotification, viewedParams, log, (params) => {
  const document = documents.get(params.textDocument.uri);
  if (document) completions.viewed(document.uri, document.getText(), document.offsetAt({ line: params.line, character: 0 }));
});

onNotification(connection, ClipboardNotification, clipboardParams, log, (params) => completions.clipboard(params.text));

onRequest(connection, LoadModelRequest, noParams, async () => {
  await runtime.load();
  return status();
});

registerModels(connection, new ModelsService(() => store.current, state, log), log);
registerTextHelp(connection, documents, textHelp, log, SummarizeRequest, 'summarize');
registerTextHelp(connection, documents, textHelp, log, ExplainRequest, 'explain');

documents.onDidClose((event) => completions.forget(event.document.uri));

connection.onShutdown(async () => {
  await runtime.dispose();
});

documents.listen(checkedDocumentSync(connection, log));
connection.listen();
