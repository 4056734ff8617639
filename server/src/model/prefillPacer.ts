/**
 * Sizes the prompt batches of one context sequence by its measured prefill speed, so that a
 * cancellation, which llama.cpp can only see between two batches, lands within about
 * {@link TARGET_MS} on any CPU: a fixed 256 tokens is 0.6 s on a fast core and 2.5 s on a slow one.
 * Smaller batches cost a little speed (bench/README.md: 128 tokens +1.6% over 256 on a cold prompt),
 * so batches never go below {@link MIN_TOKENS}.
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

/** Aim of a batch's duration: a cancel answered within ~300 ms once the batch under way ends. */
const TARGET_MS = 200;
/** The first batch, before anything is measured: small enough for a slow CPU (~100 tokens/s). */
const FIRST_TOKENS = 32;
const MIN_TOKENS = 16;
const MAX_TOKENS = 512;
