/**
 * Longest cursor line that gets completions. Minified bundles and generated data put a whole file
 * on one line; nobody types there, a suggestion cut out of it is noise, and its prompt would be a
 * slice of the line's middle. Hand-written lines stay far below it (long string literals and
 * tables included).
 */
export const MAX_LINE_LENGTH = 5_000;

/** Characters on each side of the cursor searched for a NUL. */
const BINARY_PROBE = 4_096;

/**
 * Why no model should complete at `offset`, or undefined. Declined: a binary file (a NUL character
 * near the cursor; text files never hold one) and a line longer than {@link MAX_LINE_LENGTH}.
 * Runs before the prompt window is chosen, and looks only at the cursor's line and its
 * neighbourhood, so a 50 MB document costs no more than a small one.
 */
export function declineReason(text: string, offset: number): string | undefined {
  const probe = text.slice(Math.max(0, offset - BINARY_PROBE), offset + BINARY_PROBE);
  if (probe.includes('\0')) return 'it holds NUL characters near the cursor (a binary file)';
  const lineStart = offset === 0 ? 0 : text.lastIndexOf('\n', offset - 1) + 1;
  const lineBreak = text.indexOf('\n', offset);
  const lineLength = (lineBreak === -1 ? text.length : lineBreak) - lineStart;
  if (lineLength > MAX_LINE_LENGTH) {
    const n = (x: number): string => x.toLocaleString('en-US');
    return `the cursor's line is ${n(lineLength)} characters long (minified or generated; completions skip lines over ${n(MAX_LINE_LENGTH)})`;
  }
  return undefined;
}
