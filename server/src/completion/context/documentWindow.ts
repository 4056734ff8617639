/**
 * Picks the text around the cursor that goes into a completion prompt, measured in model tokens.
 *
 * The document may be tens of megabytes, so nothing here splits or tokenizes the whole text: the
 * window grows line by line outward from the cursor (`lastIndexOf` / `indexOf`), and every call to
 * `countTokens` gets at most about a budget's worth of text.
 */

/** Token budgets of the two sides of the cursor. */
export interface WindowOptions {
  prefixTokens: number;
  suffixTokens: number;
}

/** The text around the cursor that a prompt is built from. Offsets are UTF-16 code units, like LSP positions. */
export interface DocumentWindow {
  /** Document text from `prefixStart` to the cursor. */
  prefix: string;
  /** Document text from the cursor to the end of the window. */
  suffix: string;
  /** Where the prefix starts: the anchor (a line start unless one line alone exceeds the budget). */
  prefixStart: number;
  /** The cursor's line before the cursor. */
  linePrefix: string;
  /** The cursor's line after the cursor, without the line ending. */
  lineSuffix: string;
  /** The document's line ending: the first line break found, `'\n'` if there is none. */
  eol: '\n' | '\r\n';
}

/**
 * Most characters one token is assumed to cover. Text longer than `tokens * MAX_CHARS_PER_TOKEN`
 * is taken not to fit without tokenizing it; this is what keeps a 50 MB single-line file from
 * reaching the tokenizer. Real tokenizers stay far below it (long whitespace runs are the worst).
 */
const MAX_CHARS_PER_TOKEN = 64;

/**
 * Share of the budget a freshly chosen anchor may use when it replaces a previous one. The slack
 * lets the following keystrokes keep the same anchor, so llama.cpp can reuse its cached prefix.
 */
const REANCHOR_SHARE = 0.75;

/**
 * The prompt window around `offset`.
 *
 * The prefix is anchored: a `previousAnchor` that is still a line start at or before the cursor,
 * and from which the text to the cursor still fits `prefixTokens`, is kept, so consecutive
 * keystrokes give prompts that extend each other. Otherwise a new anchor is chosen at a line start
 * so that the prefix uses at most ~75% of the budget (all of it when there was no previous anchor).
 * A cursor line that alone exceeds the budget is cut by characters, keeping the part next to the cursor.
 *
 * The suffix is the rest of the cursor's line (cut by characters if it alone exceeds the budget) and
 * then whole following lines while they fit `suffixTokens`; a budget of 0 gives an empty suffix.
 *
 * @param countTokens the model's tokenizer; only ever given about a budget's worth of text.
 * @param previousAnchor the `prefixStart` returned for the previous request on this document.
 */
export function documentWindow(
  text: string,
  offset: number,
  options: WindowOptions,
  countTokens: (text: string) => number,
  previousAnchor?: number,
): DocumentWindow {
  const cursor = Number.isFinite(offset) ? Math.min(Math.max(Math.floor(offset), 0), text.length) : 0;
  const lineStart = startOfLine(text, cursor);
  const lineBreak = text.indexOf('\n', cursor);
  const lineEnd = lineBreak === -1 ? text.length : lineBreak;
  const lineSuffix = text.slice(cursor, lineEnd);

  const prefixStart = choosePrefixStart(text, cursor, lineStart, options.prefixTokens, countTokens, previousAnchor);
  const suffixEnd = chooseSuffixEnd(text, cursor, options.suffixTokens, countTokens);
  return {
    prefix: text.slice(prefixStart, cursor),
    suffix: text.slice(cursor, suffixEnd),
    prefixStart,
    linePrefix: text.slice(lineStart, cursor),
    lineSuffix: lineSuffix.endsWith('\r') ? lineSuffix.slice(0, -1) : lineSuffix,
    eol: detectEol(text),
  };
}

/** Offset of the start of the line holding `offset`. */
function startOfLine(text: string, offset: number): number {
  // lastIndexOf with a negative start still looks at index 0, so offset 0 is answered directly.
  return offset === 0 ? 0 : text.lastIndexOf('\n', offset - 1) + 1;
}

function detectEol(text: string): '\n' | '\r\n' {
  const first = text.indexOf('\n');
  return first > 0 && text[first - 1] === '\r' ? '\r\n' : '\n';
}

function choosePrefixStart(
  text: string,
  cursor: number,
  lineStart: number,
  budget: number,
  countTokens: (text: string) => number,
  previousAnchor: number | undefined,
): number {
  if (!(budget > 0)) return cursor;
  if (
    previousAnchor !== undefined &&
    isLineStart(text, previousAnchor, cursor) &&
    fits(text, previousAnchor, cursor, budget, countTokens)
  ) {
    return previousAnchor;
  }
  const target = previousAnchor === undefined ? budget : Math.max(1, Math.floor(budget * REANCHOR_SHARE));
  return growPrefix(text, cursor, lineStart, target, countTokens);
}

