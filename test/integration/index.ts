import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type MochaType from 'mocha';

/**
 * The extension-host test runner: VS Code loads this module (`extensionTestsPath`) inside the
 * extension host and awaits `run()`; a rejection makes the host exit with code 1. The same module
 * serves @vscode/test-electron (`npm run test:vscode`) and code-server (`npm run test:e2e`, which
 * passes it in the workbench URL's `payload`).
 *
 * Environment (all optional):
 *  - `SLM_E2E_REPORT`: a file to write each test's result to, as JSON, for the e2e runner's count;
 *  - `SLM_E2E_GREP`: run only the tests whose full title matches this regular expression;
 *  - the model variables read by `helpers.ts`.
 */

/** One test's outcome, as written to `SLM_E2E_REPORT`. */
export interface TestResult {
  title: string;
  state: 'passed' | 'failed' | 'skipped';
  durationMs?: number;
  error?: string;
}

export async function run(): Promise<void> {
  // mocha is ESM; a dynamic import works on every Node an extension host runs on, where
  // require() of ESM needs Node 20.19 or later (Electron's Node may be older).
  const { default: Mocha } = (await import('mocha')) as { default: typeof MochaType };
  const mocha = new Mocha({ ui: 'bdd', color: false, timeout: 120_000, reporter: 'spec' });
  if (process.env.SLM_E2E_GREP) mocha.grep(new RegExp(process.env.SLM_E2E_GREP));
  for (const name of readdirSync(__dirname).sort()) {
    if (name.endsWith('.test.js')) mocha.addFile(join(__dirname, name));
  }

  const results: TestResult[] = [];
  const failures = await new Promise<number>((resolve) => {
    const runner = mocha.run(resolve);
    runner.on('pass', (test) => results.push({ title: test.fullTitle(), state: 'passed', durationMs: test.duration }));
    runner.on('pending', (test) => results.push({ title: test.fullTitle(), state: 'skipped' }));
    // Also fires for failing hooks, whose tests then never run: each counts as one failure.
    runner.on('fail', (test, error: Error) =>
      results.push({ title: test.fullTitle(), state: 'failed', durationMs: test.duration, error: error.stack ?? String(error) }),
    );
  });

  const report = process.env.SLM_E2E_REPORT;
  if (report) writeFileSync(report, JSON.stringify({ failures, results }, null, 2));
  if (failures > 0) throw new Error(`${failures} integration test(s) failed.`);
}
