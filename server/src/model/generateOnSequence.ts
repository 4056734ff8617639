import type { LlamaContextSequence, LlamaModel, Token } from 'node-llama-cpp';
import { AbortedError, throwIfAborted } from '../util/abort';
import type { GenerateOptions, GenerateResult, StopReason } from './engines';
import { evaluatePrompt } from './evaluatePrompt';
import type { PrefillPacer } from './prefillPacer';
import type { ThreadTuner } from './threadTuner';

/**
 * Prompt tokens evaluated per llama.cpp batch when the caller gives no pacer. Between batches the
 * abort signal is checked, so a cancelled request stops within one batch (llama.cpp cannot stop a
 * batch under way). The server's sequences size their batches with a {@link PrefillPacer} instead.
 */
export const PROMPT_CHUNK = 256;

/**
 * Runs a prompt on a context sequence, reusing whatever prefix of it the sequence already
 * holds in its KV cache, and generates greedily. Long prompt evaluations are split into
 * chunks so that a cancellation stops the work within one chunk: llama.cpp does not stop a
 * prompt evaluation that is under way.
 */
export async function generateOnSequence(
  model: LlamaModel,
  sequence: LlamaContextSequence,
  promptIds: readonly number[],
  options: GenerateOptions,
  pacer?: PrefillPacer,
  /** Tokens that end the generation as end-of-generation tokens do (another file's separator). */
  stopTokens: readonly number[] = [],
  /** Chooses the thread counts of the prompt's batches and of the generation, and learns from them. */
  threads?: ThreadTuner,
): Promise<GenerateResult> {
  // Token ids come from the model's own tokenizer; node-llama-cpp brands them as Token.
  const prompt = promptIds as Token[];
  const started = performance.now();
  const elapsed = (): number => performance.now() - started;
  throwIfAborted(options.signal);
  if (prompt.length === 0) throw new Error('generate: the prompt is empty');

  const reuse = await evaluatePrompt(sequence, prompt, {
    chunk: options.promptChunk ?? pacer ?? PROMPT_CHUNK,
    signal: options.signal,
    threads,
  });

  const generated: Token[] = [];
  let text = '';
  let stopReason: StopReason = 'maxTokens';
  let firstTokenMs: number | undefined;
  const last = prompt[prompt.length - 1];
  const generationThreads = threads?.use('generation');
  const generationStarted = performance.now();
  let steps = 0;
  // yieldEogToken: without it node-llama-cpp ends the stream at an end-of-generation token
  // without showing it, and neither the stop reason nor `ignoreEog` could be honoured.
  for await (const token of sequence.evaluate([last], { temperature: 0, yieldEogToken: true })) {
    firstTokenMs ??= elapsed();
    steps += 1;
    if (options.signal.aborted) {
      stopReason = 'aborted';
      break;
    }
    if (!options.ignoreEog && (model.isEogToken(token) || stopTokens.includes(token))) {
      stopReason = 'eog';
      break;
    }
    generated.push(token);
    text = model.detokenize(generated);
    if (options.stopAtNewline && text.includes('\n')) {
      text = text.slice(0, text.indexOf('\n'));
      stopReason = 'newline';
      break;
    }
    if (generated.length >= options.maxTokens) break;
    if (elapsed() >= options.timeBudgetMs) {
      stopReason = 'timeBudget';
      break;
    }
  }
  // Each step evaluated one token (the prompt's last, then each generated one but the last).
  if (generationThreads !== undefined) threads!.record('generation', generationThreads, steps, performance.now() - generationStarted);
  if (stopReason === 'aborted') throw new AbortedError();
  return {
    text,
    stopReason,
    promptTokens: prompt.length,
    evaluatedTokens: prompt.length - reuse,
    generatedTokens: generated.length,
    firstTokenMs,
    totalMs: elapsed(),
  };
}