function isLineStart(text: string, anchor: number, cursor: number): boolean {
  return Number.isInteger(anchor) && anchor >= 0 && anchor <= cursor && (anchor === 0 || text[anchor - 1] === '\n');
}

/** Whether `text[start, end)` fits `budget` tokens; too long a slice is refused without tokenizing it. */
function fits(text: string, start: number, end: number, budget: number, countTokens: (text: string) => number): boolean {
  return end - start <= budget * MAX_CHARS_PER_TOKEN && countTokens(text.slice(start, end)) <= budget;
}

/** The earliest line start from which the text to the cursor fits `target` tokens. */
function growPrefix(text: string, cursor: number, lineStart: number, target: number, countTokens: (text: string) => number): number {
  if (cursor - lineStart > target * MAX_CHARS_PER_TOKEN) return cutBefore(text, lineStart, cursor, target, countTokens);
  let used = countTokens(text.slice(lineStart, cursor));
  if (used > target) return cutBefore(text, lineStart, cursor, target, countTokens);

  // Lines are counted one at a time and summed: each line is tokenized once instead of
  // re-tokenizing an ever longer prefix.
  let start = lineStart;
  while (start > 0) {
    const previous = start >= 2 ? text.lastIndexOf('\n', start - 2) + 1 : 0;
    if (start - previous > (target - used) * MAX_CHARS_PER_TOKEN) break;
    const tokens = countTokens(text.slice(previous, start));
    if (used + tokens > target) break;
    used += tokens;
    start = previous;
  }
  // Tokens can merge across a line break, so the sum is only an estimate (nearly always high).
  // One count of the whole prefix confirms it; in the rare case it is over, lines are dropped from the top.
  while (start < lineStart && countTokens(text.slice(start, cursor)) > target) start = text.indexOf('\n', start) + 1;
  return start;
}

/** The smallest start in the line `[lineStart, end)` from which the text up to `end` fits `budget` tokens. */
function cutBefore(text: string, lineStart: number, end: number, budget: number, countTokens: (text: string) => number): number {
  let low = Math.max(lineStart, end - budget * MAX_CHARS_PER_TOKEN);
  let high = end; // Always fits: the empty text.
  while (low < high) {
    const middle = Math.floor((low + high) / 2);
    if (countTokens(text.slice(middle, end)) <= budget) high = middle;
    else low = middle + 1;
  }
  // Never start on the second half of a surrogate pair.
  return high < end && isLowSurrogate(text.charCodeAt(high)) ? high + 1 : high;
}

/** The largest end in `[start, lineEnd]` such that the text from `start` fits `budget` tokens. */
function cutAfter(text: string, start: number, lineEnd: number, budget: number, countTokens: (text: string) => number): number {
  let low = start; // Always fits: the empty text.
  let high = Math.min(lineEnd, start + budget * MAX_CHARS_PER_TOKEN);
  while (low < high) {
    const middle = Math.ceil((low + high) / 2);
    if (countTokens(text.slice(start, middle)) <= budget) low = middle;
    else high = middle - 1;
  }
  // Never end between the two halves of a surrogate pair.
  return low > start && isLowSurrogate(text.charCodeAt(low)) ? low - 1 : low;
}

function isLowSurrogate(code: number): boolean {
  return code >= 0xdc00 && code <= 0xdfff;
}

/** End of the suffix window: the rest of the cursor's line, then whole lines while they fit. */
function chooseSuffixEnd(text: string, cursor: number, budget: number, countTokens: (text: string) => number): number {
  if (!(budget > 0) || cursor === text.length) return cursor;
  const firstEnd = endOfLine(text, cursor);
  if (!fits(text, cursor, firstEnd, budget, countTokens)) return cutAfter(text, cursor, firstEnd, budget, countTokens);

  let used = countTokens(text.slice(cursor, firstEnd));
  let end = firstEnd;
  while (end < text.length) {
    const next = endOfLine(text, end);
    if (next - end > (budget - used) * MAX_CHARS_PER_TOKEN) break;
    const tokens = countTokens(text.slice(end, next));
    if (used + tokens > budget) break;
    used += tokens;
    end = next;
  }
  // As for the prefix: confirm the summed estimate once, dropping whole lines from the bottom if needed.
  while (end > firstEnd && countTokens(text.slice(cursor, end)) > budget) end = text.lastIndexOf('\n', end - 2) + 1;
  return end;
}

/** Offset just after the line break ending the line that holds `offset`, or the text's end. */
function endOfLine(text: string, offset: number): number {
  const lineBreak = text.indexOf('\n', offset);
  return lineBreak === -1 ? text.length : lineBreak + 1;
}
