import assert from 'node:assert/strict';
import { join } from 'node:path';
import { cutCases } from '../../../eval/cases';
import {
  editSimilarity,
  firstLine,
  levenshtein,
  quantile,
  repeatsPrefix,
  repeatsSuffix,
  scoreCase,
  wrongIndentation,
} from '../../../eval/metrics';

// Expected values worked out by hand, not by running the code.

describe('eval metrics', function () {
  it('edit similarity is 1 − Levenshtein distance / the longer length', function () {
    // kitten → sitting: k→s, e→i, +g.
    assert.equal(levenshtein('kitten', 'sitting'), 3);
    assert.equal(editSimilarity('kitten', 'sitting'), 1 - 3 / 7);
    // flaw → lawn: −f, +n.
    assert.equal(editSimilarity('flaw', 'lawn'), 0.5);
    assert.equal(editSimilarity('return a;', 'return a;'), 1);
    assert.equal(editSimilarity('abc', ''), 0);
    assert.equal(editSimilarity('', ''), 1);
    // One substitution in ten characters.
    assert.equal(editSimilarity('x.length);', 'x.length];'), 0.9);
  });

  it('the answer scored is the first line without trailing whitespace', function () {
    assert.equal(firstLine('foo(a)  \n  bar()'), 'foo(a)');
    assert.equal(firstLine('\nbar'), '');
    const score = scoreCase('y = f(', '\nz = 1\n', 'a, b)', 'a, b)\n    more');
    assert.equal(score.exact, true);
    assert.equal(score.similarity, 1);
    assert.equal(score.empty, false);
  });

  it('repeats the suffix: a completed line equals the next non-blank line after the cursor', function () {
    const prefix = 'function f() {\n  const a = 1;\n  ';
    const suffix = '\n\n  return a;\n}\n';
    assert.equal(repeatsSuffix(prefix, 'return a;', suffix, 'const b = 2;'), true);
    // The file really has the same line twice: no harm.
    assert.equal(repeatsSuffix(prefix, 'return a;', suffix, 'return a;'), false);
    assert.equal(repeatsSuffix(prefix, 'const b = 2;', suffix, 'const b = 2;'), false);
    // A closing bracket alone is not counted.
    assert.equal(repeatsSuffix('if (x) {\n  y();\n', '}', '\n}\n', 'z();'), false);
    // Inside a line: the line prefix counts, and a later line of the suggestion too.
    assert.equal(repeatsSuffix('x = foo(', 'a)\ny = bar(b)', '\ny = bar(b)\n', 'a, b)'), true);
    assert.equal(repeatsSuffix('x = foo(', '', '\ny = bar(b)\n', 'a, b)'), false);
  });

  it('wrong indentation: only with the cursor at the start of a line and a suggestion', function () {
    assert.equal(wrongIndentation('if x:\n', '  return 1', '    return 1'), true);
    assert.equal(wrongIndentation('if x:\n', '    return 2', '    return 1'), false);
    assert.equal(wrongIndentation('func f() {\n', '\tx := 1', '\tx := 2'), false);
    assert.equal(wrongIndentation('func f() {\n', '    x := 1', '\tx := 2'), true);
    assert.equal(wrongIndentation('if x:\n    ret', 'urn 1', 'urn 1'), undefined);
    assert.equal(wrongIndentation('if x:\n', '  ', '    return 1'), undefined);
  });

  it('repeats the prefix: the completed cursor line equals one of the last lines before it', function () {
    const prefix = 'a = compute(1)\nb = compute(2)\n';
    assert.equal(repeatsPrefix(prefix, 'a = compute(1)', 'c = compute(3)'), true);
    assert.equal(repeatsPrefix(prefix, 'c = compute(3)', 'c = compute(3)'), false);
    assert.equal(repeatsPrefix(prefix, ')', 'c = compute(3)'), false);
    // Only the last `lines` lines: with 1, `a = compute(1)` is too far up.
    assert.equal(repeatsPrefix(prefix, 'a = compute(1)', 'c = compute(3)', 1), false);
    // Inside a line, the text before the cursor is part of the completed line.
    assert.equal(repeatsPrefix('b = compute(2)\nb = com', 'pute(2)', 'pute(4)'), true);
    // Only the cursor's line counts: a later line of the suggestion may recur legitimately.
    assert.equal(repeatsPrefix(prefix, 'c = compute(3)\nb = compute(2)', 'd = compute(4)'), false);
  });

  it('quantiles are nearest-rank', function () {
    assert.equal(quantile([5, 1, 3, 2, 4], 0.5), 3);
    assert.equal(quantile([5, 1, 3, 2, 4], 0.9), 5);
    assert.equal(quantile([10, 20], 0.5), 10);
    assert.ok(Number.isNaN(quantile([], 0.5)));
  });
});

describe('eval cases', function () {
  const root = join(__dirname, '../../../../test/fixtures/eval');
  const cases = cutCases(root);

  it('at least 150, in the five languages, the same for the same seed', function () {
    assert.ok(cases.length >= 150, `${cases.length}`);
    assert.deepEqual([...new Set(cases.map((c) => c.language))].sort(), ['go', 'javascript', 'python', 'rust', 'typescript']);
    assert.deepEqual(
      cutCases(root).map((c) => c.id),
      cases.map((c) => c.id),
    );
    assert.notDeepEqual(
      cutCases(root, { seed: 2 }).map((c) => c.id),
      cases.map((c) => c.id),
    );
  });

  it('the prefix, the expected rest of the line and the suffix put the line back together', function () {
    for (const c of cases) {
      const lines = (c.prefix + c.expected + c.suffix).split('\n');
      assert.equal(lines[c.line].slice(c.character), c.expected, c.id);
      assert.ok(c.expected.length >= 4 && c.expected.trim() !== '', c.id);
      assert.equal(c.kind === 'lineStart', c.character === 0, c.id);
    }
    assert.ok(cases.some((c) => c.kind === 'lineStart') && cases.some((c) => c.kind === 'inLine'));
  });
});
