// @ts-check
import { answerFrame, answerState, openFile, runCommand } from '../lib/workbench.mjs';

/** @typedef {import('../lib/types.mjs').ScenarioContext} ScenarioContext */
/** @typedef {import('../lib/types.mjs').Scenario} Scenario */
/** @typedef {import('../lib/workbench.mjs').AnswerState} AnswerState */
/** @typedef {import('../lib/workbench.mjs').Frame} Frame */

/**
 * Tokens the answer may have: half a minute of streaming and more (never reached: Stop comes
 * first), and with the prompt (about 400 tokens) well inside the 4096-token context, so the file
 * is summarized in one piece.
 */
const MAX_TOKENS = 1000;
/** How long the answer must stay unchanged after the server's reply (see below). */
const QUIET_MS = 1500;
/** Characters the answer must grow by before Stop: a few words. */
const GROWTH = 40;

const SOURCE = `/** A small cache that forgets the oldest entry when it is full. */
export class LruCache<K, V> {
  private readonly entries = new Map<K, V>();

  constructor(private readonly capacity: number) {
    if (capacity < 1) throw new RangeError('capacity must be at least 1');
  }

  get(key: K): V | undefined {
    const value = this.entries.get(key);
    if (value === undefined) return undefined;
    this.entries.delete(key);
    this.entries.set(key, value);
    return value;
  }

  set(key: K, value: V): void {
    this.entries.delete(key);
    this.entries.set(key, value);
    if (this.entries.size > this.capacity) {
      const oldest = this.entries.keys().next().value as K;
      this.entries.delete(oldest);
    }
  }
}
`;

/**
 * Scenario 3: "SLM Assist: Summarize File" from the Command Palette opens the answer panel beside
 * the editor and streams the answer into it; Stop stops it mid-way: the status line says
 * "Stopped.", the server answers with what it had (incomplete, fewer tokens than allowed) and the
 * text grows no more.
 *
 * The chat model is a random-weight model shaped like Qwen2.5 Coder 0.5B (a separate
 * `chatModel.path`; the known model answers chat prompts with nothing): greedy decoding on random
 * weights never ends an answer by itself and writes visible words ("wyeRac caizsnj wye wye …") at
 * about 30 tokens/s on one thread: time enough to see the text grow and press Stop.
 * @type {Scenario}
 */
