import type { LlamaModel } from 'node-llama-cpp';
import { fimFamilies } from '../completion/prompt/fimFamilies';
import type { RepoTokens } from './engines';

/**
 * The model's repository-level tokens: a family's pair whose texts are each one special token of
 * the vocabulary (Qwen2.5-Coder's, StarCoder2's), or undefined.
 */
export function repoTokens(model: Pick<LlamaModel, 'tokenize' | 'getTokenAttributes'>): RepoTokens | undefined {
  const special = (text: string): number | undefined => {
    const ids = model.tokenize(text, true);
    if (ids.length !== 1) return undefined;
    const attributes = model.getTokenAttributes(ids[0]);
    return attributes.control || attributes.userDefined ? ids[0] : undefined;
  };
  for (const family of Object.values(fimFamilies)) {
    if (!family.repoName || !family.fileSep) continue;
    const repoName = special(family.repoName);
    const fileSep = special(family.fileSep);
    if (repoName !== undefined && fileSep !== undefined) return { repoName, fileSep, newlineAfterName: family.newlineAfterName === true };
  }
  return undefined;
}
