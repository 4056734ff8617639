import * as assert from 'node:assert/strict';
import {
  chooseSelectionTarget,
  insertionAboveLine,
  insertionAtTop,
  selectedLines,
  type SelectionFacts,
} from '../../../client/src/textHelpTarget';

function selection(isEmpty: boolean, startLineText = 'const x = 1;'): SelectionFacts {
  return { isEmpty, start: { line: 4, character: 0 }, end: { line: isEmpty ? 4 : 9, character: isEmpty ? 0 : 3 }, startLineText };
}

describe('textHelpTarget', () => {
  it('uses a non-empty selection for both commands', () => {
    assert.equal(chooseSelectionTarget('summarize', selection(false)), 'selection');
    assert.equal(chooseSelectionTarget('explain', selection(false)), 'selection');
  });

  it('explains the current line when nothing is selected, unless it is blank', () => {
    assert.equal(chooseSelectionTarget('explain', selection(true)), 'line');
    assert.equal(chooseSelectionTarget('explain', selection(true, '   \t')), 'selectFirst');
  });

  it('offers the whole file when Summarize Selection has no selection', () => {
    assert.equal(chooseSelectionTarget('summarize', selection(true)), 'offerFile');
  });

  it('numbers lines from one and does not count a line the selection only touches', () => {
    assert.deepEqual(selectedLines({ start: { line: 2, character: 0 }, end: { line: 5, character: 0 } }), { first: 3, last: 5 });
    assert.deepEqual(selectedLines({ start: { line: 2, character: 4 }, end: { line: 5, character: 1 } }), { first: 3, last: 6 });
    assert.deepEqual(selectedLines({ start: { line: 7, character: 0 }, end: { line: 7, character: 0 } }), { first: 8, last: 8 });
  });

  it('inserts above the first line with its indentation, and below a shebang at the top', () => {
    assert.deepEqual(insertionAboveLine(12, '\t  return x;'), { line: 12, indent: '\t  ' });
    assert.deepEqual(insertionAtTop('#!/usr/bin/env node'), { line: 1, indent: '' });
    assert.deepEqual(insertionAtTop('import x from "y";'), { line: 0, indent: '' });
  });
});
