import type { LlamaContextSequence, LlamaModel, Token } from 'node-llama-cpp';
import type { GenerateResult } from '../server/src/model/engines';
import { generateOnSequence } from '../server/src/model/generateOnSequence';
import type { KeystrokeResult, ModeResult } from './report';
import { CpuMonitor } from './cpuMonitor';
import { type Fixture, Typist } from './script';

/**
 * The reference: the request llama.vscode sends to llama-server, and what llama-server does with
 * it, replayed through the same node-llama-cpp. llama.vscode (`n_prefix` 256, `n_suffix` 64) sends
 * the 256 lines above the cursor's line as `input_prefix`, the cursor's line up to the cursor as
 * `prompt`, and the rest of the line plus the next lines as `input_suffix`. llama-server's
 * `format_infill` keeps the last 3/4 × n_batch prefix tokens and at most n_batch/4 − 2 − |prompt|
 * suffix tokens and lays them out prefix-suffix-middle:
 * `<fim_pre> prefix prompt <fim_suf> suffix <fim_mid>`. With `cache_prompt` the longest common
 * prefix of the KV cache is reused, and with `--cache-reuse 256` chunks of at least 256 cached
 * tokens that moved back (text deleted before them) are shifted into place instead of evaluated.
 * llama.vscode's extra context chunks (`input_extra`) are left out: they would only make the
 * baseline slower.
 */
export const LLAMA_VSCODE = {
  prefixLines: 256,
  suffixLines: 64,
  /**
   * `--batch-size` of llama.vscode's recommended preset (`--fim-qwen-*-default`: `-ub 1024 -b 1024
   * -c 0 --cache-reuse 256`), which is what its users run; llama-server's own default, 2048, keeps
   * twice the prefix and suffix and would make the reference about twice as slow.
   */
  nBatch: 1024,
  /** `--cache-reuse 256`, as llama.vscode's documentation tells to start llama-server. */
  cacheReuse: 256,
};

export interface FimIds {
  prefix: number;
  suffix: number;
  middle: number;
}

/** llama.vscode's `input_prefix`, `input_suffix` and `prompt` for a cursor. */
export function llamaVscodeRequest(
  text: string,
  line: number,
  character: number,
): { inputPrefix: string; inputSuffix: string; prompt: string } {
  const lines = text.split('\n');
  const current = lines[line] ?? '';
  const prefixLines = lines.slice(Math.max(0, line - LLAMA_VSCODE.prefixLines), line);
  const suffixLines = lines.slice(line + 1, Math.min(lines.length, line + LLAMA_VSCODE.suffixLines));
  return {
    inputPrefix: prefixLines.join('\n') + '\n',
    inputSuffix: current.slice(character) + '\n' + suffixLines.join('\n') + '\n',
    prompt: current.slice(0, character),
  };
}

/** llama-server's `format_infill` without extra context. */
export function formatInfill(model: LlamaModel, fim: FimIds, request: ReturnType<typeof llamaVscodeRequest>): Token[] {
  const prefix = model.tokenize(request.inputPrefix);
  const suffix = model.tokenize(request.inputSuffix);
  const prompt = model.tokenize(request.prompt);
  const prefixTake = Math.min(prefix.length, 3 * (LLAMA_VSCODE.nBatch / 4));
  const suffixTake = Math.min(suffix.length, Math.max(0, LLAMA_VSCODE.nBatch / 4 - (2 + prompt.length)));
  return [
    fim.prefix as Token,
    ...prefix.slice(prefix.length - prefixTake),
    ...prompt,
    fim.suffix as Token,
    ...suffix.slice(0, suffixTake),
    fim.middle as Token,
  ];
}

/**
 * llama-server's `--cache-reuse`: after the common prefix, cached chunks of at least `minChunk`
 * tokens that match the prompt further on are shifted back into place (the tokens before them are
 * erased, which shifts everything after). The caller then evaluates from the end of the reused part.
 */
export async function reuseCache(sequence: LlamaContextSequence, prompt: readonly Token[], minChunk: number): Promise<void> {
  const cache = [...sequence.contextTokens];
  let headP = 0;
  while (headP < cache.length && headP < prompt.length && cache[headP] === prompt[headP]) headP++;
  let headC = headP;
  while (headC < cache.length && headP < prompt.length) {
    let n = 0;
    while (headC + n < cache.length && headP + n < prompt.length && cache[headC + n] === prompt[headP + n]) n++;
    if (n >= minChunk) {
      await sequence.eraseContextTokenRanges([{ start: headP, end: headC }]);
      cache.splice(headP, headC - headP);
      headP += n;
      headC = headP;
    } else {
      headC++;
    }
  }
}

export interface BaselineOptions {
  model: LlamaModel;
  sequence: LlamaContextSequence;
  fim: FimIds;
  fixtures: readonly Fixture[];
  fixedTokens: number;
  /** The text accepted at each accept keystroke in the server run, so both make the same edits. */
  accepted: ReadonlyMap<number, string>;
  /** Requests after the first (cold) one, spread over the typing before the script's first move. */
  samples: number;
  monitor: CpuMonitor;
}

