import { isBlank, type RuleContext } from './text';

/**
 * After `const x = ` the model may still start with a space, which would give `x =  1`. When the
 * text left of the cursor has code and already ends in whitespace, the suggestion's leading
 * spaces and tabs are dropped. Indentation is never touched: with only whitespace (or nothing)
 * left of the cursor, as at the start of an empty line, leading whitespace is kept.
 */
export function skipDoubledSpace(completion: string, context: RuleContext): string {
  if (isBlank(context.linePrefix) || !/[ \t]$/.test(context.linePrefix)) return completion;
  return completion.replace(/^[ \t]+/, '');
}
