// @ts-check
import { scriptPids } from '../lib/codeServer.mjs';
import { openFile, typeText, waitForGhostText, waitForStatusSequence } from '../lib/workbench.mjs';

/** @typedef {import('../lib/types.mjs').ScenarioContext} ScenarioContext */
/** @typedef {import('../lib/types.mjs').Scenario} Scenario */

/**
 * Scenario 4: the language server dies (SIGKILL, as the kernel's OOM killer would); the extension
 * starts it again by itself and completions work again, without reloading the window.
 * @type {Scenario}
 */
export default {
  id: '4',
  title: 'killing the server: the extension restarts it and completions work again without a reload',
  needs: 'known',
  /** @param {ScenarioContext} t */
  async run(t) {
    if (!t.model) throw new Error('scenario 4 needs the known model'); // the runner skips it without one
    const { prompt, continuation } = t.model;
    t.workspaceFile('crash.ts', '');
    // Servers of windows closed earlier may still be exiting: this window's is the new one.
    const earlier = new Set(scriptPids(t.codeServer.sid, t.serverScript));
    const page = await t.open();
    let reloads = 0;
    page.on('framenavigated', (frame) => {
      if (frame === page.mainFrame()) reloads++;
    });

    await openFile(page, 'crash.ts');
    await typeText(page, prompt);
    await waitForGhostText(page, continuation, 90_000);
    const servers = scriptPids(t.codeServer.sid, t.serverScript).filter((pid) => !earlier.has(pid));
    t.assert(servers.length === 1, `expected one server process for this window, found ${JSON.stringify(servers)}`);
    const [victim] = servers;

    const from = (await page.evaluate(() => window.__slmStatusHistory.length)) - 1;
    process.kill(victim, 'SIGKILL');
    t.log(`killed the server, pid ${victim}`);
    // The status bar says it restarts, then shows the model again.
    await waitForStatusSequence(page, ['^sync~spin\\s', '^(?!sync~spin|loading~spin|error)'], { from, timeoutMs: 30_000 });
    await t.shot('4-restarted');
    const restarted = scriptPids(t.codeServer.sid, t.serverScript).filter((pid) => !earlier.has(pid));
    t.assert(restarted.length === 1 && restarted[0] !== victim, `expected one new server process, found ${JSON.stringify(restarted)}`);
    t.log(`the server runs again, pid ${restarted[0]}`);

    await page.keyboard.press('Escape');
    await page.keyboard.press('Control+A');
    await page.keyboard.press('Backspace');
    await typeText(page, prompt);
    await waitForGhostText(page, continuation, 90_000);
    await t.shot('4-completes-again');
    t.assert(reloads === 0, `the window reloaded ${reloads} time(s)`);
  },
};
