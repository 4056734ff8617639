#!/usr/bin/env node
// @ts-check
/**
 * `npm run test:e2e`: SLM Assist in a real VS Code workbench (code-server) driven by headless
 * Chromium, air-gapped. Runs the extension-host integration suite, then the browser scenarios in
 * test/e2e/scenarios/, and ends with the line `N passed, N failed`. Exit code 1 if any failed.
 *
 * Needs `npm run build` first; installs code-server and Chromium on first use (test/e2e/setup.sh).
 *
 *   node test/e2e/run.mjs [--only=1,2b] [--no-integration] [--keep] [--docs-images]
 *
 * --only runs the scenarios with those ids (and no integration suite unless --integration);
 * --keep keeps this run's temporary folder. Screenshots go to .e2e/screenshots/, logs (code-server,
 * extension host, the extension's output channel) to .e2e/logs/.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { BASE_SETTINGS, delay, freePort, startCodeServer, writeSettings } from './lib/codeServer.mjs';
import { runIntegrationSuite } from './lib/integration.mjs';
import { startMirror } from './lib/mirror.mjs';
import { resolveModels } from './lib/model.mjs';
import { closePage, launchBrowser, openWorkbench, preparePage } from './lib/workbench.mjs';
import { packageExtension } from '../../scripts/package.mjs';

/** @typedef {import('./lib/types.mjs').Result} Result */
/** @typedef {import('./lib/types.mjs').Scenario} Scenario */
/** @typedef {import('./lib/types.mjs').ScenarioContext} ScenarioContext */
/** @typedef {import('./lib/types.mjs').CodeServer} CodeServer */
/** @typedef {import('./lib/types.mjs').Browser} Browser */

const root = join(dirname(fileURLToPath(import.meta.url)), '../..');
const args = process.argv.slice(2);
const only = args
  .find((a) => a.startsWith('--only='))
  ?.slice('--only='.length)
  .split(',');
const keep = args.includes('--keep');
// --docs-images: copy the screenshots the README shows into docs/images (see DOCS_IMAGES).
const docsImages = args.includes('--docs-images');
const integration = only ? args.includes('--integration') : !args.includes('--no-integration');
const SCENARIO_TIMEOUT_MS = 150_000;
/** The README's images: which screenshot each one is. */
const DOCS_IMAGES = {
  'ghost-text.png': '1-ghost-text.png',
  'status-bar.png': '2a-model-ready.png',
  'status-menu.png': '2c-status-menu.png',
  'summary-panel.png': '7b-real-summary.png',
  'ghost-text-real.png': '7a-real-ghost-text.png',
  'restricted-mode.png': '5-restricted-mode.png',
  'first-run-offer.png': '6a-first-run-offer.png',
  'download-progress.png': '6a-download-progress.png',
  'manage-models.png': '6b-manage-models.png',
};
const INTEGRATION_TIMEOUT_MS = 300_000;

/** @type {Result[]} */
const results = [];
const started = Date.now();
/** @param {string} line */
const say = (line) => console.log(`[e2e ${((Date.now() - started) / 1000).toFixed(1).padStart(5)} s] ${line}`);

/** @param {Result} result */
function record(result) {
  results.push(result);
  const mark = { passed: 'ok  ', failed: 'FAIL', skipped: 'skip' }[result.state];
  const time = result.durationMs === undefined ? '' : ` (${(result.durationMs / 1000).toFixed(1)} s)`;
  say(`${mark} ${result.title}${time}${result.state === 'skipped' && result.error ? `: ${result.error}` : ''}`);
  if (result.state === 'failed' && result.error) console.log(indent(result.error));
}

function finish() {
  /** @param {Result['state']} state */
  const count = (state) => results.filter((r) => r.state === state).length;
  const skipped = results.filter((r) => r.state === 'skipped');
  if (skipped.length) console.log(`${skipped.length} skipped: ${skipped.map((r) => r.title).join('; ')}`);
  console.log(`${count('passed')} passed, ${count('failed')} failed`);
  process.exitCode = count('failed') > 0 ? 1 : 0;
}

