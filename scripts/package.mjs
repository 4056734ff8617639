#!/usr/bin/env node
// @ts-check
/**
 * `npm run package [-- --target linux-x64]`: builds `slm-assist-<version>-<target>.vsix` offline.
 *
 * The extension's own code is bundled by esbuild; node-llama-cpp cannot be (it is ESM and loads a
 * native binary from a package of its own), so it ships in the VSIX's node_modules with its
 * runtime dependencies. A staging folder (`.package/<target>/stage`) gets exactly what the VSIX
 * holds, and `vsce package --target` packs it:
 *
 * - the manifest, README, CHANGELOG, LICENSE, `media/`, the README's images, the two bundles;
 * - node-llama-cpp and the closure of its `dependencies`, plus the `optionalDependencies` whose
 *   `os`/`cpu`/`libc` fit the target; of node-llama-cpp's binary packages only the target's CPU
 *   build (no CUDA, no Vulkan);
 * - never: node-llama-cpp's llama.cpp source bundle (`llama/gitRelease.bundle`, 35 MB), source
 *   maps, TypeScript sources and declarations, optional peers such as `typescript`.
 *
 * Each target needs that platform's node-llama-cpp binary package in node_modules: npm installs
 * only the building machine's own, so build a target on its platform (or install the package with
 * `npm install --no-save --os=... --cpu=...`).
 */
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

/**
 * The VSIX targets SLM Assist can be packaged for: VS Code's platform, and the npm `os`/`cpu`
 * values and node-llama-cpp binary package that go with it. macOS on Apple silicon has a Metal
 * build only (the server asks for `gpu: "metal"` there); everywhere else the CPU build.
 * @type {Record<string, { os: string, cpu: string, libc?: string, binaries: string }>}
 */
export const TARGETS = {
  'linux-x64': { os: 'linux', cpu: 'x64', libc: 'glibc', binaries: '@node-llama-cpp/linux-x64' },
  'linux-arm64': { os: 'linux', cpu: 'arm64', libc: 'glibc', binaries: '@node-llama-cpp/linux-arm64' },
  'darwin-arm64': { os: 'darwin', cpu: 'arm64', binaries: '@node-llama-cpp/mac-arm64-metal' },
  'darwin-x64': { os: 'darwin', cpu: 'x64', binaries: '@node-llama-cpp/mac-x64' },
  'win32-x64': { os: 'win32', cpu: 'x64', binaries: '@node-llama-cpp/win-x64' },
};

/** Files below a package that never go into the VSIX (paths relative to the package, `/`-separated). */
const EXCLUDED = [
  /^llama\/gitRelease\.bundle$/, // node-llama-cpp's llama.cpp sources, for building from source only
  /\.map$/,
  /\.d\.[cm]?ts$/,
  /(^|\/)[^/]+\.[cm]?ts$/,
  /(^|\/)\.[^/]+$/, // dotfiles: .npmignore, .eslintrc, ...
];

/**
 * @typedef {{ name: string, dir: string }} PackageDir
 * @typedef {{ name?: string, version?: string, os?: string[], cpu?: string[], libc?: string[], dependencies?: Record<string, string>, optionalDependencies?: Record<string, string> }} PackageJson
 */

/** @param {string} dir @returns {PackageJson} */
function readPackage(dir) {
  return JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
}

/**
 * Where Node would find package `name` when imported from inside `fromDir`: the nearest
 * `node_modules/<name>` at or above it.
 * @param {string} name @param {string} fromDir @returns {string | undefined}
 */
function resolvePackage(name, fromDir) {
  for (let dir = fromDir; ; dir = dirname(dir)) {
    const candidate = join(dir, 'node_modules', name);
    if (existsSync(join(candidate, 'package.json'))) return candidate;
    if (dirname(dir) === dir) return undefined;
  }
}

/**
 * Whether an npm package's `os`/`cpu`/`libc` fields allow the target (absent: any).
 * @param {PackageJson} pkg @param {{ os: string, cpu: string, libc?: string }} target
 */
export function fitsTarget(pkg, target) {
  /** @param {string[] | undefined} list @param {string | undefined} value */
  const allows = (list, value) => {
    if (!list || list.length === 0 || value === undefined) return true;
    const denied = list.filter((v) => v.startsWith('!')).map((v) => v.slice(1));
    const allowed = list.filter((v) => !v.startsWith('!'));
    return !denied.includes(value) && (allowed.length === 0 || allowed.includes(value));
  };
  return allows(pkg.os, target.os) && allows(pkg.cpu, target.cpu) && allows(pkg.libc, target.libc);
}

/**
 * node-llama-cpp and every package it needs at run time on the target, each once.
 * @param {string} targetName @returns {PackageDir[]}
 */
