import assert from 'node:assert/strict';
import { postprocess, type PostprocessInput } from '../../../server/src/completion/postprocess/postprocess';

/** Input for a cursor with `before` left of it and `after` right of it on its line, followed by `below`. */
function at(before: string, after: string, completion: string, below = ''): PostprocessInput {
  return { completion, linePrefix: before, lineSuffix: after, suffix: after + below, eol: '\n' };
}

describe('postprocess', () => {
  it('removes only as many closing brackets as the suggestion leaves unmatched', () => {
    assert.equal(postprocess(at('foo(', ')', 'bar())')), 'bar()');
    assert.equal(postprocess(at('foo(bar(', '))', 'x))')), 'x');
    assert.equal(postprocess(at('foo(bar(', '))', 'x)')), 'x');
  });

  it('stops at the first closing line that closes nothing the suggestion opened (a small model repeating `}`)', () => {
    // Gemma 3 270M on `for (...) {\n  console.log(` with the loop's `}` below.
    assert.equal(postprocess(at('  console.log(', '', '0);\n  }\n  }\n  }\n  }', '\n}\n')), '0);\n  }');
    // A closer that matches an opener of the suggestion itself is part of it.
    assert.equal(
      postprocess(at('  console.log(', '', '0);\n  if (b) {\n    go();\n  }\n  next();', '\n}\n')),
      '0);\n  if (b) {\n    go();\n  }\n  next();',
    );
  });

  it('shows nothing when the suggestion is only the text right of the cursor', () => {
    assert.equal(postprocess(at('foo(', ');', ');')), undefined);
  });

  it('treats whitespace right of the cursor as the end of the line', () => {
    assert.equal(postprocess(at('if (a) {', '   ', '\n  go();', '\n}\n')), '\n  go();');
  });

  it('accepts a lineSuffix that still carries a \\r, and a CRLF suffix', () => {
    const input: PostprocessInput = {
      completion: 'value)\r\nmore',
      linePrefix: 'print(',
      lineSuffix: ')\r',
      suffix: ')\r\nnext()\r\n',
      eol: '\r\n',
    };
    assert.equal(postprocess(input), 'value');
  });

  it('turns lone \\r line breaks from the model into the document line ending', () => {
    const input = { ...at('function f() {', '', '\r  a();\r  b();', '\r\n}\r\n'), eol: '\r\n' as const };
    assert.equal(postprocess(input), '\r\n  a();\r\n  b();');
  });

  it('shows nothing for an empty suggestion', () => {
    assert.equal(postprocess(at('x = ', '', '')), undefined);
  });

  it('keeps blank lines inside a multi-line suggestion', () => {
    assert.equal(postprocess(at('def f():', '', '\n    a = 1\n\n    return a\n\n')), '\n    a = 1\n\n    return a');
  });
});
