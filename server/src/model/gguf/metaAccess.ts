import type { GgufArray, GgufHeader, GgufScalar, GgufTypeName, GgufValue } from './ggufTypes';

/** A problem found by validation; its message is the user-facing reason. */
export class Invalid extends Error {}

export function isArray(value: GgufValue | undefined): value is GgufArray {
  return typeof value === 'object' && value !== null;
}

/**
 * Typed access to the metadata, with llama.cpp's rules: it reads scalar keys with an exact type
 * (a u32 key stored as i32 is a load error), and per-layer keys as a u32 or an array of one
 * integer per layer.
 */
export class Meta {
  constructor(private readonly header: GgufHeader) {}

  has(key: string): boolean {
    return this.header.metadata.has(key);
  }

  type(key: string): GgufTypeName | undefined {
    return this.header.metadataTypes.get(key);
  }

  get(key: string): GgufValue | undefined {
    return this.header.metadata.get(key);
  }

  /** Throws for a missing key. */
  require(key: string, why = ''): void {
    if (!this.has(key)) {
      throw new Invalid(`the metadata key ${key} is missing${why}. The file was not converted correctly: use another GGUF of this model.`);
    }
  }

  private expect(key: string, type: GgufTypeName): GgufScalar {
    const actual = this.type(key);
    if (actual !== type) {
      throw new Invalid(
        `the metadata key ${key} must be a ${type} but is a ${actual === 'array' ? 'array' : actual}, which llama.cpp refuses.`,
      );
    }
    return this.get(key) as GgufScalar;
  }

  /** A u32 key: required (throws when missing) or optional (undefined when missing). */
  u32(key: string, required: true): number;
  u32(key: string, required?: false): number | undefined;
  u32(key: string, required = false): number | undefined {
    if (!this.has(key)) {
      if (required) this.require(key);
      return undefined;
    }
    return this.expect(key, 'u32') as number;
  }

  f32(key: string, required = false): number | undefined {
    if (!this.has(key)) {
      if (required) this.require(key);
      return undefined;
    }
    return this.expect(key, 'f32') as number;
  }

  string(key: string, required: true): string;
  string(key: string, required?: false): string | undefined;
  string(key: string, required = false): string | undefined {
    if (!this.has(key)) {
      if (required) this.require(key);
      return undefined;
    }
    return this.expect(key, 'string') as string;
  }

  /**
   * A per-layer key (llama.cpp's get_key_or_arr): a u32, or an array of u32/i32/bool of exactly
   * `layers` elements. Returns one value per layer, or undefined when the key is missing.
   */
  perLayer(key: string, layers: number): number[] | undefined {
    if (!this.has(key)) return undefined;
    const value = this.get(key);
    if (!isArray(value)) return new Array<number>(layers).fill(this.u32(key, true));
    if (!['u32', 'i32', 'bool'].includes(value.arrayType)) {
      throw new Invalid(`the metadata key ${key} is an array of ${value.arrayType}; llama.cpp needs u32 or i32.`);
    }
    if (value.length !== layers) {
      throw new Invalid(`the metadata key ${key} has ${value.length} values but the model has ${layers} layers.`);
    }
    return (value.values ?? []).map((v) => Number(v));
  }

  /** A string array (kept values), or undefined when missing. Throws for another type. */
  stringArray(key: string): GgufArray | undefined {
    if (!this.has(key)) return undefined;
    const value = this.get(key);
    if (!isArray(value) || value.arrayType !== 'string') {
      throw new Invalid(`the metadata key ${key} must be an array of strings, which llama.cpp requires.`);
    }
    return value;
  }

  /** An integer of any integer type, as a number (for lenient reads: FIM ids, file type). */
  integer(key: string): number | undefined {
    const value = this.get(key);
    if (typeof value === 'number' && Number.isInteger(value)) return value;
    if (typeof value === 'bigint') return Number(value);
    return undefined;
  }
}
