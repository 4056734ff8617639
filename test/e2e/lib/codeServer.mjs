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
 */
export function writeSettings(userDataDir, settings) {
  const user = {};
  const machine = {};
  for (const [key, value] of Object.entries(settings)) (key.startsWith('slmAssist.') ? machine : user)[key] = value;
  for (const [folder, values] of [
    ['User', user],
    ['Machine', machine],
  ]) {
    mkdirSync(join(userDataDir, folder), { recursive: true });
    writeFileSync(join(userDataDir, folder, 'settings.json'), JSON.stringify(values, null, 2));
  }
}

/** A port on 127.0.0.1 that nothing listens on right now. */
export function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/**
 * Starts code-server in a session of its own (`detached` is setsid(2)), so that it, its extension
 * hosts and the language servers they fork can all be stopped by process group, and found by
 * session. Resolves when its log says `HTTP server listening`; rejects if it exits first.
 */
export async function startCodeServer({ bin, port, userDataDir, extensionsDir, workspace, env, logFile, timeoutMs = 60_000 }) {
  const args = [
    '--bind-addr',
    `127.0.0.1:${port}`,
    '--auth',
    'none',
    '--disable-telemetry',
    '--disable-update-check',
    '--disable-workspace-trust',
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
  const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  let output = '';
  await new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`code-server did not say "HTTP server listening" within ${timeoutMs} ms:\n${output}`)),
      timeoutMs,
    );
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
  // code-server has a session of its own, so it would outlive a runner that dies without its
  // `finally` (an uncaught error, process.exit): end the group on the way out regardless.
  const killOnExit = () => signalGroup(pgid, 'SIGKILL');
  process.once('exit', killOnExit);
  return {
    pid: child.pid,
    /** The session id: code-server's pid, since it called setsid. */
    sid: child.pid,
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
      for (const pid of sessionPids(child.pid)) {
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

function signalGroup(pgid, signal) {
  try {
    process.kill(-pgid, signal);
  } catch (error) {
    if (error.code !== 'ESRCH') throw error;
  }
}

/** Pids of the live processes in a session (zombies excluded). */
export function sessionPids(sid) {
  return pgrep(['-s', String(sid)]);
}

/**
 * Pids in session `sid` whose whole command line runs the script `scriptPath`, e.g.
 * `/usr/bin/node /tmp/slm-e2e-x/extensions/slm-assist.slm-assist-0.1.0/dist/server/server.js --node-ipc …`.
 */
export function scriptPids(sid, scriptPath) {
  const escaped = scriptPath.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return pgrep(['-s', String(sid), '-f', `^\\S*node\\S* ${escaped}( |$)`]);
}

function pgrep(args) {
  try {
    return execFileSync('pgrep', args, { encoding: 'utf8' })
      .split('\n')
      .filter(Boolean)
      .map(Number)
      .filter((pid) => !isZombie(pid));
  } catch (error) {
    if (error.status === 1) return []; // none matched
    throw error;
  }
}

function isZombie(pid) {
  try {
    return execFileSync('ps', ['-o', 'stat=', '-p', String(pid)], { encoding: 'utf8' })
      .trim()
      .startsWith('Z');
  } catch {
    return true; // gone
  }
}

/** Resolves after `ms`; with `unref`, the pending timer does not keep the process alive. */
export function delay(ms, { unref = false } = {}) {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    if (unref) timer.unref();
  });
}
