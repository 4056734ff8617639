import type { GgufValue } from './ggufWriter';

/**
 * A small byte-level BPE vocabulary in the style of Qwen2 (GPT-2 byte-to-unicode mapping, the
 * qwen2 pre-tokenizer regex, merges trained on a small code corpus: 256 byte tokens, the merges
 * and Qwen2.5's special tokens, a few hundred tokens in all) and the GGUF `tokenizer.*` metadata
 * for it, for the fast test models (`tiny`, `known`). The models of real shapes take the real
 * Qwen2 vocabulary instead (`realVocab.ts`); the constants of its layout are here.
 */

/** llama.cpp's token types (`tokenizer.ggml.token_type`). */
export const TokenType = { Normal: 1, Unknown: 2, Control: 3, UserDefined: 4, Unused: 5, Byte: 6 } as const;

/** The tokens of fill-in-the-middle prompts; left out entirely from vocabularies built with `fim: false`. */
export const FIM_TOKENS = ['<|fim_prefix|>', '<|fim_middle|>', '<|fim_suffix|>', '<|fim_pad|>', '<|repo_name|>', '<|file_sep|>'] as const;

/** Qwen2.5's added tokens, in id order from 151643; all CONTROL but the tool-call tags (USER_DEFINED). */
export const QWEN_SPECIAL_TOKENS = [
  '<|endoftext|>',
  '<|im_start|>',
  '<|im_end|>',
  '<|object_ref_start|>',
  '<|object_ref_end|>',
  '<|box_start|>',
  '<|box_end|>',
  '<|quad_start|>',
  '<|quad_end|>',
  '<|vision_start|>',
  '<|vision_end|>',
  '<|vision_pad|>',
  '<|image_pad|>',
  '<|video_pad|>',
  '<tool_call>',
  '</tool_call>',
  ...FIM_TOKENS,
] as const;

/** Number of normal (non-special) tokens of the real Qwen2.5 vocabulary; specials start here. */
export const QWEN_NORMAL_TOKENS = 151643;
/** Rows of Qwen2.5(-Coder) 0.5B/1.5B embedding matrices (the tokenizer padded to it). */
export const QWEN_VOCAB_SIZE = 151936;

/** The ChatML template of Qwen2-Instruct. */
export const CHATML_TEMPLATE =
  "{% for message in messages %}{% if loop.first and messages[0]['role'] != 'system' %}" +
  "{{ '<|im_start|>system\\nYou are a helpful assistant.<|im_end|>\\n' }}{% endif %}" +
  "{{'<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n'}}" +
  "{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}";

