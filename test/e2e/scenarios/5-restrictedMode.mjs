// @ts-check
import { readFileSync } from 'node:fs';
import { runCommand, STATUS_ITEM, waitForStatus } from '../lib/workbench.mjs';

/** @typedef {import('../lib/types.mjs').ScenarioContext} ScenarioContext */
/** @typedef {import('../lib/types.mjs').Scenario} Scenario */

/**
 * Scenario 5: a cloned repository's `.vscode/settings.json` points `slmAssist.model.path` at a file
 * the repository ships. In Restricted Mode (the folder is not trusted) the extension ignores it,
 * loads the model from the user's own settings, and the status tooltip says what Restricted Mode
 * turned off.
 * @type {Scenario}
 */
export default {
  id: '5',
  title: "Restricted Mode: a workspace's slmAssist.model.path is ignored; the user's model loads and the tooltip says why",
  needs: 'known',
  workspaceTrust: 'untrusted',
  /** @param {ScenarioContext} t */
  async run(t) {
    if (!t.model) throw new Error('scenario 5 needs the known model'); // the runner skips it without one
    // The file the repository would have llama.cpp parse: anything but the user's model.
    const shipped = t.workspaceFile('models/repo-model.gguf', readFileSync(t.broken, 'utf8'));
    t.workspaceFile('.vscode/settings.json', JSON.stringify({ 'slmAssist.model.path': shipped }, null, 2));
    t.workspaceFile('notes.md', '# A cloned repository\n');

    const page = await t.open();
    // The workbench says it is in Restricted Mode (the status bar's shield item).
    await page.locator('[id="status.workspaceTrust"]').first().waitFor({ timeout: 30_000 });
    await runCommand(page, t.commandTitle('slmAssist.loadModel'));
    const name = t.model.name;
    const label = await waitForStatus(page, `^(sparkle|warning)\\s+${name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')},`, 90_000);
    t.log(`status: ${JSON.stringify(label)}`);
    t.assert(!label.includes('repo-model.gguf'), `the status names the workspace's file: ${label}`);
    t.assert(label.includes('Restricted Mode: remote features are off'), `the tooltip does not say Restricted Mode is on: ${label}`);
    t.assert(
      label.includes('Ignored from this workspace: slmAssist.model.path'),
      `the tooltip does not name the ignored setting: ${label}`,
    );

    const toast = page.locator('.notification-toast .notification-list-item-message', { hasText: 'Restricted Mode' }).first();
    const message = await toast.innerText({ timeout: 15_000 });
    t.assert(/ignores slmAssist\.model\.path from this workspace in Restricted Mode/.test(message), `unexpected notification: ${message}`);
    await page.locator(STATUS_ITEM).hover();
    await page
      .locator('.workbench-hover, .monaco-hover')
      .first()
      .waitFor({ timeout: 10_000 })
      .catch(() => undefined);
    await t.shot('5-restricted-mode');
  },
};