export default {
  id: '3',
  title: "'Summarize File' streams the answer into the panel; Stop stops it",
  needs: 'chat',
  /** @param {ScenarioContext} t */
  async run(t) {
    if (!t.chatModel) throw new Error('scenario 3 needs the chat model'); // the runner skips it without one
    t.writeSettings({
      'slmAssist.chatModel.path': t.chatModel.path,
      'slmAssist.summary.maxTokens': MAX_TOKENS,
      'slmAssist.model.threads': 1,
    });
    const offHostBefore = t.offHostCount();
    t.workspaceFile('lruCache.ts', SOURCE);
    const page = await t.open();
    await openFile(page, 'lruCache.ts');
    const started = Date.now();
    const since = () => `${((Date.now() - started) / 1000).toFixed(1)} s`;
    await runCommand(page, t.commandTitle('slmAssist.summarizeFile'));

    // The panel opens beside the editor, titled after the file.
    await page.locator('.tab', { hasText: 'SLM Assist' }).waitFor({ timeout: 30_000 });
    const frame = await answerFrame(page);
    await waitInPanel(frame, () => document.getElementById('title')?.textContent !== '', 10_000, 'the panel shows no title');
    const opened = await answerState(frame);
    t.assert(
      opened.title === 'Summary of lruCache.ts',
      `the panel's title is ${JSON.stringify(opened.title)}, not "Summary of lruCache.ts"`,
    );

    // Streaming: text appears, then more of it.
    await waitInPanel(frame, () => (document.getElementById('answer')?.textContent ?? '').length > 0, 60_000, 'no answer text appeared');
    const first = await answerState(frame);
    t.log(`first text after ${since()}: ${first.text.length} characters, status ${JSON.stringify(first.status)}`);
    // Growing: it gets longer, here by a few words, so the screenshot shows some.
    await waitInPanel(
      frame,
      (length) => (document.getElementById('answer')?.textContent ?? '').length >= length,
      30_000,
      `the answer did not grow from ${first.text.length} characters to ${first.text.length + GROWTH} before Stop was pressed`,
      first.text.length + GROWTH,
    );
    const streaming = await answerState(frame);
    t.log(`growing: ${streaming.text.length} characters after ${since()}`);
    t.assert(streaming.phase === 'streaming' && streaming.status === 'Writing…', `while streaming the panel says ${describe(streaming)}`);
    t.assert(streaming.stopDisabled === false, 'the Stop button is disabled while the answer streams');
    await t.shot('3-summary-streaming');

    // Stop.
    const atStop = await answerState(frame);
    await frame.locator('#stop').click();
    t.log(`pressed Stop at ${atStop.text.length} characters, after ${since()}`);
    await waitInPanel(
      frame,
      () => document.getElementById('status')?.textContent === 'Stopped.',
      10_000,
      'the status line never said "Stopped."',
    );
    // The server's reply ends the request: the footer says who answered. No partial result of
    // this request can follow its reply.
    await waitInPanel(
      frame,
      () => document.querySelectorAll('#footer li').length > 0,
      30_000,
      'the footer never said who answered after Stop',
    );
    const stopped = await answerState(frame);
    t.log(`after the server's reply (${since()}): ${stopped.text.length} characters, ${JSON.stringify(stopped.footer)}`);
    t.assert(
      stopped.phase === 'stopped' && stopped.status === 'Stopped.',
      `after Stop and the server's reply the panel says ${describe(stopped)}`,
    );
    t.assert(stopped.stopDisabled === true, 'the Stop button is still enabled after Stop');
    const model = `Answered by ${t.chatModel.name} (local)`;
    t.assert(stopped.footer[0] === model, `the footer's first line is ${JSON.stringify(stopped.footer[0])}, not ${JSON.stringify(model)}`);
    t.assert(
      stopped.footer.includes('Incomplete: the answer stopped early'),
      `the footer does not say the answer is incomplete: ${JSON.stringify(stopped.footer)}`,
    );
    const tokens = Number(/^(\d+) tokens\b/.exec(stopped.footer[1] ?? '')?.[1]);
    t.assert(
      tokens > 0 && tokens < MAX_TOKENS,
      `the server wrote ${stopped.footer[1]}: Stop should have ended it before ${MAX_TOKENS} tokens`,
    );
    // The text so far stays (the server's reply may carry the few tokens written before it saw the cancel).
    t.assert(stopped.text.startsWith(atStop.text), 'the text after Stop does not begin with the text shown when Stop was pressed');

    // "Grows no more", observed: streaming added text every few milliseconds (about 250 tokens a
    // second); watch the answer for a bounded 1.5 s and require no change at all.
    const changed = await frame.evaluate(
      (ms) =>
        new Promise((resolve) => {
          const answer = document.getElementById('answer');
          const observer = new MutationObserver(() => {
            observer.disconnect();
            resolve(true);
          });
          // The panel's #answer exists: answerFrame waited for it.
          observer.observe(/** @type {HTMLElement} */ (answer), { childList: true, characterData: true, subtree: true });
          setTimeout(() => {
            observer.disconnect();
            resolve(false);
          }, ms);
        }),
      QUIET_MS,
    );
    const after = await answerState(frame);
    t.assert(
      !changed && after.text === stopped.text,
      `the answer changed after Stop and the server's reply: ${stopped.text.length} → ${after.text.length} characters`,
    );
    await t.shot('3-summary-stopped');
    t.assert(t.offHostCount() === offHostBefore, `the browser requested ${t.offHostCount() - offHostBefore} URL(s) off 127.0.0.1`);
  },
};

/**
 * Waits until `predicate(arg)`, run in the panel's frame, holds; fails with `message` and what the panel shows.
 * @param {Frame} frame @param {(arg: number) => unknown} predicate @param {number} timeoutMs @param {string} message @param {number} [arg]
 */
async function waitInPanel(frame, predicate, timeoutMs, message, arg) {
  try {
    // A predicate that reads `arg` is always given one.
    await frame.waitForFunction(/** @type {(arg: number | undefined) => unknown} */ (predicate), arg, { timeout: timeoutMs, polling: 50 });
  } catch (error) {
    const state = await answerState(frame).catch(() => undefined);
    throw new Error(`${message} within ${timeoutMs} ms; the panel shows ${state ? describe(state) : '(unreadable)'}`, { cause: error });
  }
}

/** @param {AnswerState} state */
function describe(state) {
  const text =
    state.text.length > 60 ? `${JSON.stringify(state.text.slice(0, 60))}… (${state.text.length} characters)` : JSON.stringify(state.text);
  return `phase ${state.phase}, status ${JSON.stringify(state.status)}, text ${text}, footer ${JSON.stringify(state.footer)}`;
}
