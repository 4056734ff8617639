import assert from 'node:assert/strict';
import { chooseMiddleStart, flatCopy, MAX_MIDDLE_CHARS } from '../../../server/src/completion/context/middleStart';
import { parseBenchmarkCapability } from '../../../server/src/completion/generate/benchmark';

/** The window fields chooseMiddleStart reads, for a cursor in `text` and a prefix starting at `prefixStart`. */
function windowAt(text: string, cursor: number, prefixStart = 0, suffixEnd = text.length) {
  const lineStart = text.lastIndexOf('\n', cursor - 1) + 1;
  return {
    prefixStart,
    linePrefix: text.slice(Math.max(lineStart, prefixStart), cursor),
    suffix: text.slice(cursor, suffixEnd),
  };
}

describe('middle start of the appendable layout', () => {
  const before = 'function f() {\n  const a = 1;\n  ';
  const after = '\n}\n';

  it('starts a fresh middle at the start of the cursor line', () => {
    const text = `${before}retu${after}`;
    const cursor = before.length + 4;
    assert.equal(chooseMiddleStart(text, cursor, windowAt(text, cursor), undefined), before.length - 2);
  });

  it('keeps the middle while the user types at the cursor, across line breaks', () => {
    let text = `${before}r${after}`;
    let cursor = before.length + 1;
    const first = chooseMiddleStart(text, cursor, windowAt(text, cursor), undefined);
    let memory = { start: first, suffix: flatCopy(windowAt(text, cursor).suffix) };
    for (const typed of ['eturn a;', '\n  ', 'return b']) {
      text = text.slice(0, cursor) + typed + text.slice(cursor);
      cursor += typed.length;
      const start = chooseMiddleStart(text, cursor, windowAt(text, cursor), memory);
      assert.equal(start, first, `after typing ${JSON.stringify(typed)}`);
      memory = { start, suffix: windowAt(text, cursor).suffix };
    }
  });

  it('moves the middle to the cursor line when the text after the cursor changed (the cursor moved)', () => {
    const text = `${before}x;\n  y${after}`;
    const memory = { start: before.length - 2, suffix: 'something else' };
    const cursor = text.indexOf('y') + 1;
    assert.equal(chooseMiddleStart(text, cursor, windowAt(text, cursor), memory), text.indexOf('y') - 2);
  });

  it('moves the middle when it grew too long, is after the cursor, before the prefix window or not at a line start', () => {
    const long = `${before}${'x'.repeat(MAX_MIDDLE_CHARS)}\n  y`;
    const text = `${long}${after}`;
    const cursor = long.length;
    const window = windowAt(text, cursor, 10);
    const fresh = cursor - 3;
    for (const start of [before.length - 2, cursor + 1, 5, 17]) {
      assert.equal(chooseMiddleStart(text, cursor, window, { start, suffix: window.suffix }), fresh, `previous start ${start}`);
    }
  });

  it('never starts before the prefix window, even when the cursor line is longer than the window', () => {
    const text = `${'x'.repeat(100)}${after}`;
    assert.equal(chooseMiddleStart(text, 100, windowAt(text, 100, 60), undefined), 60);
  });
});

describe('benchmark capability', () => {
  it('reads ignoreEog and fixedTokens', () => {
    assert.deepEqual(parseBenchmarkCapability({ ignoreEog: true, fixedTokens: 16 }), { ignoreEog: true, fixedTokens: 16 });
    assert.deepEqual(parseBenchmarkCapability({ fixedTokens: 1 }), { ignoreEog: false, fixedTokens: 1 });
  });

  it('stays off for anything malformed', () => {
    for (const raw of [
      undefined,
      null,
      true,
      'x',
      {},
      { fixedTokens: 0 },
      { fixedTokens: 1.5 },
      { fixedTokens: 513 },
      { fixedTokens: '16' },
    ]) {
      assert.equal(parseBenchmarkCapability(raw), undefined, JSON.stringify(raw));
    }
  });
});
