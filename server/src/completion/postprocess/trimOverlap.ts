import { isBlank, isMidLine, type RuleContext } from './text';

const OPENERS: Record<string, string> = { ')': '(', ']': '[', '}': '{' };
const QUOTES = new Set(['"', "'", '`']);

/**
 * Removes the end of the suggestion that the text right of the cursor already has: with
 * `foo(█)` the model often writes `a, b)`, which would give `foo(a, b))`. The longest prefix of
 * the line's rest that the suggestion ends with is removed, but only when it really is a
 * duplicate: each closing bracket in it must be unmatched within the suggestion, and each quote
 * unpaired (odd count), so `foo()` before `)` is kept whole. Other characters (`;`, `,`, words)
 * count as duplicates as they are.
 */
export function trimOverlap(completion: string, context: RuleContext): string {
  if (!isMidLine(context)) return completion;
  const rest = context.lineSuffix;
  for (let length = Math.min(rest.length, completion.length); length > 0; length--) {
    const overlap = rest.slice(0, length);
    if (!isBlank(overlap) && completion.endsWith(overlap) && isDuplicate(completion, overlap)) {
      return completion.slice(0, completion.length - length);
    }
  }
  return completion;
}

function isDuplicate(completion: string, overlap: string): boolean {
  const unmatched = unmatchedClosers(completion);
  for (const char of overlap) {
    if (char in OPENERS) {
      if (!unmatched[char]) return false;
      unmatched[char] -= 1;
    } else if (QUOTES.has(char) && count(completion, char) % 2 === 0) {
      return false;
    }
  }
  return true;
}

/** Closing brackets with no opener before them in the text, per bracket kind (strings not parsed). */
function unmatchedClosers(text: string): Record<string, number> {
  const open: Record<string, number> = { '(': 0, '[': 0, '{': 0 };
  const unmatched: Record<string, number> = { ')': 0, ']': 0, '}': 0 };
  for (const char of text) {
    if (char in open) open[char] += 1;
    else if (char in OPENERS) {
      const opener = OPENERS[char];
      if (open[opener] > 0) open[opener] -= 1;
      else unmatched[char] += 1;
    }
  }
  return unmatched;
}

function count(text: string, char: string): number {
  let n = 0;
  for (const c of text) if (c === char) n += 1;
  return n;
}