export function runtimeClosure(targetName) {
  const target = TARGETS[targetName];
  const start = resolvePackage('node-llama-cpp', root);
  if (!start) throw new Error('node_modules/node-llama-cpp is missing: run `npm install` first');
  /** @type {Map<string, PackageDir>} */
  const found = new Map();
  /** @param {string} name @param {string} dir */
  const visit = (name, dir) => {
    if (found.has(dir)) return;
    found.set(dir, { name, dir });
    const pkg = readPackage(dir);
    for (const dep of Object.keys(pkg.dependencies ?? {})) {
      const depDir = resolvePackage(dep, dir);
      if (!depDir) throw new Error(`${name} needs ${dep}, which is not installed`);
      visit(dep, depDir);
    }
    for (const dep of Object.keys(pkg.optionalDependencies ?? {})) {
      // node-llama-cpp's binaries: only the target's CPU (or Metal) build.
      if (dep.startsWith('@node-llama-cpp/') && dep !== target.binaries) continue;
      const depDir = resolvePackage(dep, dir);
      if (depDir && fitsTarget(readPackage(depDir), target)) visit(dep, depDir);
    }
  };
  visit('node-llama-cpp', start);
  const binaries = [...found.values()].find((p) => p.name === target.binaries);
  if (!binaries) {
    throw new Error(
      `${target.binaries} (node-llama-cpp's prebuilt llama.cpp for ${targetName}) is not installed. ` +
        `npm installs only this machine's own binary package: package ${targetName} on that platform, or first run ` +
        `\`npm install --no-save --os=${target.os} --cpu=${target.cpu} ${target.binaries}@${readPackage(start).version}\`.`,
    );
  }
  return [...found.values()];
}

/**
 * Copies a package's files (not its nested node_modules, which the closure visits on its own).
 * @param {string} from @param {string} to
 */
function copyPackage(from, to) {
  cpSync(from, to, {
    recursive: true,
    filter: (source) => {
      const rel = relative(from, source).split(sep).join('/');
      if (rel === '') return true;
      if (rel === 'node_modules' || rel.startsWith('node_modules/')) return false;
      if (statSync(source).isDirectory()) return true;
      return !EXCLUDED.some((pattern) => pattern.test(rel));
    },
  });
}

/** @param {string} dir @returns {number} */
function folderBytes(dir) {
  let total = 0;
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    const stat = statSync(path);
    total += stat.isDirectory() ? folderBytes(path) : stat.size;
  }
  return total;
}

/** @param {string} [requested] */
function defaultTarget(requested) {
  if (requested) return requested;
  const os = { linux: 'linux', darwin: 'darwin', win32: 'win32' }[/** @type {string} */ (process.platform)];
  return `${os}-${process.arch}`;
}

/**
 * Stages and packs the VSIX; returns its path.
 * @param {{ target?: string, outDir?: string, log?: (line: string) => void }} [options]
 */
export function packageExtension(options = {}) {
  const log = options.log ?? ((line) => console.log(`package: ${line}`));
  const targetName = defaultTarget(options.target);
  if (!TARGETS[targetName]) throw new Error(`unknown target ${targetName}; one of ${Object.keys(TARGETS).join(', ')}`);
  const started = Date.now();
  const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
  const workDir = join(root, '.package', targetName);
  const stage = join(workDir, 'stage');
  const outDir = options.outDir ?? join(root, '.package');
  const vsix = join(outDir, `${manifest.name}-${manifest.version}-${targetName}.vsix`);

  rmSync(workDir, { recursive: true, force: true });
  mkdirSync(stage, { recursive: true });
  log(`building the bundles (production) for ${targetName}`);
  execFileSync(process.execPath, [join(root, 'esbuild.mjs'), '--production', '--only=client,server', `--out=${join(stage, 'dist')}`], {
    cwd: root,
    stdio: 'inherit',
  });

  // The manifest as the VSIX carries it: no scripts, no development dependencies, and node-llama-cpp
  // as the one dependency (everything else is inside the bundles).
  const { scripts: _scripts, devDependencies: _dev, allowScripts: _allow, dependencies, ...shipped } = manifest;
  shipped.dependencies = { 'node-llama-cpp': dependencies['node-llama-cpp'] };
  writeFileSync(join(stage, 'package.json'), `${JSON.stringify(shipped, null, 2)}\n`);
  for (const file of ['README.md', 'CHANGELOG.md', 'LICENSE', 'media', 'docs/images']) {
    const from = join(root, file);
    if (!existsSync(from)) throw new Error(`${file} is missing`);
    cpSync(from, join(stage, file), { recursive: true });
  }
  const closure = runtimeClosure(targetName);
  for (const pkg of closure) copyPackage(pkg.dir, join(stage, relative(root, pkg.dir)));
  log(`${closure.length} runtime packages, ${(folderBytes(join(stage, 'node_modules')) / 2 ** 20).toFixed(1)} MiB unpacked`);

  mkdirSync(outDir, { recursive: true });
  rmSync(vsix, { force: true });
  // --no-rewrite-relative-links: the README's images travel inside the VSIX and there is no public
  // repository to point them at. The ignore file keeps vsce's own default list only.
  writeFileSync(join(stage, '.vscodeignore'), '');
  const vsce = join(root, 'node_modules', '@vscode', 'vsce', 'vsce');
  execFileSync(
    process.execPath,
    [vsce, 'package', '--target', targetName, '--out', vsix, '--no-rewrite-relative-links', '--allow-missing-repository'],
    { cwd: stage, stdio: ['ignore', 'inherit', 'inherit'] },
  );
  const size = statSync(vsix).size;
  log(`${relative(root, vsix)}: ${(size / 2 ** 20).toFixed(1)} MiB (${size} bytes) in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return vsix;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const args = process.argv.slice(2);
  const targetIndex = args.indexOf('--target');
  const target = targetIndex >= 0 ? args[targetIndex + 1] : args.find((a) => a.startsWith('--target='))?.slice('--target='.length);
  try {
    packageExtension({ target });
  } catch (error) {
    console.error(`package: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  }
}
