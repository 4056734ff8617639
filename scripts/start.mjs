#!/usr/bin/env node
// @ts-check
/**
 * `npm start [-- --model FILE.gguf] [--port N]`: SLM Assist in a real VS Code workbench, one
 * command from a checkout. Builds the extension, installs code-server on first use (the same
 * `test/e2e/setup.sh` as the end-to-end tests), starts it on 127.0.0.1 with the built extension
 * and a sample workspace, and prints the URL to open. Ctrl+C stops it.
 *
 * Its state lives in the git-ignored `.e2e/start/`: the workbench's settings and any model
 * downloaded from it survive restarts. `--model` (or SLM_MODEL) sets `slmAssist.model.path`;
 * without one, the extension says how to get a model.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BASE_SETTINGS, freePort, startCodeServer, writeSettings } from '../test/e2e/lib/codeServer.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
/** @param {string} name */
const option = (name) => {
  const index = args.indexOf(`--${name}`);
  if (index >= 0) return args[index + 1];
  return args.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
};
const say = (/** @type {string} */ line) => console.log(`start: ${line}`);

const modelArg = option('model') ?? process.env.SLM_MODEL;
const model = modelArg ? resolve(modelArg) : undefined;
if (model && !existsSync(model)) {
  console.error(`start: ${model} does not exist`);
  process.exit(1);
}

// 1. The extension's bundles (esbuild takes about a second).
say('building the extension');
const build = spawnSync(process.execPath, [join(root, 'esbuild.mjs'), '--only=client,server'], { stdio: 'inherit' });
if (build.status !== 0) process.exit(build.status ?? 1);

// 2. code-server, installed once into .e2e/tools (about a minute the first time).
const setup = spawnSync('bash', [join(root, 'test/e2e/setup.sh')], { stdio: 'inherit' });
if (setup.status !== 0) process.exit(setup.status ?? 1);
const bin = join(root, '.e2e/tools/code-server/node_modules/.bin/code-server');

// 3. A workbench of its own: settings, extensions and the sample workspace, kept between runs.
const state = join(root, '.e2e/start');
const dirs = Object.fromEntries(
  ['userData', 'extensions', 'xdgConfig', 'xdgData', 'xdgCache', 'tmp'].map((name) => {
    const dir = join(state, name);
    mkdirSync(dir, { recursive: true });
    return [name, dir];
  }),
);
const workspace = join(state, 'workspace');
if (!existsSync(workspace)) cpSync(join(root, 'samples/workspace'), workspace, { recursive: true });
const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const extension = join(dirs.extensions, `${manifest.publisher}.${manifest.name}-${manifest.version}`);
// The checkout itself is the installed extension: a rebuild and a window reload pick up changes.
rmSync(extension, { recursive: true, force: true });
symlinkSync(root, extension);

const machineSettings = join(dirs.userData, 'Machine/settings.json');
if (!existsSync(machineSettings) || model) {
  // The tests' quiet workbench, with SLM Assist's own defaults (the tests lengthen its time budget).
  /** @type {Record<string, unknown>} */
  const settings = Object.fromEntries(Object.entries(BASE_SETTINGS).filter(([key]) => !key.startsWith('slmAssist.')));
  settings['workbench.startupEditor'] = 'readme';
  if (model) settings['slmAssist.model.path'] = model;
  writeSettings(dirs.userData, settings);
}

const port = Number(option('port') ?? 0) || (await freePort());
const server = await startCodeServer({
  bin,
  port,
  userDataDir: dirs.userData,
  extensionsDir: dirs.extensions,
  workspace,
  env: {
    ...process.env,
    EXTENSIONS_GALLERY: '{}',
    XDG_CONFIG_HOME: dirs.xdgConfig,
    XDG_DATA_HOME: dirs.xdgData,
    XDG_CACHE_HOME: dirs.xdgCache,
    TMPDIR: dirs.tmp,
  },
  logFile: join(state, 'code-server.log'),
  timeoutMs: 60_000,
});

console.log('');
say(`SLM Assist is running in code-server: open ${server.url}/?folder=${encodeURIComponent(workspace)}`);
say(model ? `model: ${model}` : 'no model set: the status bar offers to choose one (or run `npm start -- --model FILE.gguf`)');
say(`state in ${state}; log in ${join(state, 'code-server.log')}. Ctrl+C stops it.`);

for (const signal of /** @type {const} */ (['SIGINT', 'SIGTERM'])) {
  process.once(signal, () => {
    say('stopping');
    void server.stop().finally(() => process.exit(0));
  });
}
