/**
 * Sizes the prompt batches of one context sequence by its measured prefill speed, so that a
 * cancellation, which llama.cpp can only see between two batches, lands within about
 * {@link TARGET_MS} on any CPU that reads 64 tokens that fast, and within one 64-token batch on a
 * slower one: a fixed 256 tokens is 0.6 s on a fast core and 2.5 s on a slow one. Smaller batches
 * cost speed, so they never go below {@link MIN_TOKENS}.
 */
export class PrefillPacer {
  /** Prompt tokens per millisecond, a moving average of the batches seen; undefined before the first. */
  private rate?: number;

  constructor(
    readonly targetMs = TARGET_MS,
    private readonly first = FIRST_TOKENS,
  ) {}

  /** Tokens for the next batch. */
  size(): number {
    if (this.rate === undefined) return this.first;
    return Math.max(MIN_TOKENS, Math.min(MAX_TOKENS, Math.floor(this.rate * this.targetMs)));
  }

  /** Records a batch of `tokens` that took `ms`. Tiny batches say little about speed and are skipped. */
  record(tokens: number, ms: number): void {
    if (tokens < MIN_TOKENS / 2 || !(ms > 0)) return;
    const rate = tokens / ms;
    this.rate = this.rate === undefined ? rate : 0.5 * this.rate + 0.5 * rate;
  }
}

/** Aim of a batch's duration: a cancel answered within about this long (the speed issue asks for 300 ms). */
const TARGET_MS = 250;
/** The first batch, before anything is measured. */
const FIRST_TOKENS = 64;
/**
 * Below this, llama.cpp leaves its batched kernels: 1,250 prompt tokens of the 0.5B shape on one
 * thread (2-core AMD EPYC, 2026-12-03) took 4.5-5.2 s in batches of 64, 96, 128, 192, 256 or 512
 * tokens alike, and 8.8 s in batches of 32, 9.5 s in batches of 48 (batches of about 56 tokens
 * made a cold prompt cost 2.02× in `npm run bench` on 2026-12-02). A 64-token batch took 230-260 ms.
 */
const MIN_TOKENS = 64;
const MAX_TOKENS = 512;