/** @param {string} text */
function indent(text) {
  return String(text)
    .split('\n')
    .map((line) => `       ${line}`)
    .join('\n');
}

/**
 * Fails the run before anything started, with the reason.
 * @param {string} title @param {string} error @returns {never}
 */
function abort(title, error) {
  record({ title, state: 'failed', error });
  finish();
  process.exit(1);
}

// 1. Tools, build outputs.
say('setup (test/e2e/setup.sh)');
const setup = spawnSync('bash', [join(root, 'test/e2e/setup.sh')], { stdio: 'inherit' });
if (setup.status !== 0) abort('setup', 'test/e2e/setup.sh failed (see above)');
for (const file of ['dist/client/extension.js', 'dist/server/server.js']) {
  if (!existsSync(join(root, file))) abort('build outputs', `${file} is missing: run \`npm run build\` first`);
}
const codeServerBin = join(root, '.e2e/tools/code-server/node_modules/.bin/code-server');
/** @type {{ name: string, publisher: string, version: string, contributes?: { commands?: Array<{ command: string, title: string, category?: string }> } }} */
const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));

// 2. A fresh world: every folder code-server and Chromium write to lives in this run's temp folder.
const runDir = mkdtempSync(join(tmpdir(), 'slm-e2e-'));
const dirs = Object.fromEntries(
  ['userData', 'extensions', 'xdgConfig', 'xdgData', 'xdgCache', 'tmp', 'profile', 'home', 'workspace', 'dev'].map((name) => {
    const dir = join(runDir, name);
    mkdirSync(dir, { recursive: true });
    return [name, dir];
  }),
);
const screenshots = join(root, '.e2e/screenshots');
const logs = join(root, '.e2e/logs');
rmSync(logs, { recursive: true, force: true });
mkdirSync(screenshots, { recursive: true });
// Screenshots keep their names from run to run; a failure's from an earlier run would mislead.
for (const name of readdirSync(screenshots)) if (name.endsWith('-failed.png')) rmSync(join(screenshots, name));
mkdirSync(logs, { recursive: true });

// The extension as a user gets it: `npm run package`'s VSIX, installed with code-server's own
// `--install-extension`, so a packaging mistake fails here. The repository itself, under a name
// unique to this run, is the integration suite's extensionDevelopmentPath. Both paths are unique
// to this run, so this run's server processes are found by their command line.
say('packaging the VSIX (scripts/package.mjs)');
let vsix;
try {
  vsix = packageExtension({ log: (line) => say(`     package: ${line}`) });
} catch (error) {
  abort('package', /** @type {Error} */ (error).stack ?? String(error));
}
const install = spawnSync(
  codeServerBin,
  ['--install-extension', vsix, '--extensions-dir', dirs.extensions, '--user-data-dir', dirs.userData],
  {
    encoding: 'utf8',
    // The same private folders as the code-server run below: nothing is written to the home folder.
    env: {
      ...process.env,
      EXTENSIONS_GALLERY: '{}',
      XDG_CONFIG_HOME: dirs.xdgConfig,
      XDG_DATA_HOME: dirs.xdgData,
      XDG_CACHE_HOME: dirs.xdgCache,
      TMPDIR: dirs.tmp,
    },
  },
);
const extensionId = `${manifest.publisher}.${manifest.name}`;
const installedName = readdirSync(dirs.extensions).find((name) => name.startsWith(`${extensionId}-${manifest.version}`));
if (install.status !== 0 || !installedName)
  abort('install the VSIX', `code-server --install-extension ${vsix} failed:\n${install.stdout}\n${install.stderr}`);
const installedExtension = join(dirs.extensions, installedName);
say(`installed ${basename(vsix)} as ${installedName}`);
const devExtension = join(dirs.dev, manifest.name);
symlinkSync(root, devExtension);

