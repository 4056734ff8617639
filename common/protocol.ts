/**
 * Custom messages between the SLM Assist client and server. Everything else is standard LSP:
 * completions use `textDocument/inlineCompletion` (LSP 3.18).
 *
 * The client (vscode-languageclient 11) and the server (vscode-languageserver 10) each bundle
 * their own copy of vscode-jsonrpc, whose message-type classes are nominal in TypeScript. So the
 * messages are declared here as plain typed specs, with no runtime import, and each side sends
 * them through the typed helpers in `client/src/protocol.ts` and `server/src/protocol.ts`. A
 * change to a message's types still breaks the build on both sides.
 */

/** A notification: its method and, at the type level only, its params. */
export interface NotificationSpec<P> {
  readonly method: string;
  /** Type-level marker; never set. */
  readonly _params?: P;
}

/** A request: its method and, at the type level only, its params and result. */
export interface RequestSpec<P, R> {
  readonly method: string;
  /** Type-level marker; never set. */
  readonly _params?: P;
  /** Type-level marker; never set. */
  readonly _result?: R;
}

function notification<P>(method: string): NotificationSpec<P> {
  return { method };
}

function request<P, R>(method: string): RequestSpec<P, R> {
  return { method };
}

/** What the server knows about the loaded model, read from the GGUF header. */
export interface ModelInfo {
  /** Absolute path of the GGUF file. */
  path: string;
  /** `general.name` from the file, or the file name. */
  name: string;
  /** `general.architecture`, e.g. `qwen2`. */
  architecture: string;
  /** Quantization of the weights, e.g. `Q4_K_M`, `Q4_0`, `F16`. */
  quantization: string;
  /** Whether the weights are 4-bit (the product's recommendation). */
  fourBit: boolean;
  /** Context window the server created, in tokens. */
  contextSize: number;
  /** Whether the model has fill-in-the-middle tokens; without them completion uses the prefix only. */
  fim: boolean;
  /**
   * Set when the model has FIM tokens but `inlineCompletion.fillInTheMiddle: "auto"` does not use
   * them, and why (the model looks tuned for chat, and FIM-looking tokens alone do not mean it was
   * trained for fill-in-the-middle).
   */
  fimUnused?: string;
}

export type ServerState = 'noModel' | 'loading' | 'ready' | 'error';

/** Where one model is: not loaded yet, loading, ready, or failed. */
export interface ModelStatus {
  state: ServerState;
  model?: ModelInfo;
  /** The configured model file, known before it is loaded (in `noModel`, `loading` and `error`). */
  modelPath?: string;
  /** Human-readable detail: the error, or a warning such as "no FIM tokens". */
  message?: string;
}

/** The completion model's status, and the chat model's when summaries use another file. */
export interface StatusParams extends ModelStatus {
  /** Present when `chatModel.path` names a file other than the completion model. */
  chat?: ModelStatus;
  /** Present when `teamServer.url` is set. */
  team?: TeamStatus;
}

/** The team server completions go to (`slmAssist.teamServer.*`). */
export interface TeamStatus {
  /** `host[:port]`; empty when the URL is not usable. */
  host: string;
  /** False while it is backed off after repeated failures, or off (a bad URL, `allowRemote` false). */
  reachable: boolean;
  /** Why it is not used, for the tooltip. */
  message?: string;
}

/** Server → client: a model's state changed. Sent on every transition. */
export const StatusNotification = notification<StatusParams>('slmAssist/status');

/** Client → server: load (or reload) the configured model now instead of on first use. */
export const LoadModelRequest = request<void, StatusParams>('slmAssist/loadModel');

/** What one inline-completion request did and what it cost. */
export interface CompletionTrace {
  uri: string;
  /** `model`: generated; `cache`: answered from the cache without the model; `none`: nothing ran (cancelled, disabled, no model). */
  source: 'model' | 'cache' | 'none';
  /** Whether a newer request or `$/cancelRequest` cancelled this one. */
  cancelled: boolean;
  /** Present when the model ran. */
  generation?: {
    promptTokens: number;
    /** Prompt tokens evaluated; the rest were reused from the KV cache. */
    evaluatedTokens: number;
    generatedTokens: number;
    /** From the start of the generation to the first generated token. */
    firstTokenMs?: number;
    totalMs: number;
    stopReason: string;
  };
  /** From the request's arrival to its answer, debounce included. */
  totalMs: number;
  items: number;
  /** Why the document got no completion before the model ran (a binary file, a minified line). */
  declined?: string;
  /** Where the generation ran, when it ran: this machine's model or the team server. */
  backend?: 'local' | 'team';
  /**
   * The prompt's window, when the local model ran: `full`, or `quick`: a short window answered
   * first because the full one was not cached (after a move or a switch); it is then filled in the
   * background.
   */
  window?: 'full' | 'quick';
  /** Snippets of other files in the prompt (`inlineCompletion.otherFilesTokens`), when the local model ran. */
  otherFiles?: number;
}

