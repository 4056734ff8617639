/**
 * Model shapes the generator can write. The real ones are the shapes of Qwen2.5-Coder 0.5B and
 * 1.5B (config.json of the Hugging Face releases), so load, memory and speed figures measured on
 * the generated files are those of the real models.
 */

export type ShapeName = 'tiny' | 'qwen2.5-coder-0.5b' | 'qwen2.5-coder-1.5b';

export interface Shape {
  name: ShapeName;
  /** `general.name` written into the file. */
  displayName: string;
  nLayer: number;
  nEmbd: number;
  nHead: number;
  nHeadKv: number;
  nFf: number;
  /**
   * Tokenizer: `compact` (a few hundred tokens trained on a small corpus, for fast tests) or `qwen`
   * (Qwen2.5-Coder's real one: llama.cpp's Qwen2 vocabulary with the added tokens, 151936 entries).
   */
  vocab: 'compact' | 'qwen';
  /** Tied embeddings: no `output.weight`, llama.cpp reuses `token_embd.weight`. */
  tied: boolean;
  contextLength: number;
  ropeFreqBase: number;
  rmsEps: number;
}

export const SHAPES: Record<ShapeName, Shape> = {
  tiny: {
    name: 'tiny',
    displayName: 'SLM Assist test model (tiny)',
    nLayer: 2,
    nEmbd: 64,
    nHead: 4,
    nHeadKv: 2,
    nFf: 128,
    vocab: 'compact',
    tied: true,
    contextLength: 4096,
    ropeFreqBase: 1_000_000,
    rmsEps: 1e-6,
  },
  'qwen2.5-coder-0.5b': {
    name: 'qwen2.5-coder-0.5b',
    displayName: 'Qwen2.5 Coder 0.5B (random weights)',
    nLayer: 24,
    nEmbd: 896,
    nHead: 14,
    nHeadKv: 2,
    nFf: 4864,
    vocab: 'qwen',
    tied: true,
    contextLength: 32768,
    ropeFreqBase: 1_000_000,
    rmsEps: 1e-6,
  },
  'qwen2.5-coder-1.5b': {
    name: 'qwen2.5-coder-1.5b',
    displayName: 'Qwen2.5 Coder 1.5B (random weights)',
    nLayer: 28,
    nEmbd: 1536,
    nHead: 12,
    nHeadKv: 2,
    nFf: 8960,
    vocab: 'qwen',
    tied: true,
    contextLength: 32768,
    ropeFreqBase: 1_000_000,
    rmsEps: 1e-6,
  },
};

export const SHAPE_NAMES = Object.keys(SHAPES) as ShapeName[];

export function isShapeName(name: string): name is ShapeName {
  return Object.prototype.hasOwnProperty.call(SHAPES, name);
}
