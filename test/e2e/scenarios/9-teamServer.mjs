// @ts-check
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startTeamServer } from '../lib/teamServer.mjs';
import { openFile, typeText, waitForGhostText, waitForStatus } from '../lib/workbench.mjs';

/** @typedef {import('../lib/types.mjs').ScenarioContext} ScenarioContext */
/** @typedef {import('../lib/types.mjs').Scenario} Scenario */

const root = join(dirname(fileURLToPath(import.meta.url)), '../../..');

/**
 * Scenario 9: completions from a team server. A server in llama-server's format on 127.0.0.1
 * (test/support/llamaServer.ts, running the known model) is set in the user's settings; ghost text
 * comes from it. Then it goes down: ghost text comes from the local model, and after repeated
 * failures the status bar says the team server is unreachable.
 * @type {Scenario}
 */
export default {
  id: '9',
  title: 'team server: ghost text comes from it; with it down, from the local model, and the status says so',
  needs: 'known',
  /** @param {ScenarioContext} t */
  async run(t) {
    if (!t.model) throw new Error('scenario 9 needs the known model'); // the runner skips it without one
    const { prompt, continuation } = t.model;
    const team = await startTeamServer(root, t.model.path);
    try {
      t.writeSettings({ 'slmAssist.teamServer.url': team.url, 'slmAssist.teamServer.latencyBudgetMs': 5_000 });
      t.workspaceFile('team.ts', '');
      const page = await t.open();
      await openFile(page, 'team.ts');
      await typeText(page, prompt);
      await waitForGhostText(page, continuation, 90_000);
      const served = team.requests.filter((r) => r.path === '/completion');
      t.assert(served.length > 0, 'the team server got no completion request');
      t.log(`team server: ${served.length} request(s) to /completion, the last prompt ${served.at(-1)?.tokens?.length} tokens`);
      await t.shot('9-team-ghost-text');

      await team.close();
      t.log('team server stopped');
      // Each new line asks again; the local model answers each time.
      for (let i = 0; i < 2; i++) {
        await page.keyboard.press('Escape');
        await page.keyboard.press('End');
        await page.keyboard.press('Enter');
        await typeText(page, prompt);
        await waitForGhostText(page, continuation, 90_000);
      }
      const status = await waitForStatus(page, 'team server 127\\.0\\.0\\.1:\\d+ unreachable, using the local model', 30_000);
      t.log(`status: ${JSON.stringify(status)}`);
      await t.shot('9-team-down-local');
    } finally {
      await team.close().catch(() => undefined);
    }
  },
};
