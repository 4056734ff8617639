// @ts-check
import { openFile, runCommand, settled, typeText, waitForGhostText, waitForStatus } from '../lib/workbench.mjs';

/** @typedef {import('../lib/types.mjs').ScenarioContext} ScenarioContext */
/** @typedef {import('../lib/types.mjs').Scenario} Scenario */

/** @param {string} text */
const escape = (text) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * Scenario 6: from nothing to a first suggestion, as a user on an air-gapped site with a mirror
 * gets there: the first-run offer, Download, the progress notification, then ghost text from the
 * downloaded model; and Manage Models listing it.
 * @type {Scenario[]}
 */
export default [
  {
    id: '6a',
    title: 'first start without a model: the offer downloads the model from the mirror with progress, and ghost text comes from it',
    needs: 'known',
    /** @param {ScenarioContext} t */
    async run(t) {
      if (!t.model || !t.mirror) throw new Error('scenario 6a needs the known model and its mirror'); // the runner skips it without one
      const { prompt, continuation } = t.model;
      t.writeSettings({ 'slmAssist.model.path': '', 'slmAssist.models.mirror': t.mirror.origin });
      t.workspaceFile('first.ts', '');
      const before = t.mirror.requests.length;
      const page = await t.open();

      const offer = page.locator('.notification-toast', { hasText: 'needs a model for completions' }).first();
      await offer.waitFor({ timeout: 60_000 });
      const text = await offer.innerText();
      t.log(`offer: ${JSON.stringify(text.replace(/\s+/g, ' '))}`);
      t.assert(t.mirror.requests.length === before, 'something was downloaded before the user clicked');
      t.assert(/from 127\.0\.0\.1:\d+/.test(text), `the offer does not name the mirror: ${text}`);
      await settled(offer);
      await t.shot('6a-first-run-offer');
      await offer
        .locator('.monaco-button', { hasText: /^Download / })
        .first()
        .click();

      const progress = page.locator('.notification-toast', { hasText: 'downloading' }).first();
      await progress.waitFor({ timeout: 20_000 });
      await page
        .locator('.notification-toast', { hasText: /KiB of|MiB of/ })
        .first()
        .waitFor({ timeout: 20_000 });
      await t.shot('6a-download-progress');

      await waitForStatus(page, `^(sparkle|warning)\\s+${escape(t.model.name)},`, 90_000);
      const fetched = t.mirror.requests.slice(before);
      t.log(`mirror requests: ${JSON.stringify(fetched)}`);
      t.assert(fetched.length >= 1 && fetched.every((r) => r.startsWith('GET /slm-assist/')), `unexpected mirror requests: ${fetched}`);

      await openFile(page, 'first.ts');
      await typeText(page, prompt);
      await waitForGhostText(page, continuation, 90_000);
      await t.shot('6a-ghost-text-from-download');
    },
  },
  {
    id: '6b',
    title: 'Manage Models lists the catalog with size, memory and what is installed',
    needs: 'known',
    /** @param {ScenarioContext} t */
    async run(t) {
      if (!t.mirror) throw new Error('scenario 6b needs the mirror');
      t.writeSettings({ 'slmAssist.models.mirror': t.mirror.origin });
      const page = await t.open();
      await runCommand(page, t.commandTitle('slmAssist.manageModels'));
      const rows = page.locator('.quick-input-widget .quick-input-list .monaco-list-row');
      await rows.first().waitFor({ timeout: 20_000 });
      const labels = (await rows.allInnerTexts()).map((row) => row.replace(/\s+/g, ' ').trim());
      t.log(`rows: ${JSON.stringify(labels)}`);
      const known = labels.find((row) => row.includes('Known Test Model 1M'));
      t.assert(
        known && /for completions · 1\.6 MB · needs 0\.3 GiB of memory/.test(known),
        `no catalog row with size and memory: ${known}`,
      );
      t.assert(
        labels.some((row) => row.includes('Import Model File')),
        'no Import Model File… row',
      );
      const title = await page.locator('.quick-input-widget .quick-input-title').innerText();
      t.assert(/GiB of memory free, \d+ cores/.test(title), `the title does not say what this machine has: ${title}`);
      await t.shot('6b-manage-models');
      await page.keyboard.press('Escape');
    },
  },
];