let models;
try {
  models = await resolveModels(root, runDir);
} catch (error) {
  abort('models', /** @type {Error} */ (error).stack ?? String(error));
}
const { known, chat, broken } = models;
if (known) say(`known model: ${known.path} ("${known.name}"): ${JSON.stringify(known.prompt)} → ${JSON.stringify(known.continuation)}`);
else say(`no known model: ${models.missing}; the scenarios that need it are skipped`);
if (chat) say(`chat model: ${chat.path} ("${chat.name}")`);
else say(`no chat model: ${models.chatMissing}; the scenarios that need it are skipped`);
const baseSettings = { ...BASE_SETTINGS, ...(known ? { 'slmAssist.model.path': known.path } : {}) };
writeSettings(dirs.userData, baseSettings);

const env = { ...process.env };
for (const name of Object.keys(env)) {
  // Inside a VS Code terminal these would make code-server open files in that VS Code instead.
  if (name.startsWith('VSCODE_') || name === 'ELECTRON_RUN_AS_NODE') delete env[name];
}
Object.assign(env, {
  XDG_CONFIG_HOME: dirs.xdgConfig,
  XDG_DATA_HOME: dirs.xdgData,
  XDG_CACHE_HOME: dirs.xdgCache,
  TMPDIR: dirs.tmp,
  EXTENSIONS_GALLERY: '{}',
  SLM_E2E_REPORT: join(runDir, 'integration-report.json'),
  // The server's completion traces, which the integration suite reads through the extension's API.
  SLM_ASSIST_COMPLETION_TRACES: '1',
  ...(known ? { SLM_E2E_MODEL: known.path, SLM_E2E_PROMPT: known.prompt, SLM_E2E_CONTINUATION: known.continuation } : {}),
});

// The model catalog of this run: the known model, served by a mirror on 127.0.0.1 (lib/mirror.mjs).
const mirror = known
  ? await startMirror({ modelFile: known.path, catalogFile: join(runDir, 'catalog.json'), name: 'Known Test Model 1M' })
  : undefined;
if (mirror) env.SLM_ASSIST_CATALOG = join(runDir, 'catalog.json');

/** @type {CodeServer | undefined} */
let codeServer;
/** @type {Browser | undefined} */
let browser;
const stopAll = async () => {
  await browser?.context.close().catch(() => undefined);
  browser = undefined;
  await codeServer?.stop().catch((error) => say(`stopping code-server: ${error.message}`));
  await mirror?.close();
  codeServer = undefined;
};
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.once(signal, () => {
    say(`${signal}: stopping`);
    void stopAll().finally(() => {
      if (!keep) rmSync(runDir, { recursive: true, force: true });
      process.exit(130);
    });
  });
}

