import type { LlamaContextSequence, Token } from 'node-llama-cpp';
import { throwIfAborted } from '../util/abort';
import type { PrefillPacer } from './prefillPacer';
import type { ThreadTuner } from './threadTuner';

export interface EvaluatePromptOptions {
  /** Prompt tokens per llama.cpp batch, or a pacer that sizes each batch by measured speed; the signal is checked between batches. */
  chunk: number | PrefillPacer;
  signal: AbortSignal;
  /** Awaited before each batch: a summary waits here while a completion runs. */
  beforeBatch?: () => Promise<void>;
  /** Chooses each batch's thread count and is told what it cost. */
  threads?: ThreadTuner;
}

/**
 * Brings a context sequence's KV cache to `prompt` minus its last token, reusing the longest
 * prefix it already holds and evaluating the rest in batches, so that a cancellation stops the
 * work within one batch (llama.cpp cannot stop a batch under way). The last token is left for
 * the caller to evaluate, since its logits give the first generated token. Returns how many
 * prompt tokens came from the cache.
 */
export async function evaluatePrompt(sequence: LlamaContextSequence, prompt: Token[], options: EvaluatePromptOptions): Promise<number> {
  let reuse = Math.min(sequence.compareContextTokens(prompt).firstDifferentIndex, prompt.length - 1);
  if (reuse < sequence.nextTokenIndex) {
    await sequence.eraseContextTokenRanges([{ start: reuse, end: sequence.nextTokenIndex }]);
    // Erasing can drop more than asked (e.g. with sliding-window attention); trust the sequence.
    reuse = Math.min(reuse, sequence.nextTokenIndex);
  }
  const pending = prompt.slice(reuse, prompt.length - 1);
  const pacer = typeof options.chunk === 'number' ? undefined : options.chunk;
  for (let start = 0; start < pending.length;) {
    await options.beforeBatch?.();
    throwIfAborted(options.signal);
    const size = pacer ? pacer.size() : (options.chunk as number);
    const batch = pending.slice(start, start + size);
    const threads = options.threads?.use('prompt');
    const began = performance.now();
    await sequence.evaluateWithoutGeneratingNewTokens(batch);
    const ms = performance.now() - began;
    pacer?.record(batch.length, ms);
    if (threads !== undefined) options.threads!.record('prompt', threads, batch.length, ms);
    start += batch.length;
  }
  throwIfAborted(options.signal);
  return reuse;
}
