import { indentWidth, isBlank, isClosingLine, isMidLine, nextSuffixLine, type RuleContext } from './text';

/**
 * Cuts the suggestion before the first line that repeats the suffix's next non-blank line
 * (compared trimmed): small models happily regenerate the code that already follows the cursor.
 * The suggestion's first line is compared together with the text left of the cursor, since that
 * is the line the user would see; a first line that adds nothing (the suggestion starts with a
 * line break) is never compared, so the user's own text cannot cut the suggestion away.
 *
 * Closing-bracket lines (`}`, `});`) are too common to match trimmed: they repeat the suffix
 * only at the same indentation. `  }` closing a method is not a repeat of the class's `}` below.
 */
export function stopAtRepeatedLine(completion: string, context: RuleContext): string {
  if (isMidLine(context)) return completion;
  const next = nextSuffixLine(context.suffix);
  if (next === undefined) return completion;

  const lines = completion.split('\n');
  for (let i = 0; i < lines.length; i++) {
    if (i === 0 && isBlank(lines[0])) continue;
    const shown = i === 0 ? context.linePrefix + lines[0] : lines[i];
    if (repeats(shown, next)) return lines.slice(0, i).join('\n');
  }
  return completion;
}

function repeats(line: string, next: string): boolean {
  if (line.trim() !== next.trim()) return false;
  return !isClosingLine(next) || indentWidth(line) === indentWidth(next);
}
