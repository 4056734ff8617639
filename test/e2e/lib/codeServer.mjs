// @ts-check
import { execFileSync, spawn } from 'node:child_process';
import { createWriteStream, mkdirSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';

/** Settings for a quiet, deterministic workbench (see /work/shared/notes/real-vscode-e2e.md). */
export const BASE_SETTINGS = {
  // Restored editors from an earlier window break Quick Open.
  'files.hotExit': 'off',
  // Ctrl+S is the scenarios' save.
  'files.autoSave': 'off',
  'editor.inlineSuggest.enabled': true,
  // No suggest widget: it would take Tab away from the inline suggestion.
  'editor.quickSuggestions': { other: false, comments: false, strings: false },
  'editor.suggestOnTriggerCharacters': false,
  'editor.autoClosingBrackets': 'never',
  'editor.autoClosingQuotes': 'never',
  'telemetry.telemetryLevel': 'off',
  'workbench.startupEditor': 'none',
  'workbench.tips.enabled': false,
  'update.mode': 'none',
  'extensions.autoUpdate': false,
  'extensions.autoCheckUpdates': false,
  'chat.disableAIFeatures': true,
  'git.enabled': false,
  'security.workspace.trust.enabled': false,
  // The tests check what the model writes, not how fast: a slow first token on a busy 2-core
  // machine must not cut the suggestion short (the default budget is 3 s).
  'slmAssist.inlineCompletion.timeBudgetMs': 30_000,
};

/**
 * Writes the settings every window reads (code-server watches both files). The workbench's own
 * settings go to the user settings; the extension's (`slmAssist.*`) to the remote machine
 * settings, `Machine/settings.json`: code-server windows are remote windows, and there VS Code
 * drops `machine`/`machine-overridable` settings such as `slmAssist.model.path` from the user
 * settings once the extension's schema is known (the first unrelated settings change loses them).
 * @param {string} userDataDir @param {Record<string, unknown>} settings
 */
export function writeSettings(userDataDir, settings) {
  /** @type {Record<string, unknown>} */
  const user = {};
  /** @type {Record<string, unknown>} */
  const machine = {};
  for (const [key, value] of Object.entries(settings)) (key.startsWith('slmAssist.') ? machine : user)[key] = value;
  for (const [folder, values] of /** @type {Array<[string, Record<string, unknown>]>} */ ([
    ['User', user],
    ['Machine', machine],
  ])) {
    mkdirSync(join(userDataDir, folder), { recursive: true });
    writeFileSync(join(userDataDir, folder, 'settings.json'), JSON.stringify(values, null, 2));
  }
}

/**
 * A port on 127.0.0.1 that nothing listens on right now.
 * @returns {Promise<number>}
 */
export function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      // Listening on a TCP port: the address is an AddressInfo, not a pipe's name.
      const { port } = /** @type {import('node:net').AddressInfo} */ (server.address());
      server.close(() => resolve(port));
    });
  });
}

/**
 * Starts code-server in a session of its own (`detached` is setsid(2)), so that it, its extension
 * hosts and the language servers they fork can all be stopped by process group, and found by
 * session. Resolves when its log says `HTTP server listening`; rejects if it exits first.
 * @param {{ bin: string, port: number, userDataDir: string, extensionsDir: string, workspace: string, env: NodeJS.ProcessEnv, logFile: string, timeoutMs?: number, workspaceTrust?: boolean }} options
 */
