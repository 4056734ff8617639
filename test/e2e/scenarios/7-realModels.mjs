// @ts-check
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { answerFrame, answerState, openFile, runCommand, typeText, waitForGhostTextMatching } from '../lib/workbench.mjs';

/** @typedef {import('../lib/types.mjs').ScenarioContext} ScenarioContext */
/** @typedef {import('../lib/types.mjs').Scenario} Scenario */

const root = join(dirname(fileURLToPath(import.meta.url)), '../../..');
const pins = JSON.parse(readFileSync(join(root, 'test/real/models.json'), 'utf8')).models;
const dir = process.env.SLM_REAL_MODELS_DIR ?? join(root, '.models/real');
const gemma = join(dir, pins.gemma.file);
const smollm2 = join(dir, pins.smollm2.file);

/** Why the scenarios cannot run here, or undefined. */
function missing() {
  const absent = [gemma, smollm2].filter((file) => !existsSync(file));
  return absent.length ? `no real model at ${absent.join(', ')}: run \`npm run models:real\`` : undefined;
}

/** Skipped without the models, except with SLM_REQUIRE_REAL_MODELS=1 (CI), where they must run and fail. */
function skipReason() {
  return process.env.SLM_REQUIRE_REAL_MODELS === '1' ? undefined : missing();
}

function requireModels() {
  const why = missing();
  if (why) throw new Error(why);
}

const SOURCE = `/** A cache that forgets the least recently used entry once it holds more than \`capacity\`. */
export class LruCache<K, V> {
  private readonly entries = new Map<K, V>();

  constructor(private readonly capacity: number) {}

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
    if (this.entries.size > this.capacity) this.entries.delete(this.entries.keys().next().value as K);
  }
}
`;

/**
 * Scenario 7: real weights in the workbench. Ghost text from Gemma 3 270M (a base model, completing
 * from the text before the cursor), and Summarize File streaming a real summary from
 * SmolLM2-135M-Instruct, a chat model with its own template (the Gemma file is the base model,
 * without a chat template: see the README).
 * @type {Scenario[]}
 */
export default [
  {
    id: '7a',
    title: 'real weights: ghost text from Gemma 3 270M',
    get skip() {
      return skipReason();
    },
    /** @param {ScenarioContext} t */
    async run(t) {
      requireModels();
      t.writeSettings({ 'slmAssist.model.path': gemma, 'slmAssist.model.threads': 2 });
      t.workspaceFile('add.ts', '');
      const page = await t.open();
      await openFile(page, 'add.ts');
      await typeText(page, 'function add(a: number, b: number): number {\n  return');
      const ghost = await waitForGhostTextMatching(page, /a \+ b/, 120_000);
      t.log(`ghost text: ${JSON.stringify(ghost)}`);
      await t.shot('7a-real-ghost-text');
    },
  },
  {
    id: '7b',
    title: 'real weights: Summarize File streams a real summary from SmolLM2-135M-Instruct',
    get skip() {
      return skipReason();
    },
    /** @param {ScenarioContext} t */
    async run(t) {
      requireModels();
      t.writeSettings({ 'slmAssist.model.path': gemma, 'slmAssist.chatModel.path': smollm2, 'slmAssist.model.threads': 2 });
      t.workspaceFile('lruCache.ts', SOURCE);
      const page = await t.open();
      await openFile(page, 'lruCache.ts');
      await runCommand(page, t.commandTitle('slmAssist.summarizeFile'));
      const frame = await answerFrame(page, 60_000);
      await frame.waitForFunction(() => document.querySelectorAll('#footer li').length > 0, undefined, { timeout: 120_000 });
      const done = await answerState(frame);
      t.log(`${done.title}: ${JSON.stringify(done.text)}; ${JSON.stringify(done.footer)}`);
      t.assert(done.title.includes('lruCache.ts'), `the panel answers for another file: ${done.title}`);
      t.assert(/least recently used|evict/i.test(done.text), `not a summary of the cache: ${done.text}`);
      t.assert(!/<\|im_(start|end)\|>/.test(done.text), `a template token leaked: ${done.text}`);
      t.assert(done.footer[0]?.startsWith('Answered by ') && done.footer[0].endsWith('(local)'), `footer: ${done.footer[0]}`);
      await t.shot('7b-real-summary');
    },
  },
];
