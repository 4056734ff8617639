import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  chmodSync,
  closeSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readFileSync,
  readSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join } from 'node:path';
import { readGgufMetadata } from './ggufReader';
import { defaultModelDir } from './paths';
import { FIM_TOKENS, QWEN_NORMAL_TOKENS, QWEN_SPECIAL_TOKENS, QWEN_VOCAB_SIZE, TokenType, type Vocab } from './tokenizer';

/**
 * Real tokenizers for generated models, from the vocabulary-only GGUF files of llama.cpp's
 * `models/` folder (`ggml-vocab-*.gguf`, with `.inp`/`.out` pairs of texts and the token ids
 * llama.cpp's own tokenizer test expects). node-llama-cpp's npm package carries llama.cpp's
 * sources as a git bundle (`llama/gitRelease.bundle`); the files are read out of it with git,
 * once, into `.models/vocab/<bundle commit>/`.
 */

/** The vocabularies read out of the bundle: Qwen2 (Qwen2.5-Coder's), DeepSeek-Coder's, StarCoder's, Llama 2's SentencePiece. */
export const REAL_VOCABS = ['qwen2', 'deepseek-coder', 'starcoder', 'llama-spm'] as const;
export type RealVocabName = (typeof REAL_VOCABS)[number];

/** node-llama-cpp's bundle of the llama.cpp sources it was built from. */
export function llamaCppBundle(): string {
  let entry: string;
  try {
    entry = require.resolve('node-llama-cpp', { paths: [process.cwd(), __dirname] });
  } catch {
    throw new Error('node-llama-cpp is not installed (npm install): the generated models take their tokenizer from its llama.cpp sources');
  }
  // …/node_modules/node-llama-cpp/dist/index.js → …/node_modules/node-llama-cpp
  const bundle = join(dirname(dirname(entry)), 'llama', 'gitRelease.bundle');
  if (!existsSync(bundle))
    throw new Error(`${bundle} is missing: node-llama-cpp's llama.cpp sources are needed for the generated models' tokenizer`);
  return bundle;
}

/** The commit a git bundle holds as HEAD, from its text header (no git needed). */
export function bundleHead(bundle: string): string {
  const fd = openSync(bundle, 'r');
  const buf = Buffer.alloc(4096);
  try {
    readSync(fd, buf, 0, buf.length, 0);
  } finally {
    closeSync(fd);
  }
  const head = /^([0-9a-f]{40}) HEAD$/m.exec(buf.toString('latin1').split('\n\n')[0]);
  if (!head) throw new Error(`${bundle}: no HEAD in the bundle's header`);
  return head[1];
}

/** The files read out of the bundle, relative to the llama.cpp tree. */
function bundledPaths(): string[] {
  return REAL_VOCABS.flatMap((name) => ['', '.inp', '.out'].map((ext) => `models/ggml-vocab-${name}.gguf${ext}`));
}

/**
 * The folder holding the vocabulary files of this node-llama-cpp's llama.cpp, reading them out of
 * the bundle first if needed (about a second): into a temporary folder, then renamed, so that
 * test runs sharing `.models/` never see half of it.
 */
