// @ts-check
import { readFileSync } from 'node:fs';
import { openFile, typeText, waitForGhostText } from '../lib/workbench.mjs';

/** @typedef {import('../lib/types.mjs').ScenarioContext} ScenarioContext */
/** @typedef {import('../lib/types.mjs').Scenario} Scenario */

/**
 * Scenario 1: the user types, sees the model's suggestion as ghost text, takes it with Tab and saves.
 * @type {Scenario}
 */
export default {
  id: '1',
  title: 'typing the prompt shows the known continuation as ghost text; Tab accepts, Ctrl+S saves it',
  needs: 'known',
  /** @param {ScenarioContext} t */
  async run(t) {
    if (!t.model) throw new Error('scenario 1 needs the known model'); // the runner skips it without one
    const { prompt, continuation } = t.model;
    const file = t.workspaceFile('completion.ts', '');
    const page = await t.open();
    await openFile(page, 'completion.ts');
    await typeText(page, prompt);
    await waitForGhostText(page, continuation, 90_000);
    await t.shot('1-ghost-text');
    await page.keyboard.press('Tab');
    await page.keyboard.press('Control+S');
    // A read right as the editor saves can see the file empty: poll until it holds the text.
    const expected = prompt + continuation;
    await t.until(
      () => readFileSync(file, 'utf8') === expected,
      10_000,
      () => `${file} holds ${JSON.stringify(readFileSync(file, 'utf8'))}, not ${JSON.stringify(expected)}`,
    );
    await t.shot('1-accepted-and-saved');
  },
};
