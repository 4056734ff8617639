import { availableParallelism } from 'node:os';
import type { LlamaContextOptions, LlamaModelOptions } from 'node-llama-cpp';
import type { Settings } from '../../../common/settings';

/**
 * How the model is loaded and its context created. Every value here was chosen by measurement on a
 * 2-core CPU with models of Qwen2.5-Coder 0.5B and 1.5B shapes (`npm run bench`; bench/README.md).
 */

/** Prompt tokens llama.cpp evaluates per batch: the most a cold prompt gets in one pass. */
export const BATCH_SIZE = 512;

/**
 * Flash attention: with it a cold prompt evaluates about 20% faster (1250 tokens on 1 thread: 4.7
 * against 5.6-5.8 s) and a keystroke is answered as fast as without (bench/README.md).
 */
export const FLASH_ATTENTION = true;

/**
 * All cores but one (at most 8), which is left to the editor. llama.cpp's threads spin-wait for each
 * other at every step, so when the editor or a language server takes a core that one of them needs,
 * every step waits for it: on 2 cores with a busy neighbour, 2 threads decoded at 1-5 tokens/s where
 * 1 thread kept 10-38. On a quiet 2-core machine 1 thread decodes as fast as 2 or faster (decoding
 * is bound by memory bandwidth) and prefills about 1.6× slower.
 */
export function defaultThreads(cores = availableParallelism()): number {
  return Math.max(1, Math.min(cores - 1, MAX_THREADS));
}

/**
 * The thread counts the server chooses from when `model.threads` is 0 (a `ThreadTuner`
 * measures them): {@link defaultThreads} and all cores (at most 8). With a count set, or on one
 * core, only that one.
 */
export function threadCandidates(setting: number, cores = availableParallelism()): number[] {
  if (setting > 0) return [setting];
  const spare = defaultThreads(cores);
  const all = Math.max(1, Math.min(cores, MAX_THREADS));
  return spare === all ? [spare] : [spare, all];
}

const MAX_THREADS = 8;

/** Options of `llama.loadModel`. */
export function modelLoadOptions(path: string): LlamaModelOptions {
  // Without mmap the weights are read into memory once: about 200 MiB less resident memory for the
  // 0.5B model (the file's pages are not counted on top of the repacked weights), at no speed cost.
  return { modelPath: path, useMmap: false };
}

/**
 * Options of `model.createContext`. With more than one thread count to choose from, the context may
 * use up to the most of them, and the `ThreadTuner` sets each evaluation's count.
 */
export function contextOptions(
  settings: Settings['model'],
  sequences: number,
  threads = threadCandidates(settings.threads),
): LlamaContextOptions {
  return {
    contextSize: settings.contextSize,
    sequences,
    threads: threads.length === 1 ? threads[0] : { ideal: Math.max(...threads), min: 1 },
    flashAttention: FLASH_ATTENTION,
    batchSize: BATCH_SIZE,
  };
}

/**
 * Context sequences a model loaded for `roles` needs: inline completion's cached places and its
 * quick sequence (which a summary of the same model shares), or one for chat alone.
 */
export function contextSequences(roles: readonly ('completion' | 'chat')[], cachedPlaces: number): number {
  return roles.includes('completion') ? cachedPlaces + 1 : 1;
}
