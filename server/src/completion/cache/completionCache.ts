import { createHash } from 'node:crypto';

/**
 * What one entry remembers of its prompt. The prefix and suffix are never stored whole (a prefix
 * may be a large slice of a 50 MB document, and a slice keeps its parent string alive): only
 * their lengths, a SHA-256 of each, and a copy of the prefix's last characters, which lets a
 * lookup reject almost every typed-through candidate without hashing.
 */
interface Entry {
  prefixLength: number;
  prefixHash: string;
  prefixTail: string;
  suffixHash: string;
  completion: string;
}

/** Characters of the prefix's end kept per entry for the cheap typed-through check. */
const TAIL_LENGTH = 64;

/**
 * An LRU cache of suggestions keyed by the text before and after the cursor.
 *
 * Besides exact hits it answers "typed-through" lookups: after the suggestion `c` was cached
 * for `(p, s)`, typing the first characters `t` of it gives `(p + t, s)`, answered with the rest
 * of `c`. Memory is bounded by `capacity` entries, each holding its completion, two hashes and
 * {@link TAIL_LENGTH} characters. An empty completion may be stored ("the model had nothing");
 * an exact hit then returns `''`.
 */
export class CompletionCache {
  /** Insertion order is recency order: the first key is the least recently used. */
  private readonly entries = new Map<string, Entry>();

  /** @param capacity most entries kept; 0 keeps none. */
  constructor(private readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 0) {
      throw new RangeError(`CompletionCache capacity must be a non-negative integer, got ${capacity}`);
    }
  }

  /** Number of entries held. */
  get size(): number {
    return this.entries.size;
  }

  /**
   * The exact hit for (prefix, suffix), or — when the user typed characters that match a cached
   * suggestion — the rest of that suggestion. A hit makes its entry the most recently used.
   * Among several typed-through candidates, the one with the least typed text wins.
   */
  get(prefix: string, suffix: string): string | undefined {
    const prefixHash = hash(prefix);
    const suffixHash = hash(suffix);
    const key = keyOf(prefixHash, suffixHash);
    const exact = this.entries.get(key);
    if (exact) {
      this.touch(key, exact);
      return exact.completion;
    }

    let best: [string, Entry] | undefined;
    for (const candidate of this.entries) {
      const entry = candidate[1];
      if (entry.suffixHash !== suffixHash || entry.prefixLength >= prefix.length) continue;
      if (best && entry.prefixLength <= best[1].prefixLength) continue;
      const typed = prefix.slice(entry.prefixLength);
      if (typed.length >= entry.completion.length || !entry.completion.startsWith(typed)) continue;
      if (!prefix.startsWith(entry.prefixTail, entry.prefixLength - entry.prefixTail.length)) continue;
      if (hash(prefix.slice(0, entry.prefixLength)) !== entry.prefixHash) continue;
      best = candidate;
    }
    if (!best) return undefined;
    this.touch(best[0], best[1]);
    return best[1].completion.slice(prefix.length - best[1].prefixLength);
  }

  /** Stores a suggestion for (prefix, suffix), replacing any earlier one, and evicts the least recently used. */
  set(prefix: string, suffix: string, completion: string): void {
    if (this.capacity === 0) return;
    const prefixHash = hash(prefix);
    const suffixHash = hash(suffix);
    const key = keyOf(prefixHash, suffixHash);
    this.entries.delete(key);
    this.entries.set(key, {
      prefixLength: prefix.length,
      prefixHash,
      prefixTail: copy(prefix.slice(-TAIL_LENGTH)),
      suffixHash,
      completion: copy(completion),
    });
    while (this.entries.size > this.capacity) {
      const oldest = this.entries.keys().next().value as string;
      this.entries.delete(oldest);
    }
  }

  /** Forgets every entry (e.g. when the model or its settings change). */
  clear(): void {
    this.entries.clear();
  }

  private touch(key: string, entry: Entry): void {
    this.entries.delete(key);
    this.entries.set(key, entry);
  }
}

function hash(text: string): string {
  return createHash('sha256').update(text, 'utf16le').digest('base64');
}

function keyOf(prefixHash: string, suffixHash: string): string {
  return `${prefixHash}|${suffixHash}`;
}

/**
 * A flat copy of a string. V8 may represent `slice()` results as views into the original string,
 * which would keep the whole document alive for as long as the entry lives.
 */
function copy(text: string): string {
  return text.length === 0 ? '' : Buffer.from(text, 'utf16le').toString('utf16le');
}