try {
  // 3. code-server and the browser.
  codeServer = await startCodeServer({
    bin: codeServerBin,
    port: await freePort(),
    userDataDir: dirs.userData,
    extensionsDir: dirs.extensions,
    workspace: dirs.workspace,
    env,
    logFile: join(logs, 'code-server.log'),
  });
  say(`code-server ${codeServer.url} (session ${codeServer.sid}), run folder ${runDir}`);
  browser = await launchBrowser({
    profileDir: dirs.profile,
    env: { ...env, HOME: dirs.home },
  });

  // 4. The integration suite inside the extension host.
  if (integration) {
    say('integration suite (extension host)');
    const suiteStarted = Date.now();
    const suite = await runIntegrationSuite({
      context: browser.context,
      codeServer,
      devExtension,
      workspace: dirs.workspace,
      reportFile: /** @type {string} */ (env.SLM_E2E_REPORT), // set above
      consoleLog: join(logs, 'integration-console.log'),
      timeoutMs: INTEGRATION_TIMEOUT_MS,
    });
    for (const result of suite) record(result);
    say(`integration suite took ${((Date.now() - suiteStarted) / 1000).toFixed(1)} s`);
  }

  // 5. Browser scenarios, each in a window of its own (a fresh extension host and server).
  for (const scenario of await loadScenarios()) {
    if (only && !only.includes(scenario.id)) continue;
    const title = `scenario ${scenario.id}: ${scenario.title}`;
    if (scenario.skip) record({ title, state: 'skipped', error: scenario.skip });
    else if (scenario.needs === 'known' && !known) record({ title, state: 'skipped', error: `needs the known model: ${models.missing}` });
    else if (scenario.needs === 'chat' && !chat) record({ title, state: 'skipped', error: `needs the chat model: ${models.chatMissing}` });
    else record(await runScenario(scenario, title));
  }

  record(
    browser.offHost.length === 0
      ? { title: 'air gap: the browser made no request off 127.0.0.1', state: 'passed' }
      : {
          title: 'air gap',
          state: 'failed',
          error: `${browser.offHost.length} request(s) off 127.0.0.1, blocked:\n${[...new Set(browser.offHost)].join('\n')}`,
        },
  );
} catch (error) {
  record({ title: 'e2e run', state: 'failed', error: /** @type {Error} */ (error).stack ?? String(error) });
} finally {
  await stopAll();
  // The extension host's logs, the extension's output channel among them.
  const vscodeLogs = join(dirs.userData, 'logs');
  if (existsSync(vscodeLogs)) cpSync(vscodeLogs, join(logs, 'vscode'), { recursive: true });
  if (keep) say(`kept ${runDir}`);
  else rmSync(runDir, { recursive: true, force: true });
  say(`screenshots in ${screenshots}, logs in ${logs}`);
  if (docsImages) {
    for (const [image, shot] of Object.entries(DOCS_IMAGES)) {
      if (existsSync(join(screenshots, shot))) cpSync(join(screenshots, shot), join(root, 'docs/images', image));
      else say(`no ${shot} for docs/images/${image}`);
    }
    say('copied the README images into docs/images');
  }
}
say(`whole run took ${((Date.now() - started) / 1000).toFixed(1)} s`);
finish();

/** @returns {Promise<Scenario[]>} */
async function loadScenarios() {
  const dir = join(root, 'test/e2e/scenarios');
  /** @type {Scenario[]} */
  const scenarios = [];
  for (const name of readdirSync(dir)
    .filter((n) => n.endsWith('.mjs'))
    .sort()) {
    const { default: exported } = await import(pathToFileURL(join(dir, name)).href);
    scenarios.push(...(Array.isArray(exported) ? exported : [exported]));
  }
  return scenarios;
}

/**
 * Runs one scenario in a new window with the base settings; never throws. Only called once
 * code-server and the browser run.
 * @param {Scenario} scenario @param {string} title @returns {Promise<Result>}
 */
