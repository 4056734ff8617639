import type { Token } from 'node-llama-cpp';
import { defaultSettings } from '../common/settings';
import type { Logger } from '../server/src/log';
import { contextOptions, modelLoadOptions } from '../server/src/model/contextOptions';
import { loadLlama, nodeLlamaCpp } from '../server/src/model/llama';
import type { EvalCase } from './cases';

/**
 * Speculative decoding by prompt lookup, measured on the eval's own prompts: node-llama-cpp's
 * `InputLookupTokenPredictor` guesses the next tokens by finding the last generated ones in the
 * prompt, and llama.cpp checks the guesses in one batch. Code repeats itself (names, calls,
 * whole lines), so the guesses may often be right. The server does not use a predictor; this
 * measures whether it should.
 */

/** `InputLookupTokenPredictor`'s options: how long a match in the prompt must be, how many tokens it predicts. */
export interface PredictorOptions {
  patternLength?: { min?: number; max?: number };
  predictionLength?: { min?: number; max?: number };
}

export interface SpeculativeResult {
  cases: number;
  /** Tokens generated per run, summed over the cases. */
  generatedTokens: { plain: number; predicted: number };
  /** Decode speed (tokens after the first / time after the first), per configuration. */
  tokensPerSecond: { plain: number; predicted: number };
  /** predicted / plain. */
  speedUp: number;
  /** Validated predictions / all predictions checked. */
  acceptanceRate: number;
  predictions: { validated: number; refuted: number; used: number; unused: number };
  /** Cases whose two generations produced the same text (greedy decoding: they should all). */
  sameText: number;
}

interface Timed {
  text: string;
  tokens: number;
  /** Tokens and milliseconds after the first chunk of tokens (the prompt's evaluation ends there). */
  decodeTokens: number;
  decodeMs: number;
}

/**
 * Runs each case's prompt (the beginning-of-sequence token when the model wants one, then the
 * last `prefixTokens` tokens of the text before the cursor, as the server's prefix-only layout
 * sends it) twice, on two sequences of one context: without a predictor and with one, in
 * alternating order so that the machine's drift touches both alike. Greedy, `maxTokens` tokens
 * at most, stopping at an end-of-generation token.
 */
export async function measureSpeculative(
  modelPath: string,
  cases: EvalCase[],
  options: { maxTokens: number; prefixTokens: number; threads?: number; predictor?: PredictorOptions },
): Promise<SpeculativeResult> {
  const { LlamaCompletion, InputLookupTokenPredictor } = await nodeLlamaCpp();
  const quiet: Logger = { error: (m) => console.error(m), warn: () => undefined, info: () => undefined, debug: () => undefined };
  const llama = await loadLlama(quiet);
  const model = await llama.loadModel(modelLoadOptions(modelPath));
  const settings = {
    ...defaultSettings.model,
    contextSize: 2 * (options.prefixTokens + options.maxTokens + 64),
    threads: options.threads ?? 0,
  };
  const context = await model.createContext({ ...contextOptions(settings, 2) });
  try {
    const plain = new LlamaCompletion({ contextSequence: context.getSequence() });
    const predictedSequence = context.getSequence({ tokenPredictor: new InputLookupTokenPredictor(options.predictor) });
    const predicted = new LlamaCompletion({ contextSequence: predictedSequence });
    const run = async (completion: InstanceType<typeof LlamaCompletion>, prompt: Token[]): Promise<Timed> => {
      let first: number | undefined;
      let firstTokens = 0;
      let tokens = 0;
      let last = 0;
      const text = await completion.generateCompletion(prompt, {
        maxTokens: options.maxTokens,
        onToken: (chunk) => {
          const now = performance.now();
          if (first === undefined) {
            first = now;
            firstTokens = chunk.length;
          }
          tokens += chunk.length;
          last = now;
        },
      });
      return { text, tokens, decodeTokens: tokens - firstTokens, decodeMs: first === undefined ? 0 : last - first };
    };
    const totals = { plain: { tokens: 0, decodeTokens: 0, decodeMs: 0 }, predicted: { tokens: 0, decodeTokens: 0, decodeMs: 0 } };
    let sameText = 0;
    for (const [i, c] of cases.entries()) {
      const bos = model.tokens.shouldPrependBosToken && model.tokens.bos !== null ? [model.tokens.bos] : [];
      const prompt = [...bos, ...model.tokenize(c.prefix).slice(-options.prefixTokens)];
      const order = i % 2 === 0 ? (['plain', 'predicted'] as const) : (['predicted', 'plain'] as const);
      const results: Partial<Record<'plain' | 'predicted', Timed>> = {};
      for (const which of order) {
        const result = await run(which === 'plain' ? plain : predicted, prompt);
        results[which] = result;
        totals[which].tokens += result.tokens;
        totals[which].decodeTokens += result.decodeTokens;
        totals[which].decodeMs += result.decodeMs;
      }
      if (results.plain?.text === results.predicted?.text) sameText++;
    }
    const stats = predictedSequence.tokenPredictions;
    const rate = (t: { decodeTokens: number; decodeMs: number }): number => (t.decodeMs > 0 ? (t.decodeTokens / t.decodeMs) * 1000 : 0);
    const checked = stats.validated + stats.refuted;
    return {
      cases: cases.length,
      generatedTokens: { plain: totals.plain.tokens, predicted: totals.predicted.tokens },
      tokensPerSecond: { plain: rate(totals.plain), predicted: rate(totals.predicted) },
      speedUp: rate(totals.plain) > 0 ? rate(totals.predicted) / rate(totals.plain) : 0,
      acceptanceRate: checked > 0 ? stats.validated / checked : 0,
      predictions: { ...stats },
      sameText,
    };
  } finally {
    await context.dispose();
    await model.dispose();
  }
}
