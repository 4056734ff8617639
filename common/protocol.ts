import { NotificationType, RequestType0 } from 'vscode-languageserver-protocol';

/**
 * Custom messages between the SLM Assist client and server. Everything else is standard LSP:
 * completions use `textDocument/inlineCompletion` (LSP 3.18).
 */

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
export namespace StatusNotification {
  export const method = 'slmAssist/status' as const;
  export const type = new NotificationType<StatusParams>(method);
}

/** Client → server: load (or reload) the configured model now instead of on first use. */
export namespace LoadModelRequest {
  export const method = 'slmAssist/loadModel' as const;
  export const type = new RequestType0<StatusParams, void>(method);
}
