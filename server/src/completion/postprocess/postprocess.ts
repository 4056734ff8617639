import { dropSuffixRepeat } from './dropSuffixRepeat';
import { firstLineOnly } from './firstLineOnly';
import { skipDoubledSpace } from './leadingSpace';
import { limitToBlock } from './limitToBlock';
import { stopAtRepeatedLine } from './stopAtRepeatedLine';
import { isBlank, toLf, type RuleContext } from './text';
import { trimOverlap } from './trimOverlap';

/** The model's raw text and what surrounds the cursor (see `DocumentWindow`). */
export interface PostprocessInput {
  /** The model's raw output. */
  completion: string;
  /** The cursor's line before the cursor. */
  linePrefix: string;
  /** The cursor's line after the cursor, without the line ending. */
  lineSuffix: string;
  /** Document text from the cursor to the end of the prompt window. */
  suffix: string;
  /** The document's line ending, used for the returned text. */
  eol: '\n' | '\r\n';
}

/** One post-processing step: `'\n'` line breaks in, `'\n'` line breaks out. */
type Rule = (completion: string, context: RuleContext) => string;

/**
 * The rules, in order. Cutting rules run before the trailing-whitespace trim, which runs before
 * the overlap trim: a space in front of the duplicated text (`foo, ` + existing `bar)`) is
 * meaningful and must survive.
 */
const rules: readonly Rule[] = [
  firstLineOnly,
  skipDoubledSpace,
  stopAtRepeatedLine,
  limitToBlock,
  (completion) => completion.trimEnd(),
  trimOverlap,
  dropSuffixRepeat,
];

/**
 * Turns the model's raw output into the text of the inline suggestion, or undefined when there
 * is nothing worth showing (empty, whitespace only, or only repeating the existing text).
 * The model's line endings (`\n`, `\r\n`, `\r`) come back as the document's `eol`.
 */
export function postprocess(input: PostprocessInput): string | undefined {
  const context: RuleContext = {
    linePrefix: input.linePrefix,
    lineSuffix: input.lineSuffix.replace(/\r$/, ''),
    suffix: toLf(input.suffix),
  };
  let text = toLf(input.completion);
  for (const rule of rules) {
    text = rule(text, context);
    if (isBlank(text)) return undefined;
  }
  return input.eol === '\n' ? text : text.replace(/\n/g, '\r\n');
}
