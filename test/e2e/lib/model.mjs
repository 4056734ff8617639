// @ts-check
import { createRequire } from 'node:module';
import { existsSync, mkdirSync, openSync, readSync, closeSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';

/**
 * The models the e2e run uses: the known-output model (its file, the prompt to type and the exact
 * continuation it writes), a random-weight chat model that writes long answers (`chat`, the
 * generator's `qwen2.5-coder-0.5b` shape) and a file that is not a model at all.
 *
 * The known model comes from the environment when all three of SLM_E2E_MODEL, SLM_E2E_PROMPT and
 * SLM_E2E_CONTINUATION are set; otherwise from the generator in test/modelgen (ensureModel('known')
 * and its knownEntries table), bundled here with esbuild so no build step is needed. Without
 * either, `known` is undefined and the scenarios that need it are skipped, saying why. The chat
 * model always comes from the generator (`chat` is undefined without it, `chatMissing` says why).
 */

/** @typedef {{ path: string, prompt: string, continuation: string, name: string }} KnownModel */
/** @typedef {{ path: string, name: string }} ChatModel */

/**
 * @param {string} root the repository
 * @param {string} runDir this run's temporary folder
 * @returns {Promise<{ known?: KnownModel, missing?: string, chat?: ChatModel, chatMissing?: string, broken: string }>}
 */
export async function resolveModels(root, runDir) {
  const modelsDir = join(runDir, 'models');
  mkdirSync(modelsDir, { recursive: true });
  // Not a GGUF file: the server must reject it with a message naming the file.
  const broken = join(modelsDir, 'not-a-model.gguf');
  writeFileSync(broken, 'This text file is not a GGUF model.\n');

  const generator = await loadGenerator(root, runDir);
  const noGenerator = 'test/modelgen/index.ts (the model generator) does not exist yet';
  if (generator && (typeof generator.ensureModel !== 'function' || !Array.isArray(generator.knownEntries))) {
    throw new Error('test/modelgen/index.ts no longer exports ensureModel() and knownEntries');
  }
  // Random weights: greedy decoding rambles on until max tokens ("wyeRac caizsnj wye wye …"), at
  // about 30 tokens/s on one thread. Not the `tiny` shape: its answers begin with hundreds of
  // newlines, so a screenshot of the panel would show no text. Written once (350 MB, a few seconds).
  const chatFile = generator?.ensureModel('qwen2.5-coder-0.5b', join(root, '.models'));
  const chatModels = chatFile ? { chat: { path: chatFile, name: modelName(chatFile) } } : { chatMissing: noGenerator };

  const { SLM_E2E_MODEL: path, SLM_E2E_PROMPT: prompt, SLM_E2E_CONTINUATION: continuation } = process.env;
  if (path && prompt && continuation) {
    if (!existsSync(path)) throw new Error(`SLM_E2E_MODEL=${path} does not exist`);
    return { known: { path, prompt, continuation, name: modelName(path) }, ...chatModels, broken };
  }

  if (!generator) return { missing: noGenerator, ...chatModels, broken };
  const { ensureModel, knownEntries } = generator;
  // The cursor sits at the end of a one-line file, so take a one-line entry; 'console' by preference.
  const entry = knownEntries.find((e) => e.prompt === 'console') ?? knownEntries.find((e) => !e.prompt.includes('\n'));
  if (!entry) throw new Error('knownEntries has no one-line prompt');
  const file = ensureModel('known', join(root, '.models'));
  return { known: { path: file, prompt: entry.prompt, continuation: entry.continuation, name: modelName(file) }, ...chatModels, broken };
}

/**
 * Bundles test/modelgen/index.ts into the run folder and loads it; undefined if it does not exist.
 * @param {string} root @param {string} runDir
 * @returns {Promise<typeof import('../../modelgen/index') | undefined>}
 */
async function loadGenerator(root, runDir) {
  const entry = join(root, 'test/modelgen/index.ts');
  if (!existsSync(entry)) return undefined;
  const esbuild = await import('esbuild');
  const outfile = join(runDir, 'modelgen.cjs');
  await esbuild.build({
    entryPoints: [entry],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    logLevel: 'error',
  });
  return createRequire(import.meta.url)(outfile);
}

/**
 * The name the extension shows for a model: `general.name` from the GGUF header, else the file
 * name. Reads only the start of the file, which is where writers put `general.*`.
 * @param {string} path @returns {string}
 */
export function modelName(path) {
  const fd = openSync(path, 'r');
  const buffer = Buffer.alloc(1 << 20);
  const length = readSync(fd, buffer, 0, buffer.length, 0);
  closeSync(fd);
  const name = readGeneralName(buffer.subarray(0, length));
  return name ?? basename(path);
}

/** @type {Record<number, number>} */
const SCALAR_SIZES = { 0: 1, 1: 1, 2: 2, 3: 2, 4: 4, 5: 4, 6: 4, 7: 1, 10: 8, 11: 8, 12: 8 };

/** @param {Buffer} buffer @returns {string | undefined} */
function readGeneralName(buffer) {
  if (buffer.length < 24 || buffer.toString('latin1', 0, 4) !== 'GGUF') return undefined;
  let offset = 8; // magic, version
  offset += 8; // tensor count
  const count = Number(buffer.readBigUInt64LE(offset));
  offset += 8;
  const string = () => {
    const length = Number(buffer.readBigUInt64LE(offset));
    const value = buffer.toString('utf8', offset + 8, offset + 8 + length);
    offset += 8 + length;
    return value;
  };
  /** @param {number} type @returns {void} */
  const skip = (type) => {
    if (type === 8) return void string();
    if (type === 9) {
      const itemType = buffer.readUInt32LE(offset);
      const items = Number(buffer.readBigUInt64LE(offset + 4));
      offset += 12;
      for (let i = 0; i < items; i++) skip(itemType);
      return;
    }
    const size = SCALAR_SIZES[type];
    if (size === undefined) throw new RangeError(`unknown GGUF value type ${type}`);
    offset += size;
  };
  try {
    for (let i = 0; i < count; i++) {
      const key = string();
      const type = buffer.readUInt32LE(offset);
      offset += 4;
      if (key === 'general.name' && type === 8) return string();
      skip(type);
    }
  } catch (error) {
    if (!(error instanceof RangeError)) throw error; // past the part of the file read
  }
  return undefined;
}
