import type { AnsweringModel, ConfirmFallbackParams, ConfirmFallbackResult, TextHelpResult } from '../../common/protocol';

/**
 * What the "SLM Assist" answer panel shows and the messages between it and its webview, computed
 * without `vscode` so the wording can be unit-tested. `media/answer.js` is the other end of
 * {@link ToWebview} and {@link FromWebview}.
 */

/** Which request a run sends. */
export type TextHelpKind = 'summarize' | 'explain';

/** Where a run is: waiting for the first token, streaming, or ended one of three ways. */
export type AnswerPhase = 'waiting' | 'streaming' | 'done' | 'stopped' | 'error';

/** Everything the webview shows for one run. */
export interface AnswerState {
  /** Run number; messages of an older run are ignored by the webview. */
  id: number;
  title: string;
  text: string;
  phase: AnswerPhase;
  /** One line under the title: the server's progress message, or why it ended. */
  status: string;
  /** Facts about the answer: model, speed, incomplete, redactions. */
  footer: string[];
  /** Whether "Insert as comment" is offered (the language has comments). */
  canInsert: boolean;
}

/** Extension → webview. `delta` appends text; `meta` changes everything but the text; `reset` replaces all. */
export type ToWebview =
  | { type: 'reset'; state: AnswerState }
  | { type: 'delta'; id: number; text: string }
  | { type: 'meta'; id: number; phase: AnswerPhase; status: string; footer: string[] };

/** Webview → extension: it has loaded (send the state again), or a button was pressed. */
export type FromWebview = { type: 'ready' } | { type: 'stop' } | { type: 'copy' } | { type: 'insert' };

const WEBVIEW_MESSAGES = new Set(['ready', 'stop', 'copy', 'insert']);

/** Checks a message from the webview; anything else is dropped. */
export function parseWebviewMessage(message: unknown): FromWebview | undefined {
  if (typeof message !== 'object' || message === null) return undefined;
  const type = (message as { type?: unknown }).type;
  return typeof type === 'string' && WEBVIEW_MESSAGES.has(type) ? ({ type } as FromWebview) : undefined;
}

/** "qwen2.5-coder (local)" or "gpt-4o-mini on api.example.com (remote)". */
export function describeModel(model: AnsweringModel): string {
  if (model.location === 'remote') return `${model.name} on ${model.host ?? 'an unknown host'} (remote)`;
  return `${model.name} (local)`;
}

/** Generated tokens per second, or `undefined` when the usage says too little. */
export function tokensPerSecond(usage: TextHelpResult['usage']): number | undefined {
  // Time spent writing tokens when the server says it; loading and reading the input are not speed.
  const ms = usage.generationMs ?? usage.ms;
  if (!(ms > 0) || !(usage.completionTokens > 0)) return undefined;
  return usage.completionTokens / (ms / 1000);
}

/** The footer lines of a finished answer. */
export function resultFooter(result: TextHelpResult): string[] {
  const lines = [`Answered by ${describeModel(result.model)}`];
  const speed = tokensPerSecond(result.usage);
  const tokens = `${result.usage.completionTokens} tokens`;
  lines.push(speed === undefined ? tokens : `${tokens}, ${speed.toFixed(1)} tokens/s`);
  if (result.chunks > 1) lines.push(`Read in ${result.chunks} pieces`);
  if (result.incomplete) lines.push('Incomplete: the answer stopped early');
  if (result.redactions) lines.push(`${result.redactions} ${result.redactions === 1 ? 'secret' : 'secrets'} redacted before sending`);
  return lines;
}

/** The panel's title: "Summary of lines 3–20 of app.ts", "Explanation of line 7 of app.ts". */
export function answerTitle(kind: TextHelpKind, fileName: string, lines?: { first: number; last: number }): string {
  const what = kind === 'summarize' ? 'Summary' : 'Explanation';
  if (!lines) return `${what} of ${fileName}`;
  const span = lines.first === lines.last ? `line ${lines.first}` : `lines ${lines.first}–${lines.last}`;
  return `${what} of ${span} of ${fileName}`;
}

/** The progress notification's line: "Summarizing…", then "Summarizing: reading chunk 3 of 12". */
export function progressMessage(kind: TextHelpKind, detail?: string): string {
  const doing = kind === 'summarize' ? 'Summarizing' : 'Explaining';
  return detail ? `${doing}: ${detail}` : `${doing}…`;
}

/** JSON-RPC error codes the client explains in words. */
const METHOD_NOT_FOUND = -32601;
const CONNECTION_INACTIVE = -32097;
const REQUEST_CANCELLED = -32800;

/** Whether an error from `sendRequest` only says the request was cancelled. */
export function isCancelledError(error: unknown): boolean {
  return errorCode(error) === REQUEST_CANCELLED;
}

/** A message the user can act on for a failed summarize/explain request. */
export function textHelpErrorMessage(kind: TextHelpKind, error: unknown): string {
  const verb = kind === 'summarize' ? 'summarize' : 'explain';
  const code = errorCode(error);
  if (code === METHOD_NOT_FOUND) return `This version of the SLM Assist server cannot ${verb} yet (it does not know slmAssist/${kind}).`;
  if (code === CONNECTION_INACTIVE) return `The SLM Assist server is not running. Restart it with "SLM Assist: Restart Server".`;
  const message = error instanceof Error ? error.message : typeof error === 'string' ? error : 'unknown error';
  return `SLM Assist could not ${verb}: ${message}`;
}

function errorCode(error: unknown): number | undefined {
  const code = typeof error === 'object' && error !== null ? (error as { code?: unknown }).code : undefined;
  return typeof code === 'number' ? code : undefined;
}

/** The buttons of the fallback question, mapped to the answer the server expects. */
export const FALLBACK_CHOICES = { remote: 'Send this once', local: 'Summarize locally' } as const;

/** The server's answer for the button picked; closing the dialog (Cancel, Escape) cancels. */
export function fallbackChoice(picked: string | undefined): ConfirmFallbackResult {
  if (picked === FALLBACK_CHOICES.remote) return { choice: 'remote' };
  if (picked === FALLBACK_CHOICES.local) return { choice: 'local' };
  return { choice: 'cancel' };
}

/** The modal question asked before a long request goes to the remote model. */
export function confirmFallbackPrompt(params: ConfirmFallbackParams): { message: string; detail: string } {
  const tokens = `about ${Math.round(params.tokens).toLocaleString('en-US')} tokens`;
  const secrets =
    params.redactions > 0
      ? `${params.redactions} ${params.redactions === 1 ? 'secret' : 'secrets'} will be replaced before sending.`
      : 'No secrets were found to redact.';
  return {
    message: `Send this text to ${params.model} on ${params.host}?`,
    detail: `It is too long for the local model. ${capitalize(tokens)} would be sent to ${params.host}. ${secrets} "Summarize locally" reads it in pieces on this machine instead.`,
  };
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