export function realVocabDir(cacheDir: string = join(defaultModelDir(), 'vocab')): string {
  const bundle = llamaCppBundle();
  const dir = join(cacheDir, bundleHead(bundle).slice(0, 12));
  if (existsSync(dir)) return dir;
  mkdirSync(cacheDir, { recursive: true });
  const tmp = mkdtempSync(`${dir}.tmp-`);
  try {
    chmodSync(tmp, 0o755);
    const git = join(tmp, 'llama.cpp.git');
    execFileSync('git', ['init', '-q', '--bare', git], { stdio: 'pipe' });
    execFileSync('git', ['-C', git, 'fetch', '-q', bundle, 'HEAD'], { stdio: 'pipe' });
    for (const path of bundledPaths()) {
      const blob = execFileSync('git', ['-C', git, 'cat-file', 'blob', `FETCH_HEAD:${path}`], { maxBuffer: 256 << 20 });
      writeFileSync(join(tmp, path.slice('models/'.length)), blob);
    }
    rmSync(git, { recursive: true, force: true });
    try {
      renameSync(tmp, dir);
    } catch (e) {
      // Another process got there first: its copy is the same.
      if (!existsSync(dir)) throw e;
    }
  } catch (e) {
    const reason = e instanceof Error ? e.message : String(e);
    throw new Error(`could not read the vocabulary files out of ${bundle} with git: ${reason}`);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  return dir;
}

/** Path of `ggml-vocab-NAME.gguf`. */
export function realVocabFile(name: RealVocabName): string {
  return join(realVocabDir(), `ggml-vocab-${name}.gguf`);
}

/** llama.cpp's tokenizer test cases for a vocabulary: each text and the ids it must tokenize to (no special tokens parsed, no BOS). */
export function realVocabTests(name: RealVocabName): Array<{ text: string; ids: number[] }> {
  const base = realVocabFile(name);
  // As llama.cpp's tests/test-tokenizer-0.cpp splits them.
  const texts = readFileSync(`${base}.inp`, 'utf8').split('\n__ggml_vocab_test__\n');
  if (texts[texts.length - 1] === '') texts.pop();
  const lines = readFileSync(`${base}.out`, 'utf8').split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  if (texts.length !== lines.length) throw new Error(`${base}: ${texts.length} inputs, ${lines.length} outputs`);
  return texts.map((text, i) => ({ text, ids: lines[i].trim() === '' ? [] : lines[i].trim().split(/\s+/).map(Number) }));
}

const hashes = new Map<string, string>();

/**
 * What identifies the Qwen tokenizer in cached model names: a hash of the vocabulary file, so a
 * node-llama-cpp whose llama.cpp ships a different one gets new models.
 */
export function qwenVocabTag(): string {
  const file = realVocabFile('qwen2');
  let hash = hashes.get(file);
  if (!hash) {
    hash = createHash('sha256').update(readFileSync(file)).digest('hex').slice(0, 8);
    hashes.set(file, hash);
  }
  return `vocab-qwen2-${hash}`;
}

const qwenCache = new Map<boolean, Vocab>();

/**
 * Qwen2.5-Coder's tokenizer: llama.cpp's Qwen2 vocabulary (151936 entries, 151387 merges, the
 * qwen2 pre-tokenizer) with the added tokens written into the ids 151643..151664, which the
 * vocabulary file leaves as `[PAD…]` placeholders beyond the first three: CONTROL, except the
 * tool-call tags (USER_DEFINED), as in Qwen2.5-Coder's GGUF files. Without `fim` the FIM and
 * repository tokens (151659..151664) stay placeholders, so llama.cpp finds no FIM tokens.
 */
export function qwenCoderVocab(fim: boolean): Vocab {
  const cached = qwenCache.get(fim);
  if (cached) return cached;
  const file = realVocabFile('qwen2');
  const md = readGgufMetadata(file);
  const tokens = md.get('tokenizer.ggml.tokens') as string[];
  const tokenTypes = md.get('tokenizer.ggml.token_type') as number[];
  const merges = md.get('tokenizer.ggml.merges') as string[];
  if (md.get('tokenizer.ggml.model') !== 'gpt2' || md.get('tokenizer.ggml.pre') !== 'qwen2')
    throw new Error(`${file}: not a qwen2 BPE vocabulary`);
  if (tokens.length !== QWEN_VOCAB_SIZE || tokenTypes.length !== QWEN_VOCAB_SIZE) {
    throw new Error(`${file}: ${tokens.length} tokens, expected ${QWEN_VOCAB_SIZE}`);
  }
  const fimSet = new Set<string>(FIM_TOKENS);
  const special = new Map<string, number>();
  for (const [i, text] of QWEN_SPECIAL_TOKENS.entries()) {
    const id = QWEN_NORMAL_TOKENS + i;
    if (tokens[id] !== text && tokens[id] !== `[PAD${id}]`)
      throw new Error(`${file}: id ${id} is ${JSON.stringify(tokens[id])}, expected ${text}`);
    if (!fim && fimSet.has(text)) continue;
    tokens[id] = text;
    tokenTypes[id] = text.startsWith('<|') ? TokenType.Control : TokenType.UserDefined;
    special.set(text, id);
  }
  const vocab: Vocab = {
    tokens,
    tokenTypes,
    merges,
    ids: new Map(tokens.map((t, i) => [t, i])),
    special,
    endOfText: special.get('<|endoftext|>')!,
    endOfTurn: special.get('<|im_end|>')!,
  };
  qwenCache.set(fim, vocab);
  return vocab;
}
