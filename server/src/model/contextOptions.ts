import { availableParallelism } from 'node:os';
import type { LlamaContextOptions, LlamaModelOptions } from 'node-llama-cpp';
import type { Settings } from '../../../common/settings';

/**
 * How the model is loaded and its context created. Every value here was chosen by measurement on a
 * 2-core CPU with models of Qwen2.5-Coder 0.5B and 1.5B shapes (`npm run bench`; bench/README.md).
 */

/** Prompt tokens llama.cpp evaluates per batch: the most a cold prompt gets in one pass. */
export const BATCH_SIZE = 512;

/** Flash attention: see bench/README.md for the measurement. */
export const FLASH_ATTENTION = true;

/** Threads when the setting is 0 ("let the server choose"). */
export function defaultThreads(cores = availableParallelism()): number {
  return Math.max(1, Math.min(cores, 2));
}

/** Options of `llama.loadModel`. */
export function modelLoadOptions(path: string): LlamaModelOptions {
  return { modelPath: path, useMmap: true };
}

/** Options of `model.createContext`. */
export function contextOptions(settings: Settings['model'], sequences: number): LlamaContextOptions {
  return {
    contextSize: settings.contextSize,
    sequences,
    threads: settings.threads > 0 ? settings.threads : defaultThreads(),
    flashAttention: FLASH_ATTENTION,
    batchSize: BATCH_SIZE,
  };
}
