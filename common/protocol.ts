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
}

export type ServerState = 'noModel' | 'loading' | 'ready' | 'error';

export interface StatusParams {
  state: ServerState;
  model?: ModelInfo;
  /** Human-readable detail: the error, or a warning such as "no FIM tokens". */
  message?: string;
}

/** Server → client: the model host's state changed. Sent on every transition. */
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
}

/**
 * Server → client, only to clients that ask for it with the experimental client capability
 * `slmAssist.completionTraces`: one per inline-completion request. The tests and the benchmark
 * read what the server did from it.
 */
export const CompletionTraceNotification = notification<CompletionTrace>('slmAssist/completionTrace');
