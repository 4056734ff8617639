import { isMidLine, type RuleContext } from './text';

/**
 * With text right of the cursor, a suggestion can only fill that one line: anything after the
 * first line break would be inserted before the existing rest of the line.
 */
export function firstLineOnly(completion: string, context: RuleContext): string {
  if (!isMidLine(context)) return completion;
  const lineBreak = completion.indexOf('\n');
  return lineBreak === -1 ? completion : completion.slice(0, lineBreak);
}
