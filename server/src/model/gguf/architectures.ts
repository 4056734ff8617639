/**
 * The model architectures SLM Assist accepts, with the metadata keys that llama.cpp (as carried
 * by node-llama-cpp 3.22.1) needs for each. Checked against llama.cpp's src/llama-model.cpp
 * (load_hparams) and src/models/<arch>.cpp (load_arch_hparams, load_arch_tensors).
 *
 * Every architecture also needs `{arch}.context_length`, `.embedding_length`, `.block_count`
 * (required by llama.cpp) and `.attention.head_count` (optional to llama.cpp, but a transformer
 * without it, like one without `.feed_forward_length`, makes llama.cpp abort the process).
 * `.attention.head_count_kv` is optional: llama.cpp defaults it to head_count.
 *
 * An architecture that llama.cpp knows but that is not here is refused as unsupported: its
 * required keys have not been checked. Mistral and Codestral GGUFs use `llama`; llama.cpp has
 * no `mistral` architecture (only `mistral3`).
 */

const RMS = 'attention.layer_norm_rms_epsilon';
const LAYER_NORM = 'attention.layer_norm_epsilon';
const FFN = 'feed_forward_length';
const EXPERT_FFN = 'expert_feed_forward_length';

export interface ArchitectureSpec {
  /**
   * Keys, without the `{arch}.` prefix, that must be present beyond the common ones. An inner
   * array means "one of these".
   */
  required: ReadonlyArray<string | readonly string[]>;
  /** Mixture of experts: `{arch}.expert_count` and `{arch}.expert_used_count` are required too. */
  moe?: boolean;
}

export const ARCHITECTURES: ReadonlyMap<string, ArchitectureSpec> = new Map<string, ArchitectureSpec>([
  // Llama family (CodeLlama, DeepSeek-Coder v1, Mistral, Codestral, Yi-Coder, ...)
  ['llama', { required: [FFN, RMS] }],
  ['mistral3', { required: [FFN, RMS] }],
  // Qwen (Qwen2.5-Coder, Qwen3, Qwen3-Coder)
  ['qwen2', { required: [FFN, RMS] }],
  ['qwen3', { required: [FFN, RMS] }],
  ['qwen2moe', { required: [[FFN, EXPERT_FFN], RMS], moe: true }],
  ['qwen3moe', { required: [[FFN, EXPERT_FFN], RMS], moe: true }],
  // StarCoder, StarCoder2, stable-code, CodeShell: LayerNorm
  ['starcoder', { required: [FFN, LAYER_NORM] }],
  ['starcoder2', { required: [FFN, LAYER_NORM] }],
  ['stablelm', { required: [FFN, LAYER_NORM] }],
  ['codeshell', { required: [FFN, LAYER_NORM] }],
  ['refact', { required: [FFN, RMS] }],
  // Gemma (CodeGemma is `gemma`)
  ['gemma', { required: [FFN, RMS] }],
  ['gemma2', { required: [FFN, RMS] }],
  ['gemma3', { required: [FFN, RMS] }],
  ['phi3', { required: [FFN, RMS] }],
  // DeepSeek (DeepSeek-Coder-V2 is `deepseek2`)
  ['deepseek', { required: [FFN, RMS, EXPERT_FFN, 'expert_shared_count'], moe: true }],
  ['deepseek2', { required: [FFN, RMS, EXPERT_FFN, 'expert_shared_count', 'attention.kv_lora_rank'], moe: true }],
  // IBM Granite (Granite Code)
  ['granite', { required: [FFN, RMS, 'logit_scale'] }],
  // JetBrains Mellum
  ['mellum', { required: [FFN, RMS, EXPERT_FFN], moe: true }],
  ['maincoder', { required: [FFN, RMS] }],
  ['smollm3', { required: [FFN, RMS] }],
  ['glm4', { required: [FFN, RMS] }],
  ['internlm2', { required: [FFN, RMS] }],
  ['olmo2', { required: [FFN, RMS] }],
  ['exaone', { required: [FFN, RMS] }],
  ['command-r', { required: [FFN, LAYER_NORM] }],
]);

/**
 * `tokenizer.ggml.model` values llama.cpp reads, and whether the tokenizer needs
 * `tokenizer.ggml.merges` (BPE). `no_vocab`/`none` are left out: such a model has no vocabulary.
 */
export const TOKENIZER_MODELS: ReadonlyMap<string, { merges: boolean }> = new Map([
  ['llama', { merges: false }],
  ['gpt2', { merges: true }],
  ['gemma4', { merges: true }],
  ['hybriddna', { merges: true }],
  ['whitespace', { merges: true }],
  ['bert', { merges: false }],
  ['t5', { merges: false }],
  ['rwkv', { merges: false }],
  ['plamo2', { merges: false }],
]);

/** Upper bounds asserted by llama.cpp (LLAMA_MAX_LAYERS, LLAMA_MAX_EXPERTS): beyond them it aborts. */
export const MAX_LAYERS = 512;
export const MAX_EXPERTS = 1024;

/** `{arch}.rope.scaling.type` values; any other makes llama.cpp abort (GGML_ASSERT). */
export const ROPE_SCALING_TYPES: ReadonlySet<string> = new Set(['none', 'linear', 'yarn', 'longrope']);

/**
 * Token texts llama.cpp recognises as FIM tokens when the `tokenizer.ggml.fim_*_token_id` keys
 * are absent (src/llama-vocab.cpp).
 */
export const FIM_TOKEN_TEXTS = {
  prefix: ['<|fim_prefix|>', '<fim-prefix>', '<fim_prefix>', '<｜fim▁begin｜>', '<PRE>', '▁<PRE>', '<|code_prefix|>', '<|prefix|>'],
  suffix: ['<|fim_suffix|>', '<fim-suffix>', '<fim_suffix>', '<｜fim▁hole｜>', '<SUF>', '▁<SUF>', '<|code_suffix|>', '<|suffix|>'],
  middle: ['<|fim_middle|>', '<fim-middle>', '<fim_middle>', '<｜fim▁end｜>', '<MID>', '▁<MID>', '<|code_middle|>', '<|middle|>'],
} as const;

/**
 * Keys llama.cpp reads for each FIM token id, in its order: a later key that holds a valid id
 * wins (the deprecated `prefix_token_id` keys come last).
 */
export const FIM_TOKEN_KEYS = {
  prefix: ['tokenizer.ggml.fim_pre_token_id', 'tokenizer.ggml.prefix_token_id'],
  suffix: ['tokenizer.ggml.fim_suf_token_id', 'tokenizer.ggml.suffix_token_id'],
  middle: ['tokenizer.ggml.fim_mid_token_id', 'tokenizer.ggml.middle_token_id'],
} as const;
