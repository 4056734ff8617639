/**
 * Sizes the prompt batches of one context sequence by its measured prefill speed, so that a
 * cancellation, which llama.cpp can only see between two batches, lands within about
 * {@link TARGET_MS} on a fast CPU and within a 128-token batch on a slow one: a fixed 256 tokens is
 * 0.6 s on a fast core and 2.5 s on a slow one. Smaller batches cost speed, so they never go below
 * {@link MIN_TOKENS}.
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

/** Aim of a batch's duration: a cancel answered within about this long. */
const TARGET_MS = 400;
/** The first batch, before anything is measured. */
const FIRST_TOKENS = 128;
/**
 * Below this, each batch's fixed cost dominates: batches of about 56 tokens (a 200 ms target here)
 * made a cold 1,257-token prompt cost 2.02× what llama.cpp needs in one go (npm run bench,
 * 2026-12-02), where 256-token batches cost 1.0-1.2×. A probe on 2026-12-03 (1,250 tokens, one
 * thread, AMD EPYC) found 64-512-token batches alike (4.5-5.2 s) and 32 or 48 twice as slow, but
 * with a 250 ms target and 64 tokens the 5-minute soak's RSS grew 71 and 121 MiB after its warm-up
 * (35 MiB with these values, limit 64), so the change was not kept.
 */
const MIN_TOKENS = 128;
const MAX_TOKENS = 512;
