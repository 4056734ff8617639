// @ts-check
import { chromium } from 'playwright-core';

/**
 * The browser side: Debian's Chromium, headless, with every request that is not to 127.0.0.1
 * blocked and counted, and helpers that drive the VS Code workbench the way a user does.
 */

const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** @typedef {import('playwright-core').Page} Page */
/** @typedef {import('playwright-core').Frame} Frame */
/** @typedef {{ context: import('playwright-core').BrowserContext, offHost: string[] }} Browser */

/** The id VS Code gives the extension's status bar item: `<extension id>.<item id>`. */
export const STATUS_ITEM = '[id="slm-assist.slm-assist.slmAssistStatus"]';

/**
 * Launches Chromium with a fresh profile. `offHost` lists every request to a host other than
 * 127.0.0.1: each is aborted, and any at all fails the run.
 * @param {{ profileDir: string, env: NodeJS.ProcessEnv }} options
 * @returns {Promise<Browser>}
 */
export async function launchBrowser({ profileDir, env }) {
  const context = await chromium.launchPersistentContext(profileDir, {
    executablePath: '/usr/bin/chromium',
    headless: true,
    args: CHROMIUM_ARGS,
    env,
    viewport: { width: 1280, height: 800 },
    // The runner handles Ctrl+C itself: it stops code-server and removes its folders too.
    handleSIGINT: false,
    handleSIGTERM: false,
    handleSIGHUP: false,
  });
  /** @type {string[]} */
  const offHost = [];
  /** @param {string} url */
  const isLocal = (url) => {
    const { protocol, hostname } = new URL(url);
    return !/^(https?|wss?):$/.test(protocol) || hostname === '127.0.0.1';
  };
  await context.route('**/*', (route) => {
    const url = route.request().url();
    if (isLocal(url)) return route.continue();
    offHost.push(url);
    return route.abort('blockedbyclient');
  });
  // WebSockets are not routed (proxying the workbench's own socket would slow it); count them.
  context.on('page', (page) => watchWebSockets(page, isLocal, offHost));
  for (const page of context.pages()) watchWebSockets(page, isLocal, offHost);

  // A count of zero proves nothing unless the blocker sees requests: send it one (TEST-NET-1).
  const probeUrl = 'http://192.0.2.1/air-gap-probe';
  const probe = await context.newPage();
  await probe.goto(probeUrl, { timeout: 10_000 }).catch(() => undefined);
  await probe.close();
  if (!offHost.includes(probeUrl))
    throw new Error('the request blocker did not see the probe request; the air-gap count would mean nothing');
  offHost.length = 0;
  return { context, offHost };
}

/** @param {Page} page @param {(url: string) => boolean} isLocal @param {string[]} offHost */
function watchWebSockets(page, isLocal, offHost) {
  page.on('websocket', (socket) => {
    if (!isLocal(socket.url())) offHost.push(socket.url());
  });
}

/**
 * Prepares a page before it loads the workbench:
 *  - `window.__slmStatusHistory` records every text/tooltip the SLM Assist status bar item shows,
 *    in order, from the first moment. Its aria-label is "<text>, <tooltip>", with codicons
 *    written as their names (`loading~spin  SLM, SLM Assist: starting the server…`);
 *  - `window.__slmGhostText()` reads the ghost text (inline suggestion) of the focused editor:
 *    the part on the cursor's line (`.ghost-text-decoration`) then the lines below it
 *    (`.ghost-text` view zones), with VS Code's non-breaking spaces made plain.
 * @param {Page} page
 */
export async function preparePage(page) {
  await page.addInitScript((selector) => {
    /** @type {string[]} */
    const history = [];
    window.__slmStatusHistory = history;
    const record = () => {
      const item = document.querySelector(selector);
      if (!item) return;
      const label = item.getAttribute('aria-label') ?? '';
      if (history[history.length - 1] !== label) history.push(label);
    };
    new MutationObserver(record).observe(document, { subtree: true, childList: true, attributes: true, attributeFilter: ['aria-label'] });

    window.__slmGhostText = () => {
      const editor =
        document.querySelector('.editor-instance .monaco-editor.focused') ?? document.querySelector('.editor-instance .monaco-editor');
      if (!editor) return '';
      /** @param {string | null} text */
      const plain = (text) => (text ?? '').replace(/\u00a0/g, ' ');
      const inline = [...editor.querySelectorAll('.ghost-text-decoration')].map((e) => plain(e.textContent)).join('');
      const below = [...editor.querySelectorAll('.ghost-text .view-line')].map((e) => plain(e.textContent));
      return below.length ? [inline, ...below].join('\n') : inline;
    };
  }, STATUS_ITEM);
}

/**
 * The status bar item's aria-label right now ("" when absent).
 * @param {Page} page
 */
export async function statusLabel(page) {
  return (
    (await page
      .locator(STATUS_ITEM)
      .getAttribute('aria-label', { timeout: 1000 })
      .catch(() => null)) ?? ''
  );
}

