// @ts-check
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { closePage, openWorkbench } from './workbench.mjs';

/** @typedef {import('./types.mjs').Result} Result */

/**
 * Runs the extension-host integration suite (dist/test/integration/index.js) inside the
 * code-server workbench: the workbench URL's `payload` names the extension under development and
 * the tests module, the extension host runs `run()`, and the workbench reports the exit code
 * through `window.codeAutomationExit`. Each mocha test's outcome comes from the JSON report the
 * runner writes to `SLM_E2E_REPORT` (set in code-server's environment, which extension hosts
 * inherit).
 *
 * @param {{ context: import('playwright-core').BrowserContext, codeServer: import('./codeServer.mjs').CodeServer, devExtension: string, workspace: string, reportFile: string, consoleLog: string, timeoutMs: number }} options
 * @returns {Promise<Result[]>}
 */
export async function runIntegrationSuite({ context, codeServer, devExtension, workspace, reportFile, consoleLog, timeoutMs }) {
  const testsPath = `${devExtension}/dist/test/integration/index.js`;
  if (!existsSync(testsPath)) {
    return [{ title: 'integration suite', state: 'failed', error: 'dist/test/integration/index.js is missing: run `npm run build` first' }];
  }
  /** @param {string} path */
  const remote = (path) => `vscode-remote://127.0.0.1:${codeServer.port}${path}`;
  const payload = [
    ['extensionDevelopmentPath', remote(devExtension)],
    ['extensionTestsPath', remote(testsPath)],
  ];
  const page = await context.newPage();
  /** @type {string[]} */
  const lines = [];
  page.on('console', (message) => lines.push(message.text()));
  page.on('dialog', (dialog) => void dialog.accept());
  let exitCode;
  let timer;
  try {
    /** @type {Promise<number>} */
    const exited = new Promise((resolve) => void page.exposeFunction('codeAutomationExit', (/** @type {number} */ code) => resolve(code)));
    /** @type {Promise<never>} */
    const timeout = new Promise((_, reject) => {
      timer = setTimeout(() => reject(new Error(`the integration suite did not finish within ${timeoutMs / 1000} s`)), timeoutMs);
    });
    await openWorkbench(page, { url: codeServer.url, folder: workspace, payload, waitForServer: false });
    exitCode = await Promise.race([exited, timeout]);
  } catch (error) {
    return [{ title: 'integration suite', state: 'failed', error: /** @type {Error} */ (error).message }];
  } finally {
    clearTimeout(timer);
    writeFileSync(consoleLog, lines.join('\n'));
    await closePage(page);
  }

  if (!existsSync(reportFile)) {
    return [
      {
        title: 'integration suite',
        state: 'failed',
        error: `the extension host exited with code ${exitCode} and wrote no report; see ${consoleLog}`,
      },
    ];
  }
  /** @type {{ results: Result[] }} */
  const { results } = JSON.parse(readFileSync(reportFile, 'utf8'));
  const named = results.map((result) => ({ ...result, title: `integration: ${result.title}` }));
  if (exitCode !== 0 && !named.some((result) => result.state === 'failed')) {
    named.push({ title: 'integration suite', state: 'failed', error: `the extension host exited with code ${exitCode}` });
  }
  return named;
}
