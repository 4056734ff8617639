/**
 * Where the middle of an `appendable` prompt starts (`<fim_prefix>` text before the middle
 * `<fim_suffix>` text after the cursor `<fim_middle>` text from the middle's start to the cursor).
 *
 * With the classic prefix-suffix-middle layout every keystroke changes the prefix, which comes
 * before the suffix, so the whole suffix is evaluated again on every keystroke. Here the text the
 * user types goes after the middle marker instead: while the user types at the cursor, the prefix
 * and the suffix stay the same and each keystroke only appends to the prompt, so llama.cpp reuses
 * its cache and evaluates only the new tokens. The prompt is still one the model understands: a
 * fill-in-the-middle prompt whose middle has already begun.
 */

import type { DocumentWindow } from './documentWindow';

/** What is remembered per document between two requests. */
export interface MiddleMemory {
  /** Offset where the middle started. */
  start: number;
  /** The suffix the middle was chosen with (a flat copy: a slice would keep the whole document alive). */
  suffix: string;
}

/**
 * Most characters between the middle's start and the cursor. Beyond it the middle starts again at
 * the cursor's line: the typed text moves into the prefix, at the cost of evaluating the suffix once.
 */
export const MAX_MIDDLE_CHARS = 1024;

/**
 * The middle's start for a request at `cursor` with the given window.
 *
 * The previous start is kept while the suffix is unchanged (the user typed or deleted at the cursor,
 * so nothing after it changed), it is still inside the prefix window and at a line start, and the
 * middle has not grown beyond {@link MAX_MIDDLE_CHARS}. Otherwise the middle starts at the cursor's
 * line (or at the prefix window's start, if that is later). The previous start is only an offset:
 * if text before it was edited the prompt is still built from the current text, it just shares
 * less with the cached one.
 */
export function chooseMiddleStart(
  text: string,
  cursor: number,
  window: Pick<DocumentWindow, 'prefixStart' | 'linePrefix' | 'suffix'>,
  previous: MiddleMemory | undefined,
): number {
  const fresh = Math.max(cursor - window.linePrefix.length, window.prefixStart);
  if (
    previous !== undefined &&
    previous.suffix === window.suffix &&
    previous.start >= window.prefixStart &&
    previous.start <= cursor &&
    cursor - previous.start <= MAX_MIDDLE_CHARS &&
    (previous.start === window.prefixStart || text[previous.start - 1] === '\n')
  ) {
    return previous.start;
  }
  return fresh;
}

/** A copy of `text` that does not share memory with the string it was sliced from. */
export function flatCopy(text: string): string {
  return text.length === 0 ? '' : Buffer.from(text, 'utf16le').toString('utf16le');
}
