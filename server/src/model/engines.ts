import type { ModelInfo } from '../../../common/protocol';

/**
 * What the rest of the server may ask of a model. `completion/` and `textHelp/` see these
 * interfaces only; `model/` is the one module that knows node-llama-cpp, and decides which
 * sequence runs when (a completion first; a summary gives way between two batches).
 */

/** The model's fill-in-the-middle marker token ids. */
export interface FimTokens {
  prefix: number;
  suffix: number;
  middle: number;
}

/** A model's repository-level tokens (before the FIM prompt: the repository, then one file after another). */
export interface RepoTokens {
  repoName: number;
  fileSep: number;
  /** Qwen puts a newline after the repository's name; StarCoder2 does not. */
  newlineAfterName: boolean;
}

/** Options of one completion generation. */
export interface GenerateOptions {
  /** Most tokens to generate. */
  maxTokens: number;
  /** After this long (from the start of the call) the text so far is returned. */
  timeBudgetMs: number;
  /** Stops the work between two batches; the call then rejects with AbortedError. */
  signal: AbortSignal;
  /** Stop at the first line break (the cursor is mid-line, so only one line can be shown). */
  stopAtNewline: boolean;
  /** Prompt tokens evaluated per batch (the signal is checked between batches); the engine's default if absent. */
  promptChunk?: number;
  /** Keep generating past end-of-generation tokens (the benchmark only, so every run does the same work). */
  ignoreEog?: boolean;
  /**
   * Run on the completion's quick sequence instead of a cached place: a short first answer after a
   * move or a switch, which must not evict a place worth keeping.
   */
  quick?: boolean;
}

export type StopReason = 'eog' | 'maxTokens' | 'newline' | 'timeBudget' | 'aborted';

/** What a generation produced and what it cost. */
export interface GenerateResult {
  text: string;
  stopReason: StopReason;
  /** Tokens in the prompt. */
  promptTokens: number;
  /** Prompt tokens that had to be evaluated (the rest came from the KV cache). */
  evaluatedTokens: number;
  generatedTokens: number;
  /** Milliseconds from the call to the first generated token (undefined if none). */
  firstTokenMs?: number;
  totalMs: number;
}

/** The model inline completion runs on, with a context sequence of its own. */
export interface CompletionEngine {
  readonly info: ModelInfo;
  /** Undefined when the model has no FIM tokens: completion then uses the prefix only. */
  readonly fim?: FimTokens;
  /**
   * Whether `fillInTheMiddle: "auto"` uses {@link fim}: false for a model that looks tuned for chat
   * (an instruct model may carry the tokens without having been trained to fill in the middle).
   */
  readonly fimByDefault: boolean;
  /**
   * The model family's repository-level tokens (Qwen2.5-Coder, StarCoder2), for other-file context;
   * generation stops at them.
   */
  readonly repo?: RepoTokens;
  tokenize(text: string): number[];
  /** The text of `tokens`, special tokens (FIM markers) written out, as a prompt for another server. */
  detokenize(tokens: readonly number[]): string;
  /**
   * Generates greedily after `prompt`, reusing the part of it the sequence's KV cache holds. Runs
   * alone on the completion sequence, and makes a running summary wait.
   */
  generate(prompt: readonly number[], options: GenerateOptions): Promise<GenerateResult>;
  /** Tokens at the start of `prompt` that one of the cached places already holds: what `generate` would not evaluate. */
  cachedTokens(prompt: readonly number[]): number;
  /**
   * Evaluates `prompt` without generating, into the cached place holding most of it (or the least
   * recently used one, or, given `replacing`, the one holding that older prompt it supersedes), in
   * batches, stopping between two on the signal; what was evaluated stays cached. Rejects with
   * AbortedError when stopped. Returns the tokens evaluated.
   */
  prefill(prompt: readonly number[], signal: AbortSignal, replacing?: readonly number[]): Promise<number>;
}

export interface ChatMessage {
  role: 'system' | 'user';
  content: string;
}

export interface ChatOptions {
  maxTokens: number;
  signal: AbortSignal;
  /** Called with each new piece of the answer. */
  onDelta?: (text: string) => void;
  /** Texts that end the answer (not included), besides the chat template's own. */
  stopAt?: string[];
}

export interface ChatResult {
  text: string;
  promptTokens: number;
  completionTokens: number;
  /** The signal fired (or the model was unloaded): `text` is what was generated until then. */
  aborted: boolean;
  /** Milliseconds spent generating, from the first generated token's request to the last. */
  generationMs: number;
}

/** The model summaries and explanations come from, with its own chat template and sequence. */
export interface ChatEngine {
  readonly info: ModelInfo;
  countTokens(text: string): number;
  /**
   * Answers with the model's chat template. Gives way to completions between two batches and two
   * tokens. A signal during the prompt throws AbortedError; during the answer it ends the answer.
   */
  answer(messages: ChatMessage[], options: ChatOptions): Promise<ChatResult>;
}
