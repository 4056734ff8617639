import type { TextHelpKind } from './answerView';

/**
 * What a summarize/explain command works on and where "Insert as comment" puts the answer,
 * decided without `vscode`.
 */

/** The selection as the command found it (zero-based lines, as in the API). */
export interface SelectionFacts {
  isEmpty: boolean;
  start: { line: number; character: number };
  end: { line: number; character: number };
  /** Text of the line the cursor (the selection's start) is on. */
  startLineText: string;
}

/**
 * What to do for a selection command:
 * - `selection`: use the selection;
 * - `line`: the selection is empty, use the cursor's line (Explain Selection on a non-blank line:
 *   "what does this line do" is a useful question);
 * - `offerFile`: the selection is empty and one line is too little to summarize: say "Select some
 *   text first" and offer to summarize the whole file;
 * - `selectFirst`: the selection is empty and the line is blank: say "Select some text first".
 */
export type SelectionChoice = 'selection' | 'line' | 'offerFile' | 'selectFirst';

/** Decides what a selection command works on; see {@link SelectionChoice}. */
export function chooseSelectionTarget(kind: TextHelpKind, selection: SelectionFacts): SelectionChoice {
  if (!selection.isEmpty) return 'selection';
  if (kind === 'summarize') return 'offerFile';
  return selection.startLineText.trim() ? 'line' : 'selectFirst';
}

/**
 * The one-based first and last line a selection covers, for titles. A selection that ends at the
 * start of a line (whole lines selected) does not count that line.
 */
export function selectedLines(selection: Pick<SelectionFacts, 'start' | 'end'>): { first: number; last: number } {
  const { start, end } = selection;
  const last = end.character === 0 && end.line > start.line ? end.line - 1 : end.line;
  return { first: start.line + 1, last: last + 1 };
}

/** Where "Insert as comment" puts the answer: before `line` (zero-based), indented by `indent`. */
export interface InsertionPoint {
  line: number;
  indent: string;
}

/** Above the selection's first line, with that line's indentation. */
export function insertionAboveLine(line: number, lineText: string): InsertionPoint {
  return { line, indent: /^[ \t]*/.exec(lineText)![0] };
}

/** At the top of a file, below a `#!` line, which must stay first. */
export function insertionAtTop(firstLineText: string): InsertionPoint {
  return { line: firstLineText.startsWith('#!') ? 1 : 0, indent: '' };
}
