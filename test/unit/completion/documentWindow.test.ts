import assert from 'node:assert/strict';
import { documentWindow, type DocumentWindow } from '../../../server/src/completion/context/documentWindow';

/** One token per character: budgets read as character counts. */
const chars = (text: string): number => text.length;

/** `count` numbered lines of 10 characters each (`line 0000\n`), so line n starts at offset 10 * n. */
function numberedLines(count: number): string {
  let text = '';
  for (let i = 0; i < count; i++) text += `line ${String(i).padStart(4, '0')}\n`;
  return text;
}

function window(text: string, offset: number, prefixTokens: number, suffixTokens: number, previous?: number): DocumentWindow {
  return documentWindow(text, offset, { prefixTokens, suffixTokens }, chars, previous);
}

describe('documentWindow', () => {
  describe('small documents', () => {
    it('gives the whole document around the cursor when it fits', () => {
      const text = 'function f() {\n  return 1;\n}\n';
      const offset = text.indexOf('return') + 'ret'.length;
      const w = window(text, offset, 1000, 1000);
      assert.deepEqual(w, {
        prefix: 'function f() {\n  ret',
        suffix: 'urn 1;\n}\n',
        prefixStart: 0,
        linePrefix: '  ret',
        lineSuffix: 'urn 1;',
        eol: '\n',
      });
    });

    it('works on an empty document', () => {
      assert.deepEqual(window('', 0, 100, 100), {
        prefix: '',
        suffix: '',
        prefixStart: 0,
        linePrefix: '',
        lineSuffix: '',
        eol: '\n',
      });
    });

    it('works with the cursor at offset 0, even before a line break', () => {
      const w = window('\nabc\n', 0, 100, 100);
      assert.equal(w.prefix, '');
      assert.equal(w.prefixStart, 0);
      assert.equal(w.linePrefix, '');
      assert.equal(w.lineSuffix, '');
      assert.equal(w.suffix, '\nabc\n');
    });

    it('clamps an offset beyond the end, and a negative one to 0', () => {
      const beyond = window('ab\ncd', 99, 100, 100);
      assert.equal(beyond.prefix, 'ab\ncd');
      assert.equal(beyond.linePrefix, 'cd');
      assert.equal(beyond.suffix, '');
      const negative = window('ab\ncd', -5, 100, 100);
      assert.equal(negative.prefix, '');
      assert.equal(negative.suffix, 'ab\ncd');
    });

    it('handles CRLF documents: eol is \\r\\n and lineSuffix has no \\r', () => {
      const text = 'a = 1\r\nb = 2\r\nc = 3\r\n';
      const offset = text.indexOf('b =') + 1;
      const w = window(text, offset, 100, 100);
      assert.equal(w.eol, '\r\n');
      assert.equal(w.linePrefix, 'b');
      assert.equal(w.lineSuffix, ' = 2');
      assert.equal(w.prefix, 'a = 1\r\nb');
      assert.equal(w.suffix, ' = 2\r\nc = 3\r\n');
    });

    it('reports \\n as eol for a document without line breaks', () => {
      assert.equal(window('just one line', 4, 100, 100).eol, '\n');
    });
  });

  describe('prefix budget', () => {
    it('without a previous anchor, uses as much of the budget as fits, starting at a line start', () => {
      const text = numberedLines(100);
      const offset = 500 + 4; // line 50, after "line"
      const w = window(text, offset, 55, 0);
      assert.equal(w.prefixStart, 450); // 5 whole lines (50) + "line" (4) = 54 <= 55
      assert.equal(w.prefix, text.slice(450, offset));
      assert.equal(w.linePrefix, 'line');
    });

    it('keeps a previous anchor while the prompt still fits, so consecutive prompts extend each other', () => {
      let text = numberedLines(100);
      let offset = 504;
      const first = window(text, offset, 60, 0);
      // The user types three characters at the cursor.
      text = text.slice(0, offset) + 'abc' + text.slice(offset);
      offset += 3;
      const second = window(text, offset, 60, 0, first.prefixStart);
      assert.equal(second.prefixStart, first.prefixStart);
      assert.ok(second.prefix.startsWith(first.prefix));
      assert.equal(second.prefix, first.prefix + 'abc');
    });

    it('re-anchors with slack (about 75% of the budget) once the previous anchor no longer fits', () => {
      const text = numberedLines(100);
      const budget = 100;
      const w = window(text, 804, budget, 0, 700); // 104 characters from line 70: over budget
      assert.equal(w.prefixStart % 10, 0, 'a line start');
      assert.ok(w.prefix.length <= 75, `prefix of ${w.prefix.length} tokens`);
      assert.ok(w.prefix.length > 60, 'uses the slack budget, not much less');
      // The next keystrokes keep the new anchor.
      assert.equal(window(text, 805, budget, 0, w.prefixStart).prefixStart, w.prefixStart);
    });

    it('ignores a previous anchor after the cursor, in mid-line or negative', () => {
      const text = numberedLines(100);
      for (const previous of [900, 455, -10, 3.5]) {
        const w = window(text, 504, 100, 0, previous);
        assert.equal(w.prefixStart % 10, 0, `a line start for previous ${previous}`);
        assert.ok(w.prefixStart <= 504 && w.prefix.length <= 75, `within the slack budget for previous ${previous}`);
      }
    });

    it('accepts anchor 0 as a valid previous anchor', () => {
      const text = numberedLines(3);
      assert.equal(window(text, 24, 100, 0, 0).prefixStart, 0);
    });

    it('cuts a cursor line longer than the budget by characters, keeping the part next to the cursor', () => {
      const text = 'x\n' + 'a'.repeat(300) + 'CURSOR' + 'b'.repeat(50) + '\n';
      const offset = text.indexOf('CURSOR') + 'CURSOR'.length;
      const w = window(text, offset, 40, 0);
      assert.equal(w.prefix.length, 40);
      assert.ok(w.prefix.endsWith('aCURSOR'));
      assert.equal(w.prefixStart, offset - 40);
      assert.equal(w.linePrefix, text.slice(2, offset), 'linePrefix is still the whole line before the cursor');
    });

    it('never starts the prefix in the middle of a surrogate pair', () => {
      const text = '😀'.repeat(50); // 100 UTF-16 code units on one line
      const w = window(text, text.length, 9, 0);
      assert.ok(w.prefix.length <= 9);
      assert.equal(w.prefix, '😀'.repeat(4));
    });

    it('gives an empty prefix for a budget of 0', () => {
      const w = window('abc\ndef', 6, 0, 10);
      assert.equal(w.prefix, '');
      assert.equal(w.prefixStart, 6);
    });

    it('stays within budget when tokens merge across line breaks (the summed estimate is checked)', () => {
      // Each extra line break in one piece of text costs 5 more tokens than the lines counted alone.
      const merging = (t: string): number => t.length + Math.max(0, t.split('\n').length - 2) * 5;
      const text = numberedLines(50);
      const w = documentWindow(text, 404, { prefixTokens: 60, suffixTokens: 0 }, merging);
      assert.ok(merging(w.prefix) <= 60, `prefix costs ${merging(w.prefix)} tokens`);
      assert.equal(w.prefixStart % 10, 0);
    });
  });

  describe('suffix budget', () => {
    it('takes the rest of the line, then whole lines while they fit', () => {
      const text = numberedLines(10);
      const w = window(text, 24, 0, 40); // line 2 after "line"
      assert.equal(w.lineSuffix, ' 0002');
      assert.equal(w.suffix, text.slice(24, 60)); // " 0002\n" + 3 whole lines = 36 <= 40
    });

    it('gives an empty suffix for a budget of 0', () => {
      assert.equal(window('abc\ndef', 1, 100, 0).suffix, '');
    });

    it('cuts a rest of line longer than the budget by characters, keeping the part next to the cursor', () => {
      const text = 'CURSOR' + 'b'.repeat(500) + '\nnext\n';
      const w = window(text, 6, 100, 30);
      assert.equal(w.suffix, 'b'.repeat(30));
      assert.equal(w.lineSuffix, 'b'.repeat(500));
    });

    it('stays within budget when tokens merge across line breaks', () => {
      const merging = (t: string): number => t.length + Math.max(0, t.split('\n').length - 2) * 5;
      const text = numberedLines(50);
      const w = documentWindow(text, 104, { prefixTokens: 0, suffixTokens: 60 }, merging);
      assert.ok(merging(w.suffix) <= 60, `suffix costs ${merging(w.suffix)} tokens`);
      assert.ok(w.suffix.startsWith(' 0010\n'));
    });
  });

  describe('huge documents', () => {
    it('never hands the tokenizer much more than a budget of text, in a many-line document', () => {
      const text = 'abcdefghi\n'.repeat(2_000_000); // 20 MB, line n starts at 10 * n
      let longest = 0;
      let calls = 0;
      const spy = (t: string): number => {
        calls++;
        longest = Math.max(longest, t.length);
        return t.length;
      };
      const offset = 10_000_004;
      const w = documentWindow(text, offset, { prefixTokens: 1536, suffixTokens: 128 }, spy);
      assert.ok(w.prefix.length <= 1536 && w.prefix.length > 1500);
      assert.ok(longest <= 1536, `longest tokenized text: ${longest}`);
      assert.ok(calls < 400, `${calls} tokenizer calls`);
    });

    it('never hands the tokenizer the whole of a 20 MB single-line document', () => {
      const text = 'x'.repeat(20_000_000);
      let longest = 0;
      const spy = (t: string): number => {
        longest = Math.max(longest, t.length);
        return Math.ceil(t.length / 4);
      };
      const w = documentWindow(text, 10_000_000, { prefixTokens: 1536, suffixTokens: 128 }, spy);
      assert.equal(w.prefix.length, 1536 * 4);
      assert.equal(w.suffix.length, 128 * 4);
      assert.ok(longest <= 1536 * 64, `longest tokenized text: ${longest}`);
    });
  });
});
