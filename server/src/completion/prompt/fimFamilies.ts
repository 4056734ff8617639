/**
 * The fill-in-the-middle markers of the code model families, as token texts in their
 * vocabularies. The prompt itself is built from the token ids llama.cpp reports for the loaded
 * model (`FimTokens`); this table says which texts those are per family, and which families also
 * have repository-level tokens. Their layout, before the FIM prompt (llama.cpp's
 * `format_prompt_infill`, after the Qwen2.5-Coder report, arXiv 2409.12186): `repoName`, the
 * repository's name and a newline; then for each file `fileSep`, its path, a newline and its
 * text. The tests check every entry against the real vocabularies node-llama-cpp ships.
 */

export interface FimFamily {
  /** The models of the family, for people. */
  models: string;
  prefix: string;
  suffix: string;
  middle: string;
  /** Padding after the middle; llama.cpp counts it as end of generation. */
  pad?: string;
  /** Starts the repository's name, before the files of repository-level context. */
  repoName?: string;
  /**
   * Starts one file (its path, a newline, its text) of repository-level context. llama.cpp ends
   * generation at Qwen's (it knows `<|repo_name|>` and `<|file_sep|>` by their text), not at
   * StarCoder2's: a StarCoder2 prompt with repository context must stop at it itself.
   */
  fileSep?: string;
  /** Whether the repository's name ends with a newline (Qwen's layout; StarCoder2's has none). */
  newlineAfterName?: boolean;
}

export type FimFamilyName = 'qwen2.5-coder' | 'starcoder2' | 'deepseek-coder' | 'codellama';

export const fimFamilies: Record<FimFamilyName, FimFamily> = {
  'qwen2.5-coder': {
    models: 'Qwen2.5-Coder, Qwen3-Coder',
    prefix: '<|fim_prefix|>',
    suffix: '<|fim_suffix|>',
    middle: '<|fim_middle|>',
    pad: '<|fim_pad|>',
    repoName: '<|repo_name|>',
    fileSep: '<|file_sep|>',
    newlineAfterName: true,
  },
  starcoder2: {
    models: 'StarCoder, StarCoder2',
    prefix: '<fim_prefix>',
    suffix: '<fim_suffix>',
    middle: '<fim_middle>',
    pad: '<fim_pad>',
    repoName: '<repo_name>',
    fileSep: '<file_sep>',
    newlineAfterName: false,
  },
  'deepseek-coder': {
    models: 'DeepSeek-Coder (1.x)',
    prefix: '<｜fim▁begin｜>',
    suffix: '<｜fim▁hole｜>',
    middle: '<｜fim▁end｜>',
  },
  codellama: {
    models: 'Code Llama',
    prefix: '▁<PRE>',
    suffix: '▁<SUF>',
    middle: '▁<MID>',
  },
};