/**
 * Waits until the status item's aria-label satisfies `pattern` (a RegExp source), returns it.
 * @param {Page} page @param {string} pattern @returns {Promise<string>}
 */
export async function waitForStatus(page, pattern, timeoutMs = 60_000) {
  try {
    const handle = await page.waitForFunction(
      ({ selector, pattern }) => {
        const label = document.querySelector(selector)?.getAttribute('aria-label') ?? '';
        return new RegExp(pattern).test(label) ? label : false;
      },
      { selector: STATUS_ITEM, pattern },
      { timeout: timeoutMs },
    );
    // waitForFunction resolves on a truthy value only: the label, never `false`.
    return /** @type {Promise<string>} */ (handle.jsonValue());
  } catch (error) {
    throw new Error(
      `the status bar did not match /${pattern}/ within ${timeoutMs} ms; it shows ${JSON.stringify(await statusLabel(page))}`,
      { cause: error },
    );
  }
}

/**
 * Waits until the recorded status history, from entry `from` on, shows labels matching each of
 * `patterns` (RegExp sources) in that order; returns the matching labels.
 * @param {Page} page @param {string[]} patterns @param {{ from?: number, timeoutMs?: number }} [options]
 * @returns {Promise<string[]>}
 */
export async function waitForStatusSequence(page, patterns, { from = 0, timeoutMs = 60_000 } = {}) {
  try {
    const handle = await page.waitForFunction(
      ({ patterns, from }) => {
        /** @type {string[]} */
        const found = [];
        let next = 0;
        for (const label of (window.__slmStatusHistory ?? []).slice(from)) {
          if (next < patterns.length && new RegExp(patterns[next]).test(label)) {
            found.push(label);
            next++;
          }
        }
        return next === patterns.length ? found : false;
      },
      { patterns, from },
      { timeout: timeoutMs },
    );
    // waitForFunction resolves on a truthy value only: the labels, never `false`.
    return /** @type {Promise<string[]>} */ (handle.jsonValue());
  } catch (error) {
    const history = (await statusHistory(page).catch(() => [])).slice(from);
    throw new Error(`the status bar did not show ${patterns.join(' then ')} within ${timeoutMs} ms; it showed ${JSON.stringify(history)}`, {
      cause: error,
    });
  }
}

/** @param {Page} page @returns {Promise<string[]>} */
export async function statusHistory(page) {
  return page.evaluate(() => [...(window.__slmStatusHistory ?? [])]);
}

/**
 * Opens the workbench on `folder` and waits until the extension's language server runs: its
 * status item shows a state from the server rather than "starting the server…". Until then the
 * server has not registered its inline completion provider, and keystrokes would go unanswered.
 * `payload` is the workbench's test payload (extension development and tests paths), if any.
 * @param {Page} page
 * @param {{ url: string, folder: string, payload?: unknown, waitForServer?: boolean, timeoutMs?: number }} options
 */
export async function openWorkbench(page, { url, folder, payload, waitForServer = true, timeoutMs = 60_000 }) {
  let target = `${url}/?folder=${encodeURIComponent(folder)}`;
  if (payload) target += `&payload=${encodeURIComponent(JSON.stringify(payload))}`;
  await page.goto(target);
  await page.locator('.monaco-workbench').waitFor({ timeout: timeoutMs });
  if (waitForServer) await waitForStatus(page, '^(?!loading~spin\\s+SLM, SLM Assist: (starting|waiting for) the server)\\S', timeoutMs);
}

/**
 * Opens a workspace file with Quick Open (Ctrl+P) and waits until its editor has focus.
 * @param {Page} page @param {string} name
 */
export async function openFile(page, name) {
  const active = page.locator('.tab.active', { hasText: name });
  // On a busy machine the workbench may still be restoring the editors of an earlier window when
  // the file opens, and the restored editor takes the front; a user would click the tab.
  for (let attempt = 1; ; attempt++) {
    await page.keyboard.press('Control+P');
    const input = page.locator('.quick-input-widget input');
    await input.waitFor();
    await input.fill(name);
    await page.locator('.quick-input-list .monaco-list-row', { hasText: name }).first().waitFor();
    await page.keyboard.press('Enter');
    try {
      await active.waitFor({ timeout: 15_000 });
      break;
    } catch (error) {
      const tab = page.locator('.tab', { hasText: name }).first();
      if (await tab.isVisible()) {
        await tab.click();
        await active.waitFor({ timeout: 15_000 });
        break;
      }
      if (attempt === 3) throw error;
      await page.keyboard.press('Escape');
    }
  }
  await page.locator('.editor-instance .monaco-editor.focused').waitFor();
}

/**
 * Runs a command by its title from the Command Palette, as a user would.
 * @param {Page} page @param {string} title
 */
