import { FIM_TOKEN_KEYS, FIM_TOKEN_TEXTS, TOKENIZER_MODELS } from './architectures';
import type { GgufFimTokens } from './ggufTypes';
import { Invalid, type Meta } from './metaAccess';

/** Special token id keys; llama.cpp reads each as a u32 (another type is a load error). */
const SPECIAL_TOKEN_KEYS = [
  'bos',
  'eos',
  'eot',
  'eom',
  'unknown',
  'seperator',
  'padding',
  'mask',
  'fim_pre',
  'fim_suf',
  'fim_mid',
  'fim_pad',
  'fim_rep',
  'fim_sep',
  'prefix',
  'suffix',
  'middle',
].map((name) => `tokenizer.ggml.${name}_token_id`);

/** llama.cpp's default BOS/EOS ids per tokenizer model (null: none), used when the key is absent or out of range. */
const DEFAULT_BOS_EOS: Record<string, [number | null, number | null]> = {
  llama: [1, 2],
  gpt2: [11, 11],
  hybriddna: [11, 11],
  whitespace: [11, 11],
  bert: [101, null],
  t5: [null, 1],
  rwkv: [null, null],
  plamo2: [1, 2],
  gemma4: [null, null],
};

/**
 * Checks the tokenizer metadata as llama.cpp's vocabulary loader reads it; returns the tokens.
 * Throws {@link Invalid}.
 */
export function checkVocab(meta: Meta): string[] {
  const model = meta.string('tokenizer.ggml.model', true);
  if (model === 'no_vocab' || model === 'none') {
    throw new Invalid('the model has no vocabulary (tokenizer.ggml.model is "' + model + '"), so it cannot complete text.');
  }
  const tokenizer = TOKENIZER_MODELS.get(model);
  if (!tokenizer) throw new Invalid(`the tokenizer "${model}" (tokenizer.ggml.model) is unknown to llama.cpp.`);

  meta.require('tokenizer.ggml.tokens');
  const tokens = meta.stringArray('tokenizer.ggml.tokens') ?? [];
  if (tokens.length === 0) throw new Invalid('the vocabulary (tokenizer.ggml.tokens) is empty.');
  const n = tokens.length;

  const pre = meta.has('tokenizer.ggml.pre') ? meta.string('tokenizer.ggml.pre') : undefined;
  if (tokenizer.merges && !(model !== 'gemma4' && pre === 'kimi-k2')) {
    meta.require('tokenizer.ggml.merges', ` (the "${model}" tokenizer is BPE and needs its merges)`);
    meta.stringArray('tokenizer.ggml.merges');
  }

  const scores = meta.type('tokenizer.ggml.scores');
  if (scores !== undefined) {
    if (scores.type !== 'array' || (scores.arrayType !== 'f32' && scores.arrayType !== 'i32')) {
      throw new Invalid('the metadata key tokenizer.ggml.scores must be an array of f32, which llama.cpp requires.');
    }
    if ((scores.length ?? 0) < n) throw new Invalid(`tokenizer.ggml.scores has ${scores.length} entries for ${n} tokens.`);
  }
  const types = meta.type('tokenizer.ggml.token_type');
  if (types !== undefined) {
    if (types.type !== 'array' || types.arrayType !== 'i32') {
      throw new Invalid('the metadata key tokenizer.ggml.token_type must be an array of i32, which llama.cpp requires.');
    }
    if ((types.length ?? 0) < n) throw new Invalid(`tokenizer.ggml.token_type has ${types.length} entries for ${n} tokens.`);
  }

  for (const key of SPECIAL_TOKEN_KEYS) if (meta.has(key)) meta.u32(key);

  checkDuplicates(tokens);
  checkAddedToken(meta, model, n, 'bos', 0);
  checkAddedToken(meta, model, n, 'eos', 1);
  return tokens;
}

/** llama.cpp asserts that no two tokens have the same text (empty ones become "[EMPTY_i]"): it would abort. */
function checkDuplicates(tokens: readonly string[]): void {
  const seen = new Set<string>();
  for (let i = 0; i < tokens.length; i++) {
    const text = tokens[i] === '' ? `[EMPTY_${i}]` : tokens[i];
    // U+FFFD: the bytes were not UTF-8, and two different byte strings may decode alike.
    if (seen.has(text) && !text.includes('\uFFFD')) {
      const previous = tokens.indexOf(text);
      throw new Invalid(
        `the vocabulary has the token ${JSON.stringify(text)} twice (ids ${previous} and ${i}), which makes llama.cpp abort.`,
      );
    }
    seen.add(text);
  }
}

/** With add_bos/add_eos set, llama.cpp asserts that the token exists when it tokenizes: it would abort. */
function checkAddedToken(meta: Meta, model: string, n: number, which: 'bos' | 'eos', index: 0 | 1): void {
  if (meta.get(`tokenizer.ggml.add_${which}_token`) !== true) return;
  let id = DEFAULT_BOS_EOS[model]?.[index] ?? null;
  if (id !== null && id >= n) id = null;
  const fromKey = meta.integer(`tokenizer.ggml.${which}_token_id`);
  if (fromKey !== undefined && fromKey >= 0 && fromKey < n) id = fromKey;
  if (id === null) {
    throw new Invalid(
      `tokenizer.ggml.add_${which}_token is true but the model has no valid ${which.toUpperCase()} token (tokenizer.ggml.${which}_token_id), which makes llama.cpp abort.`,
    );
  }
}

/**
 * The FIM token ids llama.cpp uses: from the `tokenizer.ggml.fim_*_token_id` keys (or the older
 * `prefix_token_id`... keys; ids outside the vocabulary are ignored), else from the token texts
 * it recognises. Null when any of the three is missing.
 */
export function findFimTokens(meta: Meta, tokens: readonly string[]): GgufFimTokens | null {
  const roles = ['prefix', 'suffix', 'middle'] as const;
  const found: Partial<Record<(typeof roles)[number], number>> = {};
  for (const role of roles) {
    for (const key of FIM_TOKEN_KEYS[role]) {
      const value = meta.integer(key);
      if (value !== undefined && value >= 0 && value < tokens.length) found[role] = value;
    }
  }
  const byText = new Map<string, (typeof roles)[number]>();
  for (const role of roles) if (found[role] === undefined) for (const text of FIM_TOKEN_TEXTS[role]) byText.set(text, role);
  // One pass; the lowest id wins where several texts match (llama.cpp's pick among them is unordered).
  for (let id = 0; byText.size > 0 && id < tokens.length; id++) {
    const role = byText.get(tokens[id]);
    if (role !== undefined && found[role] === undefined) found[role] = id;
  }
  const { prefix, suffix, middle } = found;
  return prefix !== undefined && suffix !== undefined && middle !== undefined ? { prefix, suffix, middle } : null;
}
