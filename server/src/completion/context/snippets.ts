/**
 * Snippets of the places the user viewed and edited recently, in any open file (and the clipboard,
 * when the user turned that on): the other-file context that goes before a completion's window.
 *
 * A snippet is {@link SNIPPET_LINES} lines around a place, copied when the place is noted. A new
 * snippet whose set of lines is nearly the one of a snippet already held (line-set Jaccard
 * similarity above {@link DUPLICATE_SIMILARITY}, as llama.vscode does) takes that snippet's slot
 * instead of a new one: typing in a function updates its snippet rather than filling the ring
 * with copies of it. Slots keep their order (oldest first), so a prompt built from the ring only
 * changes at its end when something new is viewed, and what comes before stays cached.
 */

import { flatCopy } from './middleStart';

/** Lines in a snippet: the noted line and about half as many on each side. */
export const SNIPPET_LINES = 32;
/** Snippets held; the least recently noted goes first. */
export const RING_SIZE = 16;
/** Line-set Jaccard similarity above which two snippets count as one place. */
export const DUPLICATE_SIMILARITY = 0.9;
/** A place this long in characters (minified code, data) is not worth a snippet. */
export const MAX_SNIPPET_CHARS = 4_000;
/** Fewer non-blank lines than this say nothing about the code. */
const MIN_LINES = 3;

export interface Snippet {
  /** Stable while the slot holds the same place (a near-duplicate updates it in place). */
  readonly id: number;
  /** The document's URI, or `clipboard`. */
  uri: string;
  /** The lines, each ending in a line break. */
  text: string;
  /** Bumped when the text changes, so a prompt built from it knows it is out of date. */
  version: number;
  /** When it was last noted (a counter): the selection prefers recent ones. */
  noted: number;
  /** Its distinct trimmed non-blank lines, for the similarity. */
  lines: Set<string>;
}

/** The line-set Jaccard similarity of two snippets: shared lines over all distinct lines. */
export function lineSimilarity(a: ReadonlySet<string>, b: ReadonlySet<string>): number {
  if (a.size === 0 && b.size === 0) return 1;
  let shared = 0;
  for (const line of a) if (b.has(line)) shared++;
  return shared / (a.size + b.size - shared);
}

/**
 * The {@link SNIPPET_LINES} lines around `offset` in `text` (the whole text when shorter). Only
 * the lines around the offset are looked at, so a 50 MB document costs no more than a small one.
 */
export function linesAround(text: string, offset: number): string {
  const at = Math.min(Math.max(0, Math.floor(offset)), text.length);
  let start = at === 0 ? 0 : text.lastIndexOf('\n', at - 1) + 1;
  for (let i = 0; i < SNIPPET_LINES / 2 && start > 0; i++) start = previousLineStart(text, start);
  let end = start;
  for (let i = 0; i < SNIPPET_LINES && end < text.length; i++) {
    const next = text.indexOf('\n', end);
    end = next === -1 ? text.length : next + 1;
  }
  // Fewer lines after the place than half: take more before it, so a file's end gives a full snippet.
  for (let taken = countLines(text, start, end); taken < SNIPPET_LINES && start > 0; taken++) {
    start = previousLineStart(text, start);
  }
  return text.slice(start, end);
}

/** The start of the line before the one starting at `start` (> 0). */
function previousLineStart(text: string, start: number): number {
  return start >= 2 ? text.lastIndexOf('\n', start - 2) + 1 : 0;
}

function countLines(text: string, start: number, end: number): number {
  let n = 0;
  for (let i = text.indexOf('\n', start); i !== -1 && i < end; i = text.indexOf('\n', i + 1)) n++;
  return n;
}

function lineSet(text: string): Set<string> {
  const lines = new Set<string>();
  for (const line of text.split('\n')) {
    const trimmed = line.trim();
    if (trimmed) lines.add(trimmed);
  }
  return lines;
}

export class SnippetRing {
  /** Slot order: oldest first. */
  private readonly slots: Snippet[] = [];
  private nextId = 1;
  private clock = 0;

  constructor(private readonly size = RING_SIZE) {}

  /** The snippets held, in slot order. */
  get snippets(): readonly Snippet[] {
    return this.slots;
  }

  /**
   * Notes the place at `offset` of the document `uri` (its text now). Returns the snippet that
   * holds it, or undefined when the place is not worth one (too few lines, too long).
   */
  note(uri: string, text: string, offset: number): Snippet | undefined {
    return this.add(uri, linesAround(text, offset));
  }

  /** Notes a whole text (the clipboard's) as one snippet, cut to {@link SNIPPET_LINES} lines. */
  noteText(uri: string, text: string): Snippet | undefined {
    const lines = text.split('\n').slice(0, SNIPPET_LINES);
    return this.add(uri, lines.join('\n'));
  }

  private add(uri: string, raw: string): Snippet | undefined {
    if (raw.length > MAX_SNIPPET_CHARS) return undefined;
    const text = raw.endsWith('\n') || raw === '' ? raw : `${raw}\n`;
    const lines = lineSet(text);
    if (lines.size < MIN_LINES) return undefined;
    const noted = ++this.clock;
    const same = this.slots.find((s) => lineSimilarity(s.lines, lines) > DUPLICATE_SIMILARITY);
    if (same) {
      if (same.text !== text) {
        Object.assign(same, { uri, text: flatCopy(text), lines });
        same.version++;
      }
      same.noted = noted;
      return same;
    }
    if (this.slots.length >= this.size) {
      const oldest = this.slots.reduce((a, b) => (b.noted < a.noted ? b : a));
      this.slots.splice(this.slots.indexOf(oldest), 1);
    }
    const snippet: Snippet = { id: this.nextId++, uri, text: flatCopy(text), version: 1, noted, lines };
    this.slots.push(snippet);
    return snippet;
  }

  /**
   * The snippets for a completion in `uri`: from the most recently noted down, those of other
   * documents whose cost fits what is left of `budget` tokens, returned in slot order.
   */
  select(uri: string, budget: number, cost: (snippet: Snippet) => number): Snippet[] {
    const chosen = new Set<Snippet>();
    let left = budget;
    for (const snippet of [...this.slots].sort((a, b) => b.noted - a.noted)) {
      if (snippet.uri === uri) continue;
      const tokens = cost(snippet);
      if (tokens > left) continue;
      chosen.add(snippet);
      left -= tokens;
    }
    return this.slots.filter((s) => chosen.has(s));
  }
}
