import assert from 'node:assert/strict';
import type { BackgroundTrace, CompletionTrace } from '../../common/protocol';
import { ensureModel, knownContinuations } from '../modelgen';
import { endOf, LspClient, testSettings } from './harness';

/**
 * Moves, file switches and accepts: the quick first answer with the full window filled in the
 * background, the cached places that make returning to a file cheap, and the prefetched suggestion
 * that answers accept-then-next from the cache. Known-output model: its answer depends only on the
 * prompt's last token, so a quick window answers as the full one does.
 */

/** A file long enough that its full window (about 1,100 tokens here) is far beyond the quick one. */
function longFile(name: string, tail: string): string {
  const lines = Array.from({ length: 80 }, (_, i) => `const ${name}${i} = compute(${i}, "${name}-item-${i}");`);
  return `${lines.join('\n')}\n${tail}`;
}

const A = 'file:///work/a.ts';
const B = 'file:///work/b.ts';
const C = 'file:///work/c.ts';

describe('moves and file switches: quick first answers, cached places, prefetch', function () {
  let known: string;
  before(() => {
    known = ensureModel('known');
  });

  async function start(model: Record<string, unknown> = {}, inline: Record<string, unknown> = {}): Promise<LspClient> {
    const base = testSettings(known, inline) as { model: Record<string, unknown> };
    return LspClient.start({ initializationOptions: { ...base, model: { ...base.model, ...model } } });
  }

  /** Asks for a completion at the end of `text` and returns the answer with its trace. */
  async function ask(server: LspClient, uri: string, text: string): Promise<{ items: string[]; trace: CompletionTrace }> {
    await server.replace(uri, text);
    const before = server.traces.length;
    const items = await server.complete(uri, endOf(text));
    const trace = await server.waitFor(() => server.traces[before], 'the request trace');
    return { items, trace };
  }

  /** The next background trace of `kind` after index `from`. */
  function background(server: LspClient, kind: BackgroundTrace['kind'], from: number): Promise<BackgroundTrace> {
    return server.waitFor(() => server.backgroundTraces.slice(from).find((t) => t.kind === kind), `a background ${kind}`);
  }

  /**
   * Opens a long file at `A` and asks at its end (a quick answer), then waits for the prefetch that
   * comes before the fill. Returns the file's text and the background traces' count before it.
   */
  async function coldAnswerAndPrefetch(server: LspClient, name: string): Promise<{ text: string; mark: number }> {
    const text = longFile(name, 'console');
    await server.open(A, text);
    const mark = server.backgroundTraces.length;
    await ask(server, A, text);
    // The prefetch of the suggestion after '.log(' comes first; the fill waits for idle time after it.
    assert.equal((await background(server, 'prefetch', mark)).cancelled, false);
    return { text, mark };
  }

  /** Opens `uri`, answers once (quick), waits for the fill, and checks the next keystroke is served from the full window. */
  async function visit(server: LspClient, uri: string, name: string): Promise<string> {
    const text = longFile(name, 'console');
    await server.open(uri, text);
    const mark = server.backgroundTraces.length;
    const first = await ask(server, uri, text);
    assert.deepEqual(first.items, [knownContinuations.console]);
    assert.equal(first.trace.window, 'quick', `the first request at ${uri} answers from the quick window: ${JSON.stringify(first.trace)}`);
    assert.ok(first.trace.generation!.evaluatedTokens < 250, `quick prompt evaluated ${first.trace.generation!.evaluatedTokens} tokens`);
    const fill = await background(server, 'fill', mark);
    assert.equal(fill.cancelled, false);
    assert.ok(fill.evaluatedTokens! > 800, `the fill evaluated ${fill.evaluatedTokens} tokens`);
    const typed = `${text}.log(1);\nwhile (`;
    const next = await ask(server, uri, typed);
    assert.deepEqual(next.items, [knownContinuations['while (']]);
    assert.equal(next.trace.window, 'full');
    assert.ok(
      next.trace.generation!.evaluatedTokens <= 64,
      `after the fill, a keystroke evaluated ${next.trace.generation!.evaluatedTokens} tokens`,
    );
    return typed;
  }

  it('answers a cold file from a short window, fills the full one while idle, and serves the next keystroke from it', async function () {
    const server = await start();
    try {
      await visit(server, A, 'alpha');
    } finally {
      await server.stop();
    }
  });

  it('returning to a recent file evaluates only what was typed: two places by default, three; with one place it starts over', async function () {
    for (const places of [undefined, 3, 1]) {
      const server = await start(places === undefined ? {} : { cachedPlaces: places });
      try {
        const a = await visit(server, A, 'alpha');
        await visit(server, B, 'beta');
        if (places === 3) await visit(server, C, 'gamma');
        // Back to A: one more line typed where the user was.
        const back = await ask(server, A, `${a}true)\nconsole`);
        assert.deepEqual(back.items, [knownContinuations.console]);
        const evaluated = back.trace.generation!.evaluatedTokens;
        if (places !== 1) {
          assert.equal(back.trace.window, 'full', 'A is still cached');
          assert.ok(evaluated <= 64, `returning to A evaluated ${evaluated} tokens`);
        } else {
          // The test could fail the other way: with one place A was evicted by B.
          assert.equal(back.trace.window, 'quick', 'with one place, A was evicted');
        }
      } finally {
        await server.stop();
      }
    }
  });

  it("other files: a snippet of B goes before A's window only once the user is idle there, read beside A's place, which it then replaces, so B stays cached", async function () {
    // 32 lines of these files are about 600 tokens.
    const server = await start({}, { otherFilesTokens: 1024 });
    try {
      const a = await visit(server, A, 'alpha');
      // B's fill reads B's window alone (as fast as without other files); A's snippet is read
      // after it, while the user is still idle, and B's prompts carry it from then on.
      const mark0 = server.backgroundTraces.length;
      const b = await visit(server, B, 'beta');
      const first = await server.waitFor(
        () => server.backgroundTraces.slice(mark0).find((t) => t.kind === 'otherFiles' && t.uri === B && !t.cancelled),
        "the read of A's snippet into B",
      );
      assert.ok(first.evaluatedTokens! > 1_000, `A's snippet and B's window: ${first.evaluatedTokens} tokens`);
      const inB = await ask(server, B, `${b}true)\nconsole`);
      assert.equal(inB.trace.otherFiles, 1, JSON.stringify(inB.trace));
      assert.ok(
        inB.trace.generation!.evaluatedTokens <= 64,
        `with A's snippet B evaluated ${inB.trace.generation!.evaluatedTokens} tokens`,
      );
      // Back to A: its prompt is still built without B, as its cached place holds it.
      const mark = server.backgroundTraces.length;
      const back = await ask(server, A, `${a}true)\nconsole`);
      assert.equal(back.trace.otherFiles, 0);
      assert.equal(back.trace.window, 'full');
      assert.ok(back.trace.generation!.evaluatedTokens <= 64, `returning to A evaluated ${back.trace.generation!.evaluatedTokens} tokens`);
      // Idle: B's snippet is read in front of A's window in the background.
      const refresh = await server.waitFor(
        () => server.backgroundTraces.slice(mark).find((t) => t.kind === 'otherFiles' && t.uri === A && !t.cancelled),
        "the read of B's snippet into A",
      );
      assert.ok(refresh.evaluatedTokens! > 1_000, `the new context and A's window: ${refresh.evaluatedTokens} tokens`);
      const withB = await ask(server, A, `${a}true)\nconsole.log(2);\nwhile (`);
      assert.deepEqual(withB.items, [knownContinuations['while (']]);
      assert.equal(withB.trace.otherFiles, 1);
      assert.ok(
        withB.trace.generation!.evaluatedTokens <= 64,
        `after the refresh A evaluated ${withB.trace.generation!.evaluatedTokens} tokens`,
      );
      assert.ok(withB.trace.generation!.promptTokens > back.trace.generation!.promptTokens + 400, "the prompt holds B's snippet");
      // A's refresh replaced A's own place: B's is still there.
      const backToB = await ask(server, B, `${b}true)\nconsole.log(3);\nwhile (`);
      assert.equal(backToB.trace.window, 'full');
      assert.ok(
        backToB.trace.generation!.evaluatedTokens <= 64,
        `returning to B evaluated ${backToB.trace.generation!.evaluatedTokens} tokens`,
      );
    } finally {
      await server.stop();
    }
  });

  it('a place the editor reports as viewed is a snippet for the other files', async function () {
    const server = await start({}, { otherFilesTokens: 1024 });
    try {
      // B is only looked at (the extension sends slmAssist/viewed), never typed in.
      await server.open(B, longFile('beta', ''));
      await server.connection.sendNotification('slmAssist/viewed', { textDocument: { uri: B }, line: 40 });
      const text = 'function add(a, b) {';
      await server.open(A, text);
      const mark = server.backgroundTraces.length;
      const first = await ask(server, A, text);
      assert.equal(first.trace.otherFiles, 0);
      const refresh = await background(server, 'otherFiles', mark);
      assert.equal(refresh.cancelled, false);
      const second = await ask(server, A, `${text}\n`);
      assert.equal(second.trace.otherFiles, 1, JSON.stringify(second.trace));
      assert.ok(second.trace.generation!.evaluatedTokens <= 8, `evaluated ${second.trace.generation!.evaluatedTokens}`);
    } finally {
      await server.stop();
    }
  });

  it('a keystroke during the fill stops it between two batches, and the fill resumes where it stopped', async function () {
    const server = await start();
    try {
      const { text, mark } = await coldAnswerAndPrefetch(server, 'delta');
      // The next keystroke lands while the fill waits or runs.
      const second = await ask(server, A, `${text}x`);
      assert.equal(second.trace.window, 'quick');
      const stopped = await background(server, 'fill', mark);
      assert.equal(stopped.cancelled, true, 'the keystroke stopped the first fill');
      const resumed = await background(server, 'fill', server.backgroundTraces.indexOf(stopped) + 1);
      assert.equal(resumed.cancelled, false);
      const third = await ask(server, A, `${text}.log(1);\nwhile (`);
      assert.equal(third.trace.window, 'full');
      assert.deepEqual(third.items, [knownContinuations['while (']]);
    } finally {
      await server.stop();
    }
  });

  it('closing the document stops the background work for it', async function () {
    const server = await start();
    try {
      const { mark } = await coldAnswerAndPrefetch(server, 'epsilon');
      // The fill waits 250 ms of idle time first: the close lands before it reads anything.
      await server.close(A);
      const fill = await background(server, 'fill', mark);
      assert.equal(fill.cancelled, true);
      assert.equal(fill.evaluatedTokens, undefined);
    } finally {
      await server.stop();
    }
  });

  it('prefetches the suggestion after the one shown: accepting it is answered from the cache with what the model writes next', async function () {
    // Four tokens per suggestion, so the known chain "\n  return a + b;\n}" takes more than one accept.
    const server = await start({}, { maxTokens: 4 });
    try {
      let text = 'function add(a, b) {';
      const whole = knownContinuations[text];
      await server.open(A, text);
      let shown = '';
      let accepts = 0;
      let fromCache = 0;
      while (shown !== whole && accepts < 8) {
        const mark = server.backgroundTraces.length;
        const answer = await ask(server, A, text);
        assert.equal(answer.items.length, 1, `a suggestion after ${JSON.stringify(text)}: ${JSON.stringify(answer.trace)}`);
        if (accepts > 0 && answer.trace.source === 'cache') fromCache++;
        shown += answer.items[0];
        assert.ok(whole.startsWith(shown), `the suggestions so far ${JSON.stringify(shown)} are the model's ${JSON.stringify(whole)}`);
        // The prefetch runs while the suggestion is shown; the user accepts it after that.
        const prefetch = await background(server, 'prefetch', mark);
        assert.equal(prefetch.cancelled, false);
        text += answer.items[0];
        accepts++;
      }
      assert.equal(shown, whole);
      assert.ok(accepts >= 2, `the chain took ${accepts} suggestions`);
      assert.equal(fromCache, accepts - 1, 'every suggestion after an accept came from the prefetch');
    } finally {
      await server.stop();
    }
  });
});
