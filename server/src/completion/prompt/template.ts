import type { FimTokens } from '../../model/engines';

/**
 * Prompt layouts as data: a template is the order in which segments are concatenated, so adding a
 * layout (SPM, a model's own quirk) is a new table entry rather than a new branch.
 */

/**
 * One piece of a prompt: a FIM marker token, or tokenized text: `prefix` before the middle, `suffix`
 * after the cursor, `middle` the start of the middle that is already written (from where the middle
 * starts up to the cursor). Other files (see `otherFiles.ts`): `repo` before everything, in the
 * repository-level form; `notes` at the start of the prefix, in the comment form.
 */
export type Segment = 'fimPrefix' | 'fimSuffix' | 'fimMiddle' | 'prefix' | 'suffix' | 'middle' | 'repo' | 'notes';

/** Names of the known layouts. */
export type TemplateName = 'psm' | 'appendable' | 'prefixOnly';

/**
 * The known layouts. `psm` is fill-in-the-middle in prefix-suffix-middle order with the prefix
 * ending at the cursor. `appendable` is the same order, but the text typed since the middle started
 * (see `context/middleStart.ts`) comes after the middle marker, as if the model had written it:
 * each keystroke then only appends to the prompt. `prefixOnly` is plain continuation, for models
 * without FIM tokens.
 */
export const templates: Record<TemplateName, readonly Segment[]> = {
  psm: ['repo', 'fimPrefix', 'notes', 'prefix', 'fimSuffix', 'suffix', 'fimMiddle'],
  appendable: ['repo', 'fimPrefix', 'notes', 'prefix', 'fimSuffix', 'suffix', 'fimMiddle', 'middle'],
  prefixOnly: ['notes', 'prefix'],
};

export type { FimTokens };

/**
 * Concatenates the segments of `template` into one token sequence.
 *
 * @throws Error when the template uses a FIM marker and `fim` is not given (the model has no FIM tokens).
 */
export function buildPrompt(
  template: readonly Segment[],
  parts: { prefix: number[]; suffix: number[]; middle?: number[]; repo?: number[]; notes?: number[] },
  fim?: FimTokens,
): number[] {
  const prompt: number[] = [];
  for (const segment of template) {
    switch (segment) {
      case 'prefix':
        pushAll(prompt, parts.prefix);
        break;
      case 'suffix':
        pushAll(prompt, parts.suffix);
        break;
      case 'middle':
      case 'repo':
      case 'notes':
        pushAll(prompt, parts[segment] ?? []);
        break;
      case 'fimPrefix':
      case 'fimSuffix':
      case 'fimMiddle':
        if (!fim) {
          throw new Error(
            `The prompt template uses the "${segment}" segment, but the model has no fill-in-the-middle tokens; ` +
              `use the "prefixOnly" template for this model.`,
          );
        }
        prompt.push(segment === 'fimPrefix' ? fim.prefix : segment === 'fimSuffix' ? fim.suffix : fim.middle);
        break;
    }
  }
  return prompt;
}

/** Appends without spreading: `push(...tokens)` overflows the call stack for very long token arrays. */
function pushAll(target: number[], tokens: readonly number[]): void {
  for (const token of tokens) target.push(token);
}
