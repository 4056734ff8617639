#!/usr/bin/env node
// @ts-check
/**
 * `npm run test:vscode`: the extension-host integration suite (dist/test/integration) in desktop
 * VS Code through @vscode/test-electron, for machines that can download VS Code (or name one
 * with SLM_VSCODE_EXECUTABLE). Where nothing but the npm registry can be reached, the download
 * fails: use `npm run test:e2e`, which runs the same suite in code-server.
 *
 * Needs `npm run build` first, and a display on Linux (e.g. `xvfb-run -a npm run test:vscode`).
 * SLM_VSCODE_VERSION picks the VS Code version (default 1.100.3, the engine's minimum line).
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runTests } from '@vscode/test-electron';
import { BASE_SETTINGS } from './lib/codeServer.mjs';
import { resolveModels } from './lib/model.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '../..');
const testsPath = join(root, 'dist/test/integration/index.js');
for (const file of ['dist/client/extension.js', 'dist/server/server.js', 'dist/test/integration/index.js']) {
  if (!existsSync(join(root, file))) {
    console.error(`test:vscode: ${file} is missing: run \`npm run build\` first`);
    process.exit(1);
  }
}

const runDir = mkdtempSync(join(tmpdir(), 'slm-vscode-'));
const userData = join(runDir, 'userData');
const workspace = join(runDir, 'workspace');
mkdirSync(join(userData, 'User'), { recursive: true });
mkdirSync(workspace, { recursive: true });
const report = join(runDir, 'report.json');

let exitCode = 1;
try {
  const { known, missing } = await resolveModels(root, runDir);
  if (!known) console.log(`test:vscode: no known model (${missing}); the completion tests will be skipped`);
  // A desktop window is local: every setting, the extension's too, goes to the user settings.
  const settings = { ...BASE_SETTINGS, ...(known ? { 'slmAssist.model.path': known.path } : {}) };
  writeFileSync(join(userData, 'User', 'settings.json'), JSON.stringify(settings, null, 2));

  exitCode = await runTests({
    version: process.env.SLM_VSCODE_VERSION ?? '1.100.3',
    vscodeExecutablePath: process.env.SLM_VSCODE_EXECUTABLE || undefined,
    cachePath: join(root, '.vscode-test'),
    extensionDevelopmentPath: root,
    extensionTestsPath: testsPath,
    extensionTestsEnv: {
      SLM_E2E_REPORT: report,
      // The server's completion traces, which the integration suite reads through the extension's API.
      SLM_ASSIST_COMPLETION_TRACES: '1',
      ...(known ? { SLM_E2E_MODEL: known.path, SLM_E2E_PROMPT: known.prompt, SLM_E2E_CONTINUATION: known.continuation } : {}),
    },
    launchArgs: [
      workspace,
      '--user-data-dir',
      userData,
      '--extensions-dir',
      join(runDir, 'extensions'),
      // Only the extension under test runs.
      '--disable-extensions',
      '--disable-workspace-trust',
      '--skip-welcome',
      '--skip-release-notes',
    ],
  });
} catch (error) {
  const message = error instanceof Error ? error.message : String(error);
  console.error(`test:vscode: ${message}`);
  if (/ENOTFOUND|EAI_AGAIN|ECONNREFUSED|ETIMEDOUT|getaddrinfo|download/i.test(message)) {
    console.error('test:vscode: VS Code could not be downloaded here; `npm run test:e2e` runs the same suite in code-server.');
  }
} finally {
  if (existsSync(report)) {
    /** @type {{ results: Array<{ state: 'passed' | 'failed' | 'skipped' }> }} */
    const { results } = JSON.parse(readFileSync(report, 'utf8'));
    /** @param {'passed' | 'failed' | 'skipped'} state */
    const count = (state) => results.filter((r) => r.state === state).length;
    console.log(`${count('passed')} passed, ${count('failed')} failed${count('skipped') ? `, ${count('skipped')} skipped` : ''}`);
  }
  rmSync(runDir, { recursive: true, force: true });
}
process.exit(exitCode === 0 ? 0 : 1);