/**
 * Replays the same keystrokes in-process with llama.vscode's layout, up to the script's first move
 * to another function. Every keystroke's edit is applied, but to keep the run short only the first
 * keystroke (cold) and `samples` evenly spread ones get a request: the prompt work per request is
 * the suffix again plus the few tokens typed since, so sampling barely changes it. Moves are left
 * out: each costs the baseline a whole prompt (seconds), which would only make it look slower.
 */
export async function runBaselineMode(options: BaselineOptions): Promise<ModeResult> {
  const { model, sequence } = options;
  options.monitor.reset();
  const typist = new Typist(options.fixtures);
  const keystrokes: KeystrokeResult[] = [];
  const signal = new AbortController().signal;
  const typing = firstSegmentLength(options.fixtures, options.accepted);
  const every = Math.max(1, Math.floor((typing - 1) / options.samples));
  for (;;) {
    const keystroke = typist.next((index) => options.accepted.get(index) ?? '');
    if (!keystroke || keystroke.index >= typing) break;
    if (keystroke.index !== 0 && keystroke.index % every !== 0) continue;
    const perRequest = new CpuMonitor();
    const { result, beforeGenerate, responseMs } = await referenceRequest(
      { model, sequence, fim: options.fim, fixedTokens: options.fixedTokens, signal },
      typist.text(keystroke.uri),
      keystroke.cursor,
    );
    const decodeMs = result.firstTokenMs !== undefined ? result.totalMs - result.firstTokenMs : undefined;
    keystrokes.push({
      index: keystroke.index,
      kind: keystroke.kind,
      afterMove: keystroke.afterMove,
      source: 'model',
      responseMs,
      firstTokenMs: result.firstTokenMs !== undefined ? beforeGenerate + result.firstTokenMs : undefined,
      promptTokens: result.promptTokens,
      evaluatedTokens: result.evaluatedTokens,
      generatedTokens: result.generatedTokens,
      decodeTokensPerSecond: decodeMs && result.generatedTokens > 1 ? ((result.generatedTokens - 1) * 1000) / decodeMs : undefined,
      othersCores: perRequest.othersCores(),
    });
  }
  return { label: 'llama.vscode layout', keystrokes, othersCores: options.monitor.othersCores() };
}

/**
 * One request of the reference: llama.vscode's request for the cursor in `text`, cut and laid out
 * as llama-server does, the cache reused as it does, then 16 (`fixedTokens`) tokens generated.
 * `beforeGenerate` is the milliseconds spent on the cache before the prompt's evaluation.
 */
export async function referenceRequest(
  on: { model: LlamaModel; sequence: LlamaContextSequence; fim: FimIds; fixedTokens: number; signal: AbortSignal },
  text: string,
  cursor: { line: number; character: number },
): Promise<{ result: GenerateResult; beforeGenerate: number; responseMs: number }> {
  const started = performance.now();
  const prompt = formatInfill(on.model, on.fim, llamaVscodeRequest(text, cursor.line, cursor.character));
  await reuseCache(on.sequence, prompt, LLAMA_VSCODE.cacheReuse);
  const beforeGenerate = performance.now() - started;
  const result = await generateOnSequence(on.model, on.sequence, prompt, {
    maxTokens: on.fixedTokens,
    ignoreEog: true,
    stopAtNewline: false,
    timeBudgetMs: Infinity,
    signal: on.signal,
    // llama-server evaluates a prompt in batches of its micro-batch size, 512.
    promptChunk: 512,
  });
  return { result, beforeGenerate, responseMs: performance.now() - started };
}

/** Keystrokes before the script's first move after the start. */
function firstSegmentLength(fixtures: readonly Fixture[], accepted: ReadonlyMap<number, string>): number {
  const typist = new Typist(fixtures);
  for (;;) {
    const keystroke = typist.next((index) => accepted.get(index) ?? '');
    if (!keystroke) throw new Error('the script has no move after its start');
    if (keystroke.afterMove && keystroke.index > 0) return keystroke.index;
  }
}

/**
 * What llama.cpp itself needs for a cold prompt of `promptTokens` tokens and `fixedTokens` generated
 * ones: one `evaluate` of the whole prompt on an empty sequence (node-llama-cpp batches it by the
 * context's batch size), timed to the last generated token.
 */
export async function coldReference(
  model: LlamaModel,
  sequence: LlamaContextSequence,
  tokens: readonly Token[],
  promptTokens: number,
  fixedTokens: number,
): Promise<{ firstTokenMs: number; totalMs: number; othersCores: number }> {
  await sequence.clearHistory();
  const monitor = new CpuMonitor();
  const prompt = tokens.slice(0, promptTokens);
  if (prompt.length < promptTokens) throw new Error(`the fixture has fewer than ${promptTokens} tokens`);
  const started = performance.now();
  let firstTokenMs = NaN;
  let generated = 0;
  for await (const token of sequence.evaluate(prompt, { temperature: 0 })) {
    void token;
    if (generated === 0) firstTokenMs = performance.now() - started;
    if (++generated >= fixedTokens) break;
  }
  const totalMs = performance.now() - started;
  return { firstTokenMs, totalMs, othersCores: monitor.othersCores() };
}