export async function runCommand(page, title) {
  await page.keyboard.press('Control+Shift+P');
  const input = page.locator('.quick-input-widget input');
  await input.waitFor();
  await input.fill(`>${title}`);
  const row = page.locator('.quick-input-list .monaco-list-row', { hasText: title }).first();
  await row.waitFor();
  await page.keyboard.press('Enter');
  await page.locator('.quick-input-widget').waitFor({ state: 'hidden' });
}

/**
 * The ghost text in the focused editor right now (see `preparePage`).
 * @param {Page} page
 */
export async function ghostText(page) {
  return page.evaluate(() => window.__slmGhostText());
}

/**
 * Waits for ghost text that equals `expected`.
 * @param {Page} page @param {string} expected
 */
export async function waitForGhostText(page, expected, timeoutMs = 60_000) {
  try {
    await page.waitForFunction((expected) => window.__slmGhostText() === expected, expected, { timeout: timeoutMs });
  } catch (error) {
    const shown = await ghostText(page).catch(() => '?');
    throw new Error(`ghost text ${JSON.stringify(expected)} did not appear within ${timeoutMs} ms; it shows ${JSON.stringify(shown)}`, {
      cause: error,
    });
  }
}

/**
 * Waits until the ghost text matches `pattern` (a real model's words are not known exactly);
 * resolves with it.
 * @param {Page} page @param {RegExp} pattern @param {number} [timeoutMs]
 * @returns {Promise<string>}
 */
export async function waitForGhostTextMatching(page, pattern, timeoutMs = 60_000) {
  try {
    const handle = await page.waitForFunction(
      ([source, flags]) => {
        const text = window.__slmGhostText();
        return new RegExp(source, flags).test(text) ? text : '';
      },
      [pattern.source, pattern.flags],
      { timeout: timeoutMs },
    );
    return /** @type {string} */ (await handle.jsonValue());
  } catch (error) {
    const shown = await ghostText(page).catch(() => '?');
    throw new Error(`no ghost text matching ${pattern} within ${timeoutMs} ms; it shows ${JSON.stringify(shown)}`, { cause: error });
  }
}

/**
 * Closes a workbench page the way closing a browser tab does, running its unload handlers so the
 * workbench shuts its extension host down (and with it the language server); a plain close would
 * leave the host waiting for a reconnection.
 * @param {Page} page
 */
export async function closePage(page) {
  if (page.isClosed()) return;
  const closed = new Promise((resolve) => page.once('close', resolve));
  await page.close({ runBeforeUnload: true }).catch(() => undefined);
  await Promise.race([closed, new Promise((resolve) => setTimeout(resolve, 5000).unref())]);
  if (!page.isClosed()) await page.close().catch(() => undefined);
}

/**
 * Types `text` into the focused editor at a person's speed (80 ms a key). A burst of keys with no
 * pause, typed within a second of opening a file, sometimes left VS Code asking no inline
 * completion at all (the server got the edits but no request); typing at this speed never did.
 * @param {Page} page @param {string} text
 */
export async function typeText(page, text) {
  await page.keyboard.type(text, { delay: 80 });
}

/**
 * The frame that shows the SLM Assist answer panel (`media/answer.js`). A webview lives two
 * iframes down: the workbench's `iframe.webview` holds VS Code's host page, whose `#active-frame`
 * holds the extension's HTML. Waits until that HTML's `#answer` exists.
 * @param {Page} page @returns {Promise<Frame>}
 */
export async function answerFrame(page, timeoutMs = 30_000) {
  const answer = page.frameLocator('iframe.webview').frameLocator('#active-frame').locator('#answer');
  await answer.waitFor({ state: 'attached', timeout: timeoutMs });
  const frame = await (await answer.elementHandle()).ownerFrame();
  if (!frame) throw new Error('the answer panel has no frame');
  return frame;
}

/**
 * What the answer panel shows right now.
 * @typedef {{ title: string, status: string, text: string, footer: string[], phase: string, stopDisabled: boolean | null }} AnswerState
 */

/**
 * What the answer panel shows right now: title, status line, answer text, footer lines, phase.
 * @param {Frame} frame @returns {Promise<AnswerState>}
 */
export async function answerState(frame) {
  return frame.evaluate(() => ({
    title: document.getElementById('title')?.textContent ?? '',
    status: document.getElementById('status')?.textContent ?? '',
    text: document.getElementById('answer')?.textContent ?? '',
    footer: [...document.querySelectorAll('#footer li')].map((li) => li.textContent ?? ''),
    phase: document.body.dataset.phase ?? '',
    stopDisabled: /** @type {HTMLButtonElement | null} */ (document.getElementById('stop'))?.disabled ?? null,
  }));
}

/**
 * Resolves when the element's CSS animations and transitions (a notification sliding in) have
 * finished, so a screenshot shows it in place.
 * @param {import('playwright-core').Locator} locator
 */
export async function settled(locator) {
  await locator.evaluate((element) =>
    Promise.all(element.getAnimations({ subtree: true }).map((animation) => animation.finished)).then(() => undefined),
  );
}
