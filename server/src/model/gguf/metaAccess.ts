import type { GgufFileInfo } from 'node-llama-cpp';
import type { GgufKeyType, GgufScan, GgufTypeName } from './ggufTypes';

/** A problem found by validation; its message is the user-facing reason. */
export class Invalid extends Error {}

/** A metadata value as node-llama-cpp parses it (u64 and i64 as bigint, arrays as arrays). */
export type MetaValue = string | number | bigint | boolean | MetaValue[];

type Nested = { [key: string]: unknown };

/**
 * Typed access to the metadata with llama.cpp's rules: values from node-llama-cpp's parse,
 * types from the pre-scan (node-llama-cpp's values do not say whether a number was a u32 or an
 * i32). llama.cpp reads scalar keys with an exact type (a u32 key stored as i32 is a load error),
 * and per-layer keys as a u32 or an array of one integer per layer.
 */
export class Meta {
  private readonly metadata: Nested;

  constructor(
    fileInfo: Pick<GgufFileInfo, 'metadata'>,
    private readonly scan: Pick<GgufScan, 'keys'>,
  ) {
    this.metadata = fileInfo.metadata as unknown as Nested;
  }

  has(key: string): boolean {
    return this.scan.keys.has(key);
  }

  type(key: string): GgufKeyType | undefined {
    return this.scan.keys.get(key);
  }

  /** The value of a flat key (`qwen2.attention.head_count`) in node-llama-cpp's nested metadata. */
  get(key: string): MetaValue | undefined {
    return this.has(key) ? lookup(this.metadata, key.split('.')) : undefined;
  }

  /** Throws for a missing key. */
  require(key: string, why = ''): void {
    if (!this.has(key)) {
      throw new Invalid(`the metadata key ${key} is missing${why}. The file was not converted correctly: use another GGUF of this model.`);
    }
  }

  private expect(key: string, type: GgufTypeName): MetaValue | undefined {
    const actual = this.type(key)?.type;
    if (actual !== type) {
      throw new Invalid(`the metadata key ${key} must be a ${type} but is a ${actual}, which llama.cpp refuses.`);
    }
    return this.get(key);
  }

  /** A u32 key: required (throws when missing) or optional (undefined when missing). */
  u32(key: string, required: true): number;
  u32(key: string, required?: false): number | undefined;
  u32(key: string, required = false): number | undefined {
    if (!this.has(key)) {
      if (required) this.require(key);
      return undefined;
    }
    return Number(this.expect(key, 'u32'));
  }

  f32(key: string): number | undefined {
    return this.has(key) ? Number(this.expect(key, 'f32')) : undefined;
  }

  string(key: string, required: true): string;
  string(key: string, required?: false): string | undefined;
  string(key: string, required = false): string | undefined {
    if (!this.has(key)) {
      if (required) this.require(key);
      return undefined;
    }
    return String(this.expect(key, 'string'));
  }

  /**
   * A per-layer key (llama.cpp's get_key_or_arr): a u32, or an array of u32/i32/bool of exactly
   * `layers` elements. Returns one value per layer, or undefined when the key is missing.
   */
  perLayer(key: string, layers: number): number[] | undefined {
    const stored = this.type(key);
    if (!stored) return undefined;
    if (stored.type !== 'array') return new Array<number>(layers).fill(this.u32(key, true));
    if (!['u32', 'i32', 'bool'].includes(stored.arrayType ?? '')) {
      throw new Invalid(`the metadata key ${key} is an array of ${stored.arrayType}; llama.cpp needs u32 or i32.`);
    }
    if (stored.length !== layers) {
      throw new Invalid(`the metadata key ${key} has ${stored.length} values but the model has ${layers} layers.`);
    }
    const values = this.get(key);
    return Array.isArray(values) ? values.map((v) => Number(v)) : [];
  }

  /** Checks that a key, when present, is an array of strings; returns the strings. */
  stringArray(key: string): string[] | undefined {
    const stored = this.type(key);
    if (!stored) return undefined;
    if (stored.type !== 'array' || stored.arrayType !== 'string') {
      throw new Invalid(`the metadata key ${key} must be an array of strings, which llama.cpp requires.`);
    }
    const values = this.get(key);
    return Array.isArray(values) ? (values as string[]) : [];
  }

  /** An integer of any integer type, as a number (for lenient reads: FIM ids, file type). */
  integer(key: string): number | undefined {
    const value = this.get(key);
    if (typeof value === 'number' && Number.isInteger(value)) return value;
    if (typeof value === 'bigint') return Number(value);
    return undefined;
  }
}

/**
 * Finds a flat key in node-llama-cpp's nested metadata. It nests `a.b.c` as `{a: {b: {c}}}`, but
 * keeps a dotted name where nesting would collide (`tokenizer["chat_template.rerank"]`), so every
 * split of the key's parts is tried.
 */
function lookup(object: Nested, parts: readonly string[]): MetaValue | undefined {
  for (let n = 1; n <= parts.length; n++) {
    const name = parts.slice(0, n).join('.');
    if (!Object.hasOwn(object, name)) continue;
    const value = object[name];
    if (n === parts.length) return value as MetaValue;
    if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
      const found = lookup(value as Nested, parts.slice(n));
      if (found !== undefined) return found;
    }
  }
  return undefined;
}
