import { indentWidth, isBlank, isClosingLine, nextSuffixLine, type RuleContext } from './text';

/**
 * Keeps a multi-line suggestion inside the cursor's block, judged by indentation only (no parser,
 * so it works the same for every language).
 *
 * - The block's indentation is that of the cursor's line as the user would see it (text left of
 *   the cursor plus the suggestion's first line). When that line opens a block (ends with `{`,
 *   `(`, `[` or `:`), the block is the new one: following lines must be indented deeper.
 * - The suggestion stops before the first non-blank line indented less than the block.
 * - Exception: that line may be a closing-bracket line (`}`, `});`, `]`, ...), kept as the last
 *   line, when the suffix does not already close the block there, i.e. the suffix's next
 *   non-blank line is absent (end of document or window), indented less than the closer, or at
 *   the closer's indentation without starting with a closing bracket itself. A suffix line
 *   indented deeper than the closer means the block goes on, so closing it would be wrong.
 *
 * - A closing-bracket line at the block's own indentation that closes nothing the suggestion
 *   opened (small models write `}` lines at the wrong depth, one after another) ends the block
 *   too: it is kept or dropped by the same rule as a dedented closer.
 *
 * A suffix line that equals the closer is handled before this rule, by `stopAtRepeatedLine`.
 */
export function limitToBlock(completion: string, context: RuleContext): string {
  const lines = completion.split('\n');
  if (lines.length < 2) return completion;

  const cursorLine = context.linePrefix + lines[0];
  const opensBlock = /[{([:]$/.test(cursorLine.trimEnd());
  const blockIndent = indentWidth(cursorLine) + (opensBlock ? 1 : 0);

  // Brackets the suggestion has opened and not closed, before each line.
  let open = Math.max(0, bracketBalance(lines[0]));
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i];
    if (isBlank(line)) continue;
    const indent = indentWidth(line);
    const closesOutside = open === 0 && isClosingLine(line);
    open = Math.max(0, open + bracketBalance(line));
    if (indent >= blockIndent && !closesOutside) continue;
    const keepCloser = isClosingLine(line) && closerAllowed(indent, nextSuffixLine(context.suffix));
    return lines.slice(0, keepCloser ? i + 1 : i).join('\n');
  }
  return completion;
}

/** Opening minus closing brackets on a line (strings and comments are not told apart: a heuristic). */
function bracketBalance(line: string): number {
  let balance = 0;
  for (const char of line) {
    if (char === '{' || char === '(' || char === '[') balance++;
    else if (char === '}' || char === ')' || char === ']') balance--;
  }
  return balance;
}

/** Whether a closing line at `indent` closes something the suffix leaves open. */
function closerAllowed(indent: number, next: string | undefined): boolean {
  if (next === undefined) return true;
  const nextIndent = indentWidth(next);
  if (nextIndent !== indent) return nextIndent < indent;
  return !/^[)\]}]/.test(next.trim());
}
