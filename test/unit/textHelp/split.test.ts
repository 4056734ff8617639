import assert from 'node:assert/strict';
import { blocks, splitByStructure } from '../../../server/src/textHelp/split';

/** A stand-in tokenizer: one token per 4 characters, as a rough BPE would count. */
const count = (text: string): number => Math.ceil(text.length / 4);

describe('splitByStructure', function () {
  it('keeps a text that fits as one piece', function () {
    assert.deepEqual(splitByStructure('a short note\n', 100, count), ['a short note\n']);
  });

  it('splits code between top-level declarations, never inside a function', function () {
    const fn = (name: string): string => `function ${name}() {\n  const value = compute();\n  return value * 2;\n}\n\n`;
    const text = ['alpha', 'beta', 'gamma', 'delta'].map(fn).join('');
    const pieces = splitByStructure(text, count(fn('alpha')) * 2, count);
    assert.equal(pieces.join(''), text, 'nothing is lost or repeated');
    assert.equal(pieces.length, 2);
    for (const piece of pieces) assert.match(piece, /^function \w+\(\) \{/);
  });

  it('splits Markdown at headings and prose at paragraphs', function () {
    const text = '# One\n\nFirst paragraph of text.\n\n## Two\n\nSecond paragraph here.\nStill second.\n\nThird paragraph.\n';
    assert.deepEqual(blocks(text), [
      '# One\n\n',
      'First paragraph of text.\n\n',
      '## Two\n\n',
      'Second paragraph here.\nStill second.\n\n',
      'Third paragraph.\n',
    ]);
    const pieces = splitByStructure(text, 12, count);
    assert.equal(pieces.join(''), text);
    assert.ok(pieces.every((p) => count(p) <= 12));
  });

  it('cuts a block larger than a piece at line ends, and a huge line by characters', function () {
    const lines = Array.from({ length: 50 }, (_, i) => `  statement(${i});\n`).join('');
    const text = `function big() {\n${lines}}\n${'x'.repeat(1000)}`;
    const pieces = splitByStructure(text, 40, count);
    assert.equal(pieces.join(''), text);
    assert.ok(
      pieces.every((p) => count(p) <= 40),
      `largest piece: ${Math.max(...pieces.map(count))} tokens`,
    );
  });

  it('handles an empty text and CRLF line ends', function () {
    assert.deepEqual(splitByStructure('', 10, count), []);
    const crlf = 'function a() {\r\n  return 1;\r\n}\r\n\r\nfunction b() {\r\n  return 2;\r\n}\r\n';
    const pieces = splitByStructure(crlf, 10, count);
    assert.equal(pieces.join(''), crlf);
    assert.equal(pieces.length, 2);
  });
});
