// @ts-check
import { basename } from 'node:path';
import { openFile, runCommand, STATUS_ITEM, statusHistory, waitForStatus } from '../lib/workbench.mjs';

/** @typedef {import('../lib/types.mjs').ScenarioContext} ScenarioContext */
/** @typedef {import('../lib/types.mjs').Scenario} Scenario */

/**
 * Scenario 2: the status bar item tells what the model is doing, and says which file is broken.
 * @type {Scenario[]}
 */
export default [
  {
    id: '2a',
    title: "status bar: 'Load Model' shows the model loading, then the model's name",
    needs: 'known',
    /** @param {ScenarioContext} t */
    async run(t) {
      if (!t.model) throw new Error('scenario 2a needs the known model'); // the runner skips it without one
      const page = await t.open();
      await runCommand(page, t.commandTitle('slmAssist.loadModel'));
      // "$(sparkle) NAME" ($(warning) when the server has a remark about the model).
      const name = t.model.name;
      await waitForStatus(page, `^(sparkle|warning)\\s+${escapeRegExp(name)},`, 90_000);
      const text = (await page.locator(STATUS_ITEM).textContent())?.trim();
      t.assert(text === name, `the status bar shows ${JSON.stringify(text)}, not the model's name ${JSON.stringify(name)}`);
      const history = await statusHistory(page);
      t.log(`status bar history: ${history.map((label) => JSON.stringify(label.split(',')[0])).join(' → ')}`);
      // Between the start and the name: the server's own "loading" state ("$(loading~spin) SLM: loading …").
      const ready = history.findIndex((label) => /^(sparkle|warning)\s/.test(label));
      t.assert(
        history.slice(0, ready).some((label) => /^loading~spin\s+SLM: loading/.test(label)),
        'the status bar never said the model was loading before it showed its name',
      );
      await t.shot('2a-model-ready');
    },
  },
  {
    id: '2b',
    title: 'status bar: a file that is not a model shows an error naming the file',
    /** @param {ScenarioContext} t */
    async run(t) {
      t.writeSettings({ 'slmAssist.model.path': t.broken });
      const page = await t.open();
      await runCommand(page, t.commandTitle('slmAssist.loadModel'));
      const label = await waitForStatus(page, '^error\\s', 60_000);
      // The aria-label is "<text>, <tooltip>": the tooltip must name the file the user set.
      t.assert(label.includes(basename(t.broken)), `the status bar tooltip does not name ${basename(t.broken)}: ${JSON.stringify(label)}`);
      const toast = page.locator('.notification-toast .notification-list-item-message', { hasText: 'SLM Assist' }).first();
      const message = await toast.innerText({ timeout: 10_000 }).catch(() => undefined);
      t.log(`error message: ${JSON.stringify(message ?? '(none shown)')}`);
      await page.locator(STATUS_ITEM).hover();
      await page
        .locator('.workbench-hover, .monaco-hover')
        .first()
        .waitFor({ timeout: 10_000 })
        .catch(() => undefined);
      await t.shot('2b-broken-model');
    },
  },
  {
    id: '2c',
    title: 'status bar: a click opens the menu; "Turn inline completions off" turns them off',
    needs: 'known',
    /** @param {ScenarioContext} t */
    async run(t) {
      if (!t.model) throw new Error('scenario 2c needs the known model'); // the runner skips it without one
      t.workspaceFile('menu.ts', 'const answer = 42;\n');
      const page = await t.open();
      await openFile(page, 'menu.ts');
      await runCommand(page, t.commandTitle('slmAssist.loadModel'));
      await waitForStatus(page, '^(sparkle|warning)\\s', 90_000);
      await page.locator(STATUS_ITEM).click();
      const rows = page.locator('.quick-input-widget .quick-input-list .monaco-list-row');
      await rows.first().waitFor({ timeout: 10_000 });
      const labels = (await rows.allInnerTexts()).map((text) => text.replace(/\s+/g, ' ').trim());
      t.log(`menu: ${JSON.stringify(labels)}`);
      for (const expected of [
        'Turn inline completions off',
        'Turn them off for typescript',
        'Change the model file',
        'Summarize this file',
        'Show the log',
        'Restart the server',
      ]) {
        t.assert(
          labels.some((label) => label.includes(expected)),
          `the menu has no "${expected}": ${JSON.stringify(labels)}`,
        );
      }
      await t.shot('2c-status-menu');
      await page
        .locator('.quick-input-widget .quick-input-list .monaco-list-row', { hasText: 'Turn inline completions off' })
        .first()
        .click();
      await waitForStatus(page, 'SLM: inline completions off', 20_000);
    },
  },
];

/** @param {string} text */
function escapeRegExp(text) {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