/**
 * Server → client, to the same clients as {@link CompletionTraceNotification}: one per piece of
 * background work inline completion did between requests.
 */
export interface BackgroundTrace {
  uri: string;
  /**
   * `fill`: the full window's prompt evaluated into a cached place after a quick answer; `prefetch`:
   * the suggestion that follows the one shown, generated as if it had been accepted; `otherFiles`:
   * the document's other-file snippets changed (the user viewed or edited another file), and its
   * prompt with the new ones was evaluated into the place holding its old prompt.
   */
  kind: 'fill' | 'prefetch' | 'otherFiles';
  /** Whether a request (a keystroke) stopped it before it finished; what it did stays cached. */
  cancelled: boolean;
  /** Prompt tokens it evaluated (when it finished). */
  evaluatedTokens?: number;
  /** From the request it followed to its end, idle wait included. */
  totalMs: number;
}

export const BackgroundTraceNotification = notification<BackgroundTrace>('slmAssist/backgroundTrace');

/**
 * Client → server: the user looks at `line` of a document (the middle of the active editor's
 * visible range, after a switch or a scroll): a place for other-file context.
 */
export interface ViewedParams {
  textDocument: { uri: string };
  line: number;
}

export const ViewedNotification = notification<ViewedParams>('slmAssist/viewed');

/** Client → server, only with `inlineCompletion.clipboardContext` on: the clipboard's text changed. */
export interface ClipboardParams {
  text: string;
}

export const ClipboardNotification = notification<ClipboardParams>('slmAssist/clipboard');

/**
 * Server → client, only to clients that ask for it with the experimental client capability
 * `slmAssist.completionTraces`: one per inline-completion request. The tests and the benchmark
 * read what the server did from it.
 */
export const CompletionTraceNotification = notification<CompletionTrace>('slmAssist/completionTrace');

/**
 * The benchmark switch (`npm run bench`), honoured only from the initialize request's experimental
 * client capability `slmAssist.benchmark`, never from settings: every model-backed completion then
 * generates exactly `fixedTokens` tokens, past end-of-generation tokens, line breaks and the time
 * budget, so every run does the same work.
 */
export interface BenchmarkCapability {
  /** Keep generating past end-of-generation tokens. */
  ignoreEog: boolean;
  /** Tokens generated per completion (1-512). */
  fixedTokens: number;
}

/** A position in a document: zero-based line, character in UTF-16 code units (as LSP). */
export interface TextPosition {
  line: number;
  character: number;
}

export interface TextRange {
  start: TextPosition;
  end: TextPosition;
}

export type ProgressToken = number | string;

/** Params of `slmAssist/summarize` and `slmAssist/explain`. */
export interface TextHelpParams {
  textDocument: { uri: string };
  /** The selection; absent: the whole document. */
  range?: TextRange;
  style?: 'brief' | 'detailed';
  /** LSP work-done progress: "reading chunk 3 of 12". */
  workDoneToken?: ProgressToken;
  /** LSP partial results: the answer streams as {@link TextHelpPartial} values. */
  partialResultToken?: ProgressToken;
}

/** One streamed piece of an answer, sent with `$/progress` on the request's `partialResultToken`. */
export interface TextHelpPartial {
  /** Text to append to what has been streamed so far. */
  delta: string;
}

/** Who answered. */
export interface AnsweringModel {
  name: string;
  location: 'local' | 'remote';
  /** The remote endpoint's host, for `remote`. */
  host?: string;
}

/**
 * The answer of `slmAssist/summarize` and `slmAssist/explain`. It carries the whole text even when
 * it was also streamed, so a client that ignores partial results still gets the answer.
 */
export interface TextHelpResult {
  text: string;
  model: AnsweringModel;
  /**
   * Tokens read and written, and the milliseconds the whole request took; `generationMs` is the
   * part spent writing the answer's tokens, for a tokens-per-second figure.
   */
  usage: { promptTokens: number; completionTokens: number; ms: number; generationMs?: number };
  /** Local pieces the input was split into: 1 when it fit. */
  chunks: number;
  /** Set when the answer stopped early (the remote stream died, or it was stopped). */
  incomplete?: boolean;
  /** Secrets replaced before the text was sent to a remote model. */
  redactions?: number;
}

