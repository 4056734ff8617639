/**
 * Shared helpers of the post-processing rules. Every rule works on text whose line breaks are
 * `'\n'`; the requested line ending is only put back at the very end.
 */

/** What the rules know about the cursor's surroundings, with line breaks normalised to `'\n'`. */
export interface RuleContext {
  /** The cursor's line before the cursor. */
  linePrefix: string;
  /** The cursor's line after the cursor, without the line ending. */
  lineSuffix: string;
  /** Document text from the cursor to the end of the window (starts with `lineSuffix`). */
  suffix: string;
}

/** Tabs count as this many columns when comparing indentation. */
const TAB_WIDTH = 4;

/** Replaces `\r\n` and lone `\r` by `\n`. */
export function toLf(text: string): string {
  return text.replace(/\r\n?/g, '\n');
}

/** Whether the text holds nothing but whitespace. */
export function isBlank(text: string): boolean {
  return text.trim() === '';
}

/** Width of a line's leading whitespace, tabs counted as four columns. */
export function indentWidth(line: string): number {
  let width = 0;
  for (const char of line) {
    if (char === ' ') width += 1;
    else if (char === '\t') width += TAB_WIDTH;
    else break;
  }
  return width;
}

/**
 * The first non-blank line of the suffix after the cursor's own line, or undefined when the
 * suffix (window) ends before one.
 */
export function nextSuffixLine(suffix: string): string | undefined {
  let start = suffix.indexOf('\n');
  while (start !== -1) {
    const end = suffix.indexOf('\n', start + 1);
    const line = suffix.slice(start + 1, end === -1 ? suffix.length : end);
    if (!isBlank(line)) return line;
    start = end;
  }
  return undefined;
}

/** Whether the cursor is mid-line: there is text right of it on its line. */
export function isMidLine(context: RuleContext): boolean {
  return !isBlank(context.lineSuffix);
}

/** A line made only of closing brackets and the punctuation that follows them: `}`, `});`, `],`. */
export function isClosingLine(line: string): boolean {
  return /^[)\]}][)\]};,\s]*$/.test(line.trim());
}
