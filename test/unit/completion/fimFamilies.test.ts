import assert from 'node:assert/strict';
import type { Llama, LlamaModel, Token } from 'node-llama-cpp';
import { FIM_TOKEN_TEXTS } from '../../../server/src/model/gguf/architectures';
import { fimFamilies, type FimFamily, type FimFamilyName } from '../../../server/src/completion/prompt/fimFamilies';
import { buildPrompt, templates } from '../../../server/src/completion/prompt/template';
import { SnippetRing } from '../../../server/src/completion/context/snippets';
import { otherFilesContext, workspaceNaming } from '../../../server/src/completion/prompt/otherFiles';
import { repoTokens } from '../../../server/src/model/repoTokens';
import { ensureModel, realVocabFile, type RealVocabName } from '../../modelgen/index';

describe('FIM families: markers as llama.cpp recognises them (no model)', () => {
  it('every family marker is among the texts llama.cpp takes for FIM tokens', () => {
    for (const [name, family] of Object.entries(fimFamilies)) {
      for (const role of ['prefix', 'suffix', 'middle'] as const) {
        assert.ok((FIM_TOKEN_TEXTS[role] as readonly string[]).includes(family[role]), `${name} ${role}`);
      }
    }
  });
});

/**
 * Each family against a real vocabulary, loaded vocabulary-only: llama.cpp's `ggml-vocab-*.gguf`
 * files where they carry the family's tokens; for Qwen2.5-Coder the generated model, since the
 * Qwen2 vocabulary file leaves those ids as placeholders (the generator writes them in, see
 * test/modelgen/realVocab.ts). No Code Llama vocabulary ships with llama.cpp
 * (`ggml-vocab-llama-spm.gguf` is Llama 2's, without `▁<PRE>`), so Code Llama is checked only
 * against the list above.
 */
describe('FIM families on real vocabularies', function () {
  this.timeout(120_000);
  let llama: Llama;
  const models = new Map<string, LlamaModel>();

  const sources: Array<[FimFamilyName, RealVocabName | 'generated qwen2.5-coder-0.5b']> = [
    ['qwen2.5-coder', 'generated qwen2.5-coder-0.5b'],
    ['starcoder2', 'starcoder'],
    ['deepseek-coder', 'deepseek-coder'],
  ];

  before(async () => {
    const lib = await import('node-llama-cpp');
    llama = await lib.getLlama({ gpu: false, build: 'never', logLevel: lib.LlamaLogLevel.disabled });
    for (const [family, source] of sources) {
      const modelPath = source === 'generated qwen2.5-coder-0.5b' ? ensureModel('qwen2.5-coder-0.5b') : realVocabFile(source);
      models.set(family, await llama.loadModel({ modelPath, vocabOnly: true }));
    }
  });

  after(async () => {
    for (const model of models.values()) await model.dispose();
  });

  /** The one special token `text` stands for (a control or user-defined token, as in the real files). */
  const single = (model: LlamaModel, text: string): Token => {
    const ids = model.tokenize(text, true);
    assert.equal(ids.length, 1, `${text} is one token, got ${ids.length}`);
    const attributes = model.getTokenAttributes(ids[0]);
    assert.ok(attributes.control || attributes.userDefined, `${text} is a special token`);
    assert.equal(model.detokenize(ids, true), text);
    return ids[0];
  };

  for (const [name, source] of sources) {
    const family: FimFamily = fimFamilies[name];

    it(`${name} (${source}): each marker of the template is one special token, the one llama.cpp reports for FIM`, () => {
      const model = models.get(name)!;
      const infill = model.tokens.infill;
      const fim = { prefix: single(model, family.prefix), suffix: single(model, family.suffix), middle: single(model, family.middle) };
      assert.deepEqual(fim, { prefix: infill.prefix, suffix: infill.suffix, middle: infill.middle });
      const prompt = buildPrompt(templates.psm, { prefix: model.tokenize('const x = '), suffix: model.tokenize(';\n') }, fim);
      assert.equal(model.detokenize(prompt as Token[], true), `${family.prefix}const x = ${family.suffix};\n${family.middle}`);
      if (family.pad) assert.ok(model.isEogToken(single(model, family.pad)), `${family.pad} ends generation`);
    });

    if (family.repoName && family.fileSep) {
      // llama.cpp recognises Qwen's repository tokens by their text and ends generation at them;
      // StarCoder2's are plain control tokens to it, so a prompt with repository context for
      // StarCoder2 must stop at `<file_sep>` itself.
      const eog = name === 'qwen2.5-coder';
      it(`${name} (${source}): knows the repository-level tokens; llama.cpp ends generation at them: ${eog}`, () => {
        const model = models.get(name)!;
        for (const text of [family.repoName!, family.fileSep!]) assert.equal(model.isEogToken(single(model, text)), eog, text);
      });

      it(`${name} (${source}): other files go before the FIM prompt in the family's repository layout`, () => {
        const model = models.get(name)!;
        const repo = repoTokens(model);
        assert.deepEqual(repo, {
          repoName: single(model, family.repoName!),
          fileSep: single(model, family.fileSep!),
          newlineAfterName: name === 'qwen2.5-coder',
        });
        const ring = new SnippetRing();
        const helper = 'export function area(r: number): number {\n  return Math.PI * r * r;\n}\n';
        ring.note('file:///work/app/src/geometry.ts', helper, 0);
        const context = otherFilesContext(ring, {
          uri: 'file:///work/app/src/main.ts',
          languageId: 'typescript',
          budget: 512,
          tokenize: (text) => model.tokenize(text),
          repo,
          naming: workspaceNaming(['file:///work/app']),
        });
        const fim = { prefix: single(model, family.prefix), suffix: single(model, family.suffix), middle: single(model, family.middle) };
        const prompt = buildPrompt(templates.psm, { prefix: model.tokenize('area('), suffix: [], repo: context.repo }, fim);
        const nl = name === 'qwen2.5-coder' ? '\n' : '';
        assert.equal(
          model.detokenize(prompt as Token[], true),
          `${family.repoName}app${nl}${family.fileSep}src/geometry.ts\n${helper}${family.fileSep}src/main.ts\n${family.prefix}area(${family.suffix}${family.middle}`,
        );
        assert.equal(context.snippets, 1);
      });
    }
  }

  it('the families without repository-level tokens have none in their vocabulary either', () => {
    const deepseek = models.get('deepseek-coder')!;
    assert.equal(repoTokens(deepseek), undefined);
    for (const text of ['<|repo_name|>', '<repo_name>', '<|file_sep|>', '<file_sep>'])
      assert.ok(deepseek.tokenize(text, true).length > 1, text);
  });
});