/** Client → server: summarize a selection or a document. */
export const SummarizeRequest = request<TextHelpParams, TextHelpResult>('slmAssist/summarize');

/** Client → server: explain a selection or a document. */
export const ExplainRequest = request<TextHelpParams, TextHelpResult>('slmAssist/explain');

/** Params of the question the server asks before sending a long request to the remote model. */
export interface ConfirmFallbackParams {
  /** The remote endpoint's host. */
  host: string;
  model: string;
  /** Approximate tokens that would be sent. */
  tokens: number;
  /** Secrets that will be redacted before sending. */
  redactions: number;
}

export interface ConfirmFallbackResult {
  choice: 'remote' | 'local' | 'cancel';
}

/**
 * Server → client, in `fallback.mode: "ask"`: a request is too long for the local model; send it
 * once to the remote model, summarize it locally, or cancel? A client that does not implement
 * this request gets the local summary.
 */
export const ConfirmFallbackRequest = request<ConfirmFallbackParams, ConfirmFallbackResult>('slmAssist/confirmFallback');

/** What a model is for: completions (a base code model), chat (summaries, explanations), or either. */
export type ModelRoleName = 'completion' | 'chat';

/** One model in Manage Models: a catalog entry (installed or not), or a GGUF file found in the models folder. */
export interface ModelEntry {
  /** The catalog id, or `file:<name>` for a file that is not in the catalog. */
  id: string;
  name: string;
  /** What the catalog meant it for; a file outside the catalog has none. */
  role?: ModelRoleName;
  fileName: string;
  /** Bytes on disk when installed, else the catalog's size. */
  sizeBytes: number;
  /** False when the catalog only knows a rounded size. */
  sizeExact: boolean;
  /** The catalog pins its sha256, so a download is verified. */
  verified: boolean;
  license?: string;
  parameters?: string;
  /** Where it is, when it is in the models folder. */
  installedPath?: string;
  /** Which settings use it now. */
  inUse: ModelRoleName[];
  /** Resident memory it would take at the configured context, in bytes (an estimate). */
  memoryBytes?: number;
  /** Whether that fits in the memory available now. */
  fits?: boolean;
  /** In the catalog (downloadable) or only a file in the folder. */
  inCatalog: boolean;
}

/** Everything Manage Models and the first-run offer show. */
export interface ModelsResult {
  /** The folder models are downloaded and imported into. */
  directory: string;
  /** Whether downloads may run, and why not. */
  downloads: { allowed: boolean; reason?: string; mirror?: string };
  machine: { totalMemoryBytes: number; availableMemoryBytes: number; cores: number };
  /** The completion model to offer first, and why this one. */
  recommended: { id: string; reason: string };
  entries: ModelEntry[];
}

/** Client → server: the catalog, what is installed and in use, and what this machine can take. */
export const ModelsRequest = request<void, ModelsResult>('slmAssist/models');

/**
 * Client → server: download a catalog model into the models folder. Progress ("120 MB of 986 MB,
 * 12 MB/s, 1 min left") goes to `workDoneToken`; `$/cancelRequest` stops it and keeps the partial
 * file, which the next download resumes. Answers the finished, checked file's path.
 */
export const DownloadModelRequest = request<{ id: string; workDoneToken?: ProgressToken }, { path: string; verified: boolean }>(
  'slmAssist/downloadModel',
);

/** Client → server: delete a model file from the models folder (only there). */
export const DeleteModelRequest = request<{ path: string }, { deleted: boolean }>('slmAssist/deleteModel');

/** Client → server: copy (or link) a GGUF file into the models folder, after checking it. */
export const ImportModelRequest = request<{ source: string; link?: boolean }, { path: string }>('slmAssist/importModel');

/** What the server found in a model file before anything loads it. */
export interface InspectModelResult {
  ok: boolean;
  /** Why the file cannot be used, when `ok` is false. */
  reason?: string;
  name?: string;
  quantization?: string;
  parameters?: number;
  memoryBytes?: number;
  /** Sentences for the user: will not fit in memory, an instruct model for completion, not 4-bit, ... */
  warnings: string[];
}

/** Client → server: inspect a model file for a role before the user chooses it. */
export const InspectModelRequest = request<{ path: string; role: ModelRoleName }, InspectModelResult>('slmAssist/inspectModel');
