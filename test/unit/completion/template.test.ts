import assert from 'node:assert/strict';
import { buildPrompt, templates, type FimTokens } from '../../../server/src/completion/prompt/template';

const fim: FimTokens = { prefix: 900, suffix: 901, middle: 902 };
const parts = { prefix: [1, 2, 3], suffix: [7, 8] };

describe('prompt templates', () => {
  it('psm puts <fim_prefix> prefix <fim_suffix> suffix <fim_middle>', () => {
    assert.deepEqual(buildPrompt(templates.psm, parts, fim), [900, 1, 2, 3, 901, 7, 8, 902]);
  });

  it('puts other files before <fim_prefix> in the repository form and after it in the comment form', () => {
    assert.deepEqual(buildPrompt(templates.psm, { ...parts, repo: [50, 51] }, fim), [50, 51, 900, 1, 2, 3, 901, 7, 8, 902]);
    assert.deepEqual(buildPrompt(templates.appendable, { ...parts, middle: [4], notes: [60] }, fim), [900, 60, 1, 2, 3, 901, 7, 8, 902, 4]);
    assert.deepEqual(buildPrompt(templates.prefixOnly, { ...parts, notes: [60, 61] }), [60, 61, 1, 2, 3]);
  });

  it('prefixOnly is the prefix alone and needs no FIM tokens', () => {
    assert.deepEqual(buildPrompt(templates.prefixOnly, parts), [1, 2, 3]);
  });

  it('keeps the FIM markers when prefix and suffix are empty', () => {
    assert.deepEqual(buildPrompt(templates.psm, { prefix: [], suffix: [] }, fim), [900, 901, 902]);
  });

  it('follows any layout given as data, e.g. suffix-prefix-middle', () => {
    const spm = ['fimSuffix', 'suffix', 'fimPrefix', 'prefix', 'fimMiddle'] as const;
    assert.deepEqual(buildPrompt(spm, parts, fim), [901, 7, 8, 900, 1, 2, 3, 902]);
  });

  it('throws a clear error when a FIM segment is used without FIM tokens', () => {
    assert.throws(() => buildPrompt(templates.psm, parts), /fimPrefix.*no fill-in-the-middle tokens.*prefixOnly/);
  });

  it('does not modify the token arrays it is given', () => {
    const prefix = [1, 2];
    const suffix = [3];
    buildPrompt(templates.psm, { prefix, suffix }, fim);
    assert.deepEqual(prefix, [1, 2]);
    assert.deepEqual(suffix, [3]);
  });

  it('handles very long token arrays', () => {
    const prefix = Array.from({ length: 500_000 }, (_, i) => i);
    const prompt = buildPrompt(templates.psm, { prefix, suffix: [] }, fim);
    assert.equal(prompt.length, 500_003);
    assert.equal(prompt[500_000], 499_999);
  });
});
