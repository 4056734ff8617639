/**
 * Several context sequences that each keep the KV cache of one recent place (a document, or a
 * window of it), so that going back to a file or a function served a minute ago evaluates only
 * what changed there instead of the whole window again. llama.cpp's own server picks a slot the
 * same way (longest common prefix), but one cold request per place is all it can keep per slot;
 * here the pool is what lets completions switch between files for free.
 */

/** What the pool needs of a sequence: how many leading tokens of a prompt it already holds. */
export interface CachedSequence {
  compareContextTokens(tokens: readonly number[]): { firstDifferentIndex: number };
}

/**
 * Fewer shared tokens than this count as nothing shared: every FIM prompt of one model begins with
 * the same few marker and indentation tokens, and taking a sequence for them would evict a place
 * worth keeping.
 */
export const MIN_SHARED_TOKENS = 64;

export class SequencePool<S extends CachedSequence> {
  /** Most recently used last. */
  private readonly order: S[];

  constructor(sequences: readonly S[]) {
    if (sequences.length === 0) throw new Error('a sequence pool needs at least one sequence');
    this.order = [...sequences];
  }

  get size(): number {
    return this.order.length;
  }

  /** The sequence holding the longest start of `prompt`, with how many tokens it holds. */
  best(prompt: readonly number[]): { sequence: S; shared: number } {
    let best = { sequence: this.order[this.order.length - 1], shared: -1 };
    // From the most recently used down, so a tie goes to the place the user was at last.
    for (let i = this.order.length - 1; i >= 0; i--) {
      const n = shared(this.order[i], prompt);
      if (n > best.shared) best = { sequence: this.order[i], shared: n };
    }
    return { ...best, shared: Math.max(0, best.shared) };
  }

  /**
   * The sequence `prompt` should run on, marked as the most recently used: the one holding most of
   * it, or, when none holds at least {@link MIN_SHARED_TOKENS} of it, the least recently used one
   * (a new place evicts the oldest).
   */
  take(prompt: readonly number[]): { sequence: S; shared: number } {
    const found = this.best(prompt);
    const chosen = enough(prompt, found.shared) ? found : { sequence: this.order[0], shared: shared(this.order[0], prompt) };
    this.order.splice(this.order.indexOf(chosen.sequence), 1);
    this.order.push(chosen.sequence);
    return chosen;
  }

  /** The place holding (at least {@link MIN_SHARED_TOKENS} of) `prompt`, if one does. */
  holding(prompt: readonly number[]): S | undefined {
    const found = this.best(prompt);
    return enough(prompt, found.shared) ? found.sequence : undefined;
  }

  /**
   * Puts `next` (a sequence outside the pool) where `old` was, as the most recently used: it holds
   * what replaces old's prompt. `old` leaves the pool.
   */
  replace(old: S, next: S): void {
    const at = this.order.indexOf(old);
    if (at === -1) throw new Error('replace: the sequence is not in the pool');
    this.order.splice(at, 1);
    this.order.push(next);
  }
}

/** Whether `n` shared tokens make a prompt's place: {@link MIN_SHARED_TOKENS}, or all but its last token. */
function enough(prompt: readonly number[], n: number): boolean {
  return n >= Math.min(MIN_SHARED_TOKENS, prompt.length - 1);
}

/** How many leading tokens of `prompt` the sequence holds. */
function shared(sequence: CachedSequence, prompt: readonly number[]): number {
  return Math.min(sequence.compareContextTokens(prompt).firstDifferentIndex, prompt.length);
}