export async function startCodeServer({
  bin,
  port,
  userDataDir,
  extensionsDir,
  workspace,
  env,
  logFile,
  timeoutMs = 60_000,
  workspaceTrust = false,
}) {
  const args = [
    '--bind-addr',
    `127.0.0.1:${port}`,
    '--auth',
    'none',
    '--disable-telemetry',
    '--disable-update-check',
    // Workspace trust is off (every folder trusted) unless a scenario tests Restricted Mode.
    ...(workspaceTrust ? [] : ['--disable-workspace-trust']),
    '--disable-getting-started-override',
    '--user-data-dir',
    userDataDir,
    '--extensions-dir',
    extensionsDir,
    // Debug level puts the server's per-completion lines into the extension's log (.e2e/logs).
    '--log',
    'debug',
    // Extra flags for debugging a run, e.g. SLM_E2E_CODE_SERVER_ARGS='--log trace'.
    ...(process.env.SLM_E2E_CODE_SERVER_ARGS?.split(' ').filter(Boolean) ?? []),
    workspace,
  ];
  const child = spawn(bin, args, { env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  const log = createWriteStream(logFile);
  /** @type {Promise<{ code: number | null, signal: NodeJS.Signals | null }>} */
  const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  let output = '';
  await new Promise((/** @type {(value: void) => void} */ resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`code-server did not say "HTTP server listening" within ${timeoutMs} ms:\n${output}`)),
      timeoutMs,
    );
    /** @param {Buffer} chunk */
    const onData = (chunk) => {
      log.write(chunk);
      output += chunk.toString();
      if (output.includes('HTTP server listening')) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    void exited.then(({ code, signal }) => {
      clearTimeout(timer);
      reject(new Error(`code-server exited (${signal ?? code}) before listening:\n${output}`));
    });
  });

  const pgid = child.pid;
  // Only a child that failed to start has no pid, and that one rejected above ('error').
  if (pgid === undefined) throw new Error('code-server started without a pid');
  // code-server has a session of its own, so it would outlive a runner that dies without its
  // `finally` (an uncaught error, process.exit): end the group on the way out regardless.
  const killOnExit = () => signalGroup(pgid, 'SIGKILL');
  process.once('exit', killOnExit);
  return {
    pid: pgid,
    /** The session id: code-server's pid, since it called setsid. */
    sid: pgid,
    url: `http://127.0.0.1:${port}`,
    port,
    /** Stops the whole process group (SIGTERM, then SIGKILL), then anything left in the session. */
    async stop() {
      process.off('exit', killOnExit);
      signalGroup(pgid, 'SIGTERM');
      const stopped = await Promise.race([exited.then(() => true), delay(5000, { unref: true }).then(() => false)]);
      if (!stopped) signalGroup(pgid, 'SIGKILL');
      await Promise.race([exited, delay(2000, { unref: true })]);
      // A process that left the group (none should) is still in the session: end those by pid.
      for (const pid of sessionPids(pgid)) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // already gone
        }
      }
      log.end();
    },
  };
}

/** @typedef {Awaited<ReturnType<typeof startCodeServer>>} CodeServer */

/** @param {number} pgid @param {NodeJS.Signals} signal */
function signalGroup(pgid, signal) {
  try {
    process.kill(-pgid, signal);
  } catch (error) {
    if (/** @type {NodeJS.ErrnoException} */ (error).code !== 'ESRCH') throw error;
  }
}

/**
 * Pids of the live processes in a session (zombies excluded).
 * @param {number} sid @returns {number[]}
 */
export function sessionPids(sid) {
  return pgrep(['-s', String(sid)]);
}

/**
 * Pids in session `sid` whose whole command line runs the script `scriptPath`, e.g.
 * `/usr/bin/node /tmp/slm-e2e-x/extensions/slm-assist.slm-assist-0.1.0/dist/server/server.js --node-ipc …`.
 * @param {number} sid @param {string} scriptPath @returns {number[]}
 */
export function scriptPids(sid, scriptPath) {
  const escaped = scriptPath.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return pgrep(['-s', String(sid), '-f', `^\\S*node\\S* ${escaped}( |$)`]);
}

/** @param {string[]} args @returns {number[]} */
function pgrep(args) {
  try {
    return execFileSync('pgrep', args, { encoding: 'utf8' })
      .split('\n')
      .filter(Boolean)
      .map(Number)
      .filter((pid) => !isZombie(pid));
  } catch (error) {
    // execFileSync's error carries the exit status.
    if (/** @type {{ status?: number | null }} */ (error).status === 1) return []; // none matched
    throw error;
  }
}

/** @param {number} pid */
function isZombie(pid) {
  try {
    return execFileSync('ps', ['-o', 'stat=', '-p', String(pid)], { encoding: 'utf8' })
      .trim()
      .startsWith('Z');
  } catch {
    return true; // gone
  }
}

/**
 * Resolves after `ms`; with `unref`, the pending timer does not keep the process alive.
 * @param {number} ms @param {{ unref?: boolean }} [options] @returns {Promise<void>}
 */
export function delay(ms, { unref = false } = {}) {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    if (unref) timer.unref();
  });
}
