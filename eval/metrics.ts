/**
 * What `npm run eval` measures about one suggestion against the line it should have completed.
 * Pure functions, unit-tested with hand-checked values (test/unit/eval/metrics.test.ts).
 */

/** Levenshtein distance in UTF-16 code units: insertions, deletions and substitutions cost 1. */
export function levenshtein(a: string, b: string): number {
  if (a === b) return 0;
  if (a.length === 0) return b.length;
  if (b.length === 0) return a.length;
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = previous[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1);
      current.push(Math.min(previous[j] + 1, current[j - 1] + 1, substitution));
    }
    previous = current;
  }
  return previous[b.length];
}

/** 1 − Levenshtein distance / the longer length; two empty strings are identical (1). */
export function editSimilarity(a: string, b: string): number {
  const longer = Math.max(a.length, b.length);
  return longer === 0 ? 1 : 1 - levenshtein(a, b) / longer;
}

/**
 * The part of a suggestion that answers for the rest of the line: its first line, without
 * trailing whitespace (and a `\r`). The expected answer is one line, so later lines are not
 * scored for quality, only for harms.
 */
export function firstLine(suggestion: string): string {
  return suggestion.split('\n')[0].trimEnd();
}

/** A line without letters or digits (`}`, `);`, `end` is not one): repeating it is no harm. */
function trivial(line: string): boolean {
  return !/[A-Za-z0-9]/.test(line);
}

/** The lines the document would have once the suggestion is accepted at the cursor, from the cursor's line on. */
function completedLines(linePrefix: string, suggestion: string): string[] {
  return (linePrefix + suggestion).split('\n').map((line) => line.trim());
}

/** The text of the cursor's line before the cursor. */
export function linePrefixOf(prefix: string): string {
  return prefix.slice(prefix.lastIndexOf('\n') + 1);
}

/**
 * The suggestion repeats the line that follows the cursor's line: a line of the completed text
 * (trimmed) equals the suffix's next non-blank line (trimmed). Not a harm when that line has no
 * letters or digits, or when the expected line itself is the same text (a file that really
 * repeats it).
 */
export function repeatsSuffix(prefix: string, suggestion: string, suffix: string, expected: string): boolean {
  if (suggestion.trim() === '') return false;
  const next = suffix
    .split('\n')
    .slice(1)
    .map((line) => line.trim())
    .find((line) => line !== '');
  if (next === undefined || trivial(next)) return false;
  if ((linePrefixOf(prefix) + expected).trim() === next) return false;
  return completedLines(linePrefixOf(prefix), suggestion).includes(next);
}

/** The leading whitespace of a line. */
function indentation(line: string): string {
  return /^[ \t]*/.exec(line)?.[0] ?? '';
}

/**
 * With the cursor at the start of a line (the indentation is part of the answer), the first
 * line of the suggestion is indented otherwise than the expected line. `undefined` when the rule
 * does not apply: the cursor is inside a line, or the suggestion is empty.
 */
export function wrongIndentation(prefix: string, suggestion: string, expected: string): boolean | undefined {
  if (linePrefixOf(prefix) !== '' || suggestion.trim() === '') return undefined;
  const first = suggestion.split('\n').find((line) => line.trim() !== '') ?? '';
  return indentation(first) !== indentation(expected);
}

/**
 * The suggestion repeats a line already written: the cursor's line as the suggestion completes it
 * (its first line, trimmed, with letters or digits) equals one of the prefix's last `lines` lines
 * before the cursor's line (trimmed), and is not the expected line itself. Later lines of a
 * suggestion are not compared: `return err` or `break` recur legitimately in a block.
 */
export function repeatsPrefix(prefix: string, suggestion: string, expected: string, lines = 20): boolean {
  if (suggestion.trim() === '') return false;
  const linePrefix = linePrefixOf(prefix);
  const before = prefix
    .split('\n')
    .slice(0, -1)
    .slice(-lines)
    .map((line) => line.trim());
  const completed = completedLines(linePrefix, suggestion)[0];
  return completed !== '' && !trivial(completed) && completed !== (linePrefix + expected).trim() && before.includes(completed);
}

/** The value at quantile `q` (0-1) of the numbers, nearest-rank; NaN when there are none. */
export function quantile(values: number[], q: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.max(1, Math.ceil(q * sorted.length));
  return sorted[rank - 1];
}

/** One case's scores. */
export interface CaseScore {
  exact: boolean;
  similarity: number;
  empty: boolean;
  repeatsSuffix: boolean;
  wrongIndentation?: boolean;
  repeatsPrefix: boolean;
}

/** Scores a suggestion (as the server returned it, for a cursor after `prefix`) against the expected rest of the line. */
export function scoreCase(prefix: string, suffix: string, expected: string, suggestion: string): CaseScore {
  const answer = firstLine(suggestion);
  const wanted = expected.trimEnd();
  return {
    exact: answer === wanted,
    similarity: editSimilarity(answer, wanted),
    empty: suggestion.trim() === '',
    repeatsSuffix: repeatsSuffix(prefix, suggestion, suffix, expected),
    wrongIndentation: wrongIndentation(prefix, suggestion, expected),
    repeatsPrefix: repeatsPrefix(prefix, suggestion, expected),
  };
}