async function runScenario(scenario, title) {
  const scenarioStarted = Date.now();
  // A scenario of Restricted Mode gets a code-server of its own with workspace trust on, a folder
  // nobody trusted yet, and its own user settings; the others share the run's.
  const own = scenario.workspaceTrust === 'untrusted' ? await startUntrusted(scenario.id) : undefined;
  const server = own?.codeServer ?? /** @type {CodeServer} */ (codeServer);
  const userData = own?.userData ?? dirs.userData;
  // Each scenario opens a folder of its own: a shared one would restore the editors an earlier
  // scenario left open (typed into, never saved), and a restored editor can take the front after
  // the scenario opened its file.
  const workspace = own?.workspace ?? join(dirs.workspace, scenario.id);
  mkdirSync(workspace, { recursive: true });
  const settings = own?.settings ?? baseSettings;
  writeSettings(userData, settings);
  /** @type {import('playwright-core').Page[]} */
  const pages = [];
  /** @type {string[]} */
  const consoleLines = [];
  /** @type {ScenarioContext} */
  const t = {
    model: known,
    chatModel: chat,
    mirror,
    broken,
    stateDir: join(userData, 'User', 'globalStorage', 'slm-assist.slm-assist'),
    /** How many requests off 127.0.0.1 the browser has made (and had blocked) so far in this run. */
    offHostCount: () => /** @type {Browser} */ (browser).offHost.length,
    codeServer: server,
    serverScript: join(installedExtension, 'dist/server/server.js'),
    /** Creates a file in the workspace and returns its path. */
    workspaceFile(name, content) {
      const file = join(workspace, name);
      mkdirSync(dirname(file), { recursive: true });
      writeFileSync(file, content);
      return file;
    },
    /** Merges `extra` into the base user settings (code-server picks the file up). */
    writeSettings(extra) {
      writeSettings(userData, { ...settings, ...extra });
    },
    /** Opens the workbench in a new page and waits until the extension is active. */
    async open() {
      const page = await /** @type {Browser} */ (browser).context.newPage();
      pages.push(page);
      page.on('dialog', (dialog) => void dialog.accept());
      page.on('console', (message) => consoleLines.push(`[${message.type()}] ${message.text()}`));
      await preparePage(page);
      await openWorkbench(page, { url: server.url, folder: workspace });
      return page;
    },
    async shot(name) {
      await pages.at(-1)?.screenshot({ path: join(screenshots, `${name}.png`) });
    },
    commandTitle(id) {
      const command = manifest.contributes?.commands?.find((c) => c.command === id);
      if (!command) throw new Error(`package.json contributes no command ${id}`);
      return command.category ? `${command.category}: ${command.title}` : command.title;
    },
    assert(condition, message) {
      if (!condition) throw new Error(message);
    },
    /** Polls `check` (for state outside the browser, such as a file on disk) until it holds. */
    async until(check, timeoutMs, describe) {
      const deadline = Date.now() + timeoutMs;
      while (!check()) {
        if (Date.now() > deadline) throw new Error(describe());
        await delay(100);
      }
    },
    log(line) {
      say(`     ${scenario.id}: ${line}`);
    },
  };
  let timer;
  try {
    /** @type {Promise<never>} */
    const timeout = new Promise((_, reject) => {
      timer = setTimeout(() => reject(new Error(`timed out after ${SCENARIO_TIMEOUT_MS / 1000} s`)), SCENARIO_TIMEOUT_MS);
    });
    await Promise.race([scenario.run(t), timeout]);
    return { title, state: 'passed', durationMs: Date.now() - scenarioStarted };
  } catch (error) {
    await pages
      .at(-1)
      ?.screenshot({ path: join(screenshots, `${scenario.id}-failed.png`) })
      .catch(() => undefined);
    return { title, state: 'failed', durationMs: Date.now() - scenarioStarted, error: /** @type {Error} */ (error).message };
  } finally {
    clearTimeout(timer);
    for (const page of pages) await closePage(page);
    writeFileSync(join(logs, `scenario-${scenario.id}-console.log`), consoleLines.join('\n'));
    await own?.codeServer.stop().catch((/** @type {Error} */ error) => say(`stopping the scenario's code-server: ${error.message}`));
  }
}

/**
 * A code-server with workspace trust on (no --disable-workspace-trust) and a new folder that opens in
 * Restricted Mode: the trust prompt is off, so nobody trusts it.
 * @param {string} id the scenario's id, for folder and log names
 */
async function startUntrusted(id) {
  const base = join(runDir, `untrusted-${id}`);
  const userData = join(base, 'userData');
  const workspace = join(base, 'workspace');
  for (const dir of [userData, workspace]) mkdirSync(dir, { recursive: true });
  const settings = {
    ...baseSettings,
    'security.workspace.trust.enabled': true,
    'security.workspace.trust.startupPrompt': 'never',
    'security.workspace.trust.banner': 'never',
  };
  writeSettings(userData, settings);
  const server = await startCodeServer({
    bin: codeServerBin,
    port: await freePort(),
    userDataDir: userData,
    extensionsDir: dirs.extensions,
    workspace,
    env,
    logFile: join(logs, `code-server-${id}.log`),
    workspaceTrust: true,
  });
  return { codeServer: server, userData, workspace, settings };
}
