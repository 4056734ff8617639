import { isBlank, type RuleContext } from './text';

/**
 * Drops a suggestion that only repeats the text already after the cursor (the suffix starts with
 * it, both trimmed, runs of whitespace compared as one space): accepting it would duplicate code.
 * Returns the empty string, which the pipeline turns into "show nothing".
 */
export function dropSuffixRepeat(completion: string, context: RuleContext): string {
  if (isBlank(completion)) return '';
  const shown = collapse(completion.trim());
  // Only the start of the suffix can matter; collapsing never makes text longer.
  const head = collapse(context.suffix.trimStart().slice(0, completion.length * 4 + 64));
  return head.startsWith(shown) ? '' : completion;
}

function collapse(text: string): string {
  return text.replace(/\s+/g, ' ');
}