/** The qwen2 pre-tokenizer regex of llama.cpp (`LLAMA_VOCAB_PRE_TYPE_QWEN2`). */
const QWEN2_SPLIT =
  /(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+/gu;

/** Splits text into the pieces BPE works on (never merged across). */
export function preTokenize(text: string): string[] {
  return text.match(QWEN2_SPLIT) ?? [];
}

let byteToCharCache: string[] | undefined;

/** GPT-2's reversible byte-to-unicode map: printable bytes map to themselves, the rest to U+0100…. */
export function bytesToUnicode(): string[] {
  if (byteToCharCache) return byteToCharCache;
  const map: string[] = new Array(256);
  let n = 0;
  for (let b = 0; b < 256; b++) {
    const printable = (b >= 0x21 && b <= 0x7e) || (b >= 0xa1 && b <= 0xac) || (b >= 0xae && b <= 0xff);
    map[b] = String.fromCodePoint(printable ? b : 256 + n++);
  }
  byteToCharCache = map;
  return map;
}

/** The bytes in GPT-2's order (printable ones first), i.e. the ids of the byte tokens in real vocabularies. */
function byteOrder(): number[] {
  const printable: number[] = [];
  const rest: number[] = [];
  for (let b = 0; b < 256; b++) {
    ((b >= 0x21 && b <= 0x7e) || (b >= 0xa1 && b <= 0xac) || (b >= 0xae && b <= 0xff) ? printable : rest).push(b);
  }
  return printable.concat(rest);
}

/** Text → its byte-level form (each UTF-8 byte one character). */
export function toByteLevel(text: string): string {
  const map = bytesToUnicode();
  let out = '';
  for (const byte of Buffer.from(text, 'utf8')) out += map[byte];
  return out;
}

/** Byte-level form → text. */
export function fromByteLevel(token: string): string {
  const map = bytesToUnicode();
  const back = new Map(map.map((c, b) => [c, b]));
  const bytes: number[] = [];
  for (const c of token) {
    const b = back.get(c);
    if (b === undefined) throw new Error(`not a byte-level string: ${JSON.stringify(token)}`);
    bytes.push(b);
  }
  return Buffer.from(bytes).toString('utf8');
}

/**
 * Trains BPE merges on pieces until every piece is a single token, so that each piece of the
 * corpus encodes to exactly one token (the encoder replays merges in the same order).
 * Deterministic: the most frequent pair wins, ties go to the smallest pair in code-unit order.
 */
export function trainBpe(pieces: Map<string, number>): Array<[string, string]> {
  const words = [...pieces].map(([piece, count]) => ({ syms: [...toByteLevel(piece)], count }));
  const merges: Array<[string, string]> = [];
  for (;;) {
    const counts = new Map<string, number>();
    for (const w of words) {
      for (let i = 0; i + 1 < w.syms.length; i++) {
        const key = w.syms[i] + '\u0000' + w.syms[i + 1];
        counts.set(key, (counts.get(key) ?? 0) + w.count);
      }
    }
    if (counts.size === 0) return merges;
    let bestKey = '';
    let bestCount = -1;
    for (const [key, c] of counts) {
      if (c > bestCount || (c === bestCount && key < bestKey)) {
        bestKey = key;
        bestCount = c;
      }
    }
    const [a, b] = bestKey.split('\u0000') as [string, string];
    merges.push([a, b]);
    const merged = a + b;
    for (const w of words) {
      if (w.syms.length < 2) continue;
      const out: string[] = [];
      for (let i = 0; i < w.syms.length; i++) {
        if (i + 1 < w.syms.length && w.syms[i] === a && w.syms[i + 1] === b) {
          out.push(merged);
          i++;
        } else {
          out.push(w.syms[i]);
        }
      }
      w.syms = out;
    }
  }
}

/** Code the compact vocabulary is trained on (its pieces become whole tokens). */
export const CORPUS = `import { readFile, writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import numpy as np
import os, sys, json
from typing import List, Dict, Optional

export interface Options { name: string; value: number; enabled: boolean }

export async function main(args: string[]): Promise<void> {
  const text = await readFile(args[0], 'utf8');
  for (let i = 0; i < text.length; i++) {
    if (text[i] === '\\n') count += 1;
    else if (value == null) continue;
  }
  console.log(\`lines: \${count}\`);
  console.error(err);
  return result;
}

function add(a, b) {
  return a + b;
}

class Parser extends Base implements Visitor {
  private readonly items: Map<string, number> = new Map();
  constructor(public source: string) { super(); this.index = 0; }
  parse(): Node | undefined { throw new Error("unexpected token"); }
}

def main():
    pass

def greet(name: str) -> str:
    """Return a greeting."""
    with open(path) as f:
        data = json.load(f)
    return f"Hello, {name}!"

while (true) { break; }
switch (kind) { case 'a': default: }
SELECT id, name FROM users WHERE age > 18 ORDER BY name;
print("Hello, world!")
fn main() { let mut x = vec![1, 2, 3]; println!("{:?}", x); }
package main; func main() { fmt.Println("hi") }
public static void main(String[] args) { System.out.println(args.length); }
try { await server.listen(port); } catch (e) { process.exit(1); } finally { done(); }
type Result<T> = { ok: true; value: T } | { ok: false; error: string };
const x = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9].map((n) => n * 2).filter(Boolean);
`;

/** Counts of the pre-tokenized pieces of some texts. */
export function pieceCounts(texts: string[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const text of texts) for (const piece of preTokenize(text)) counts.set(piece, (counts.get(piece) ?? 0) + 1);
  return counts;
}

export interface VocabOptions {
  /** Include the FIM tokens (`<|fim_prefix|>` … `<|file_sep|>`). */
  fim: boolean;
  /** More texts whose pieces must become whole tokens (added to the corpus). */
  extraTexts?: string[];
}

export interface Vocab {
  /** Byte-level token strings, in id order. */
  tokens: string[];
  tokenTypes: number[];
  /** Merges as GGUF stores them: "left right". */
  merges: string[];
  /** Byte-level token string → id. */
  ids: Map<string, number>;
  /** Ids of the special tokens present, by text. */
  special: Map<string, number>;
  endOfText: number;
  /** `tokenizer.ggml.eot_token_id`, when written (the real Qwen vocabulary: `<|im_end|>`). */
  endOfTurn?: number;
}

const vocabCache = new Map<string, Vocab>();

/** Builds (and memoizes) a vocabulary. */
export function buildVocab(options: VocabOptions): Vocab {
  const cacheKey = JSON.stringify(['compact', options.fim, options.extraTexts ?? []]);
  const cached = vocabCache.get(cacheKey);
  if (cached) return cached;

  const tokens: string[] = [];
  const tokenTypes: number[] = [];
  const ids = new Map<string, number>();
  const add = (text: string, type: number): number => {
    if (ids.has(text)) throw new Error(`duplicate token ${JSON.stringify(text)}`);
    ids.set(text, tokens.length);
    tokens.push(text);
    tokenTypes.push(type);
    return tokens.length - 1;
  };

  const map = bytesToUnicode();
  for (const b of byteOrder()) add(map[b], TokenType.Normal);

  const merges: string[] = [];
  const addMerge = (a: string, b: string): void => {
    merges.push(`${a} ${b}`);
    if (!ids.has(a + b)) add(a + b, TokenType.Normal);
  };
  for (const [a, b] of trainBpe(pieceCounts([CORPUS, ...(options.extraTexts ?? [])]))) addMerge(a, b);

  const special = new Map<string, number>();
  const fimSet = new Set<string>(FIM_TOKENS);
  for (const text of QWEN_SPECIAL_TOKENS) {
    const isFim = fimSet.has(text);
    if (isFim && !options.fim) continue;
    const type = text.startsWith('<|') ? TokenType.Control : TokenType.UserDefined;
    special.set(text, add(text, type));
  }
  const vocab: Vocab = { tokens, tokenTypes, merges, ids, special, endOfText: special.get('<|endoftext|>')! };
  vocabCache.set(cacheKey, vocab);
  return vocab;
}

/** Encodes one pre-tokenized piece with the merges (lowest rank first, leftmost on ties). */
export function encodePiece(vocab: Vocab, piece: string): number[] {
  const ranks = mergeRanks(vocab);
  let syms = [...toByteLevel(piece)];
  for (;;) {
    let best = -1;
    let bestRank = Infinity;
    for (let i = 0; i + 1 < syms.length; i++) {
      const r = ranks.get(syms[i] + ' ' + syms[i + 1]);
      if (r !== undefined && r < bestRank) {
        bestRank = r;
        best = i;
      }
    }
    if (best < 0) break;
    syms = [...syms.slice(0, best), syms[best] + syms[best + 1], ...syms.slice(best + 2)];
  }
  return syms.map((s) => {
    const id = vocab.ids.get(s);
    if (id === undefined) throw new Error(`no token for ${JSON.stringify(s)}`);
    return id;
  });
}

const ranksCache = new WeakMap<Vocab, Map<string, number>>();
function mergeRanks(vocab: Vocab): Map<string, number> {
  let ranks = ranksCache.get(vocab);
  if (!ranks) {
    ranks = new Map(vocab.merges.map((m, i) => [m, i]));
    ranksCache.set(vocab, ranks);
  }
  return ranks;
}

/**
 * Tokenizes text as llama.cpp does for this vocabulary with special tokens parsed: special token
 * texts become their ids, the rest is pre-tokenized and BPE-encoded.
 */
export function encode(vocab: Vocab, text: string): number[] {
  const out: number[] = [];
  const specials = [...vocab.special.keys()];
  let rest = text;
  while (rest.length > 0) {
    let at = -1;
    let which = '';
    for (const s of specials) {
      const i = rest.indexOf(s);
      if (i >= 0 && (at < 0 || i < at)) {
        at = i;
        which = s;
      }
    }
    const plain = at < 0 ? rest : rest.slice(0, at);
    for (const piece of preTokenize(plain)) out.push(...encodePiece(vocab, piece));
    if (at < 0) break;
    out.push(vocab.special.get(which)!);
    rest = rest.slice(at + which.length);
  }
  return out;
}

/** Token ids → text (special tokens as their text). */
export function decode(vocab: Vocab, ids: number[]): string {
  // Bytes first, text last: a character's UTF-8 bytes may be split across tokens.
  const back = new Map(bytesToUnicode().map((c, b) => [c, b]));
  const bytes: number[] = [];
  for (const id of ids) {
    const t = vocab.tokens[id];
    if (vocab.tokenTypes[id] === TokenType.Normal) for (const c of t) bytes.push(back.get(c)!);
    else bytes.push(...Buffer.from(t, 'utf8'));
  }
  return Buffer.from(bytes).toString('utf8');
}

/** The GGUF `tokenizer.*` metadata of a vocabulary. */
export function tokenizerMetadata(vocab: Vocab): Array<[string, GgufValue]> {
  const eot = vocab.endOfText;
  const md: Array<[string, GgufValue]> = [
    ['tokenizer.ggml.model', { type: 'string', value: 'gpt2' }],
    ['tokenizer.ggml.pre', { type: 'string', value: 'qwen2' }],
    ['tokenizer.ggml.tokens', { type: 'array', itemType: 'string', value: vocab.tokens }],
    ['tokenizer.ggml.token_type', { type: 'array', itemType: 'i32', value: vocab.tokenTypes }],
    ['tokenizer.ggml.merges', { type: 'array', itemType: 'string', value: vocab.merges }],
    ['tokenizer.ggml.eos_token_id', { type: 'u32', value: eot }],
    ...(vocab.endOfTurn === undefined
      ? []
      : ([['tokenizer.ggml.eot_token_id', { type: 'u32', value: vocab.endOfTurn }]] as Array<[string, GgufValue]>)),
    ['tokenizer.ggml.padding_token_id', { type: 'u32', value: eot }],
    ['tokenizer.ggml.bos_token_id', { type: 'u32', value: eot }],
    ['tokenizer.ggml.add_bos_token', { type: 'bool', value: false }],
  ];
  const fimKeys: Array<[string, string]> = [
    ['tokenizer.ggml.fim_pre_token_id', '<|fim_prefix|>'],
    ['tokenizer.ggml.fim_suf_token_id', '<|fim_suffix|>'],
    ['tokenizer.ggml.fim_mid_token_id', '<|fim_middle|>'],
    ['tokenizer.ggml.fim_pad_token_id', '<|fim_pad|>'],
    ['tokenizer.ggml.fim_rep_token_id', '<|repo_name|>'],
    ['tokenizer.ggml.fim_sep_token_id', '<|file_sep|>'],
  ];
  for (const [key, text] of fimKeys) {
    const id = vocab.special.get(text);
    if (id !== undefined) md.push([key, { type: 'u32', value: id }]);
  }
  md.push(['tokenizer.chat_template', { type: 'string', value: CHATML_TEMPLATE }]);
  return md;
}
