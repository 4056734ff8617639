import assert from 'node:assert/strict';
import type { Token } from 'node-llama-cpp';
import { threadCandidates } from '../../server/src/model/contextOptions';
import { defaultModelDir, ensureModel } from '../modelgen/index';
import { measureThreads, type MeasuredSequence, RECHECK_EVERY, type ThreadPhase, ThreadTuner } from '../../server/src/model/threadTuner';

/** A tuner over [1, 2] whose applied counts are kept, and a clock that each phase's cost drives. */
function tuner(): { tuner: ThreadTuner; applied: number[]; best: string[] } {
  const applied: number[] = [];
  const best: string[] = [];
  return {
    tuner: new ThreadTuner(
      [1, 2],
      (n) => applied.push(n),
      (phase, n) => best.push(`${phase}:${n}`),
    ),
    applied,
    best,
  };
}

/** Runs `count` evaluations of `phase` of `tokens` each, `msPerToken(threads)` a token. */
function run(t: ThreadTuner, phase: ThreadPhase, count: number, tokens: number, msPerToken: (threads: number) => number): number[] {
  const used: number[] = [];
  for (let i = 0; i < count; i++) {
    const threads = t.use(phase);
    used.push(threads);
    t.record(phase, threads, tokens, tokens * msPerToken(threads));
  }
  return used;
}

describe('threadCandidates', () => {
  it('tries all cores but one and all cores (at most 8) when the setting is 0; a set count alone', () => {
    assert.deepEqual(threadCandidates(0, 2), [1, 2]);
    assert.deepEqual(threadCandidates(0, 4), [3, 4]);
    assert.deepEqual(threadCandidates(0, 1), [1]);
    assert.deepEqual(threadCandidates(0, 32), [8]);
    assert.deepEqual(threadCandidates(3, 2), [3]);
  });
});

describe('ThreadTuner', () => {
  it('measures each count, then reads prompts and generates with the cheaper count of each phase', () => {
    const { tuner: t, best } = tuner();
    // As on the 2-core AMD EPYC: prompts 1.55× faster with 2 threads, generation 1.4× slower.
    const prompt = run(t, 'prompt', 10, 128, (n) => (n === 2 ? 2.3 : 3.6));
    const generation = run(t, 'generation', 10, 16, (n) => (n === 2 ? 25 : 18));
    assert.deepEqual(prompt.slice(0, 2), [1, 2]);
    assert.deepEqual(new Set(prompt.slice(2)), new Set([2]));
    assert.deepEqual(generation.slice(0, 2), [1, 2]);
    assert.deepEqual(new Set(generation.slice(2)), new Set([1]));
    assert.deepEqual(best, ['prompt:2', 'generation:1']);
  });

  it('measures the other count again now and then, and switches when a busy neighbour made the chosen one slow', () => {
    const { tuner: t, best } = tuner();
    let busy = false;
    // Quiet: 2 threads cheaper. Busy (another process on a core): 2 threads spin-wait and cost 4×.
    const cost = (n: number): number => (n === 2 ? (busy ? 10 : 2.5) : 3.6);
    run(t, 'prompt', 4, 128, cost);
    assert.equal(t.best('prompt'), 2);
    busy = true;
    const used = run(t, 'prompt', 4, 128, cost);
    assert.deepEqual(used.slice(-2), [1, 1], 'after two slow batches the single thread is cheaper');
    busy = false;
    const later = run(t, 'prompt', RECHECK_EVERY * 2, 128, cost);
    assert.ok(later.includes(2), 'a recheck tried 2 threads again');
    assert.equal(t.best('prompt'), 2, 'and went back to them once they were fast again');
    assert.deepEqual(best, ['prompt:2', 'prompt:1', 'prompt:2']);
  });

  it('ignores evaluations too short to say anything, and a count it does not choose from', () => {
    const { tuner: t } = tuner();
    t.record('prompt', 1, 8, 100);
    t.record('generation', 2, 2, 100);
    t.record('prompt', 3, 128, 100);
    assert.equal(t.measured('prompt').size, 0);
    assert.equal(t.measured('generation').size, 0);
  });

  it('with one count, always uses it and never explores', () => {
    const applied: number[] = [];
    const t = new ThreadTuner([3], (n) => applied.push(n));
    for (let i = 0; i < RECHECK_EVERY * 2; i++) t.use('generation');
    assert.deepEqual(new Set(applied), new Set([3]));
  });

  it('an unrecorded evaluation (a summary generating between waits) gets the cheapest count, not a recheck', () => {
    const { tuner: t, applied } = tuner();
    run(t, 'generation', 2, 16, (n) => (n === 2 ? 25 : 18));
    applied.length = 0;
    for (let i = 0; i < RECHECK_EVERY * 2; i++) t.use('generation', false);
    assert.deepEqual(new Set(applied), new Set([1]));
  });
});

describe('measureThreads', () => {
  it('measures every count once for prompts and generation on the sequence, and leaves it empty', async () => {
    let threads = 0;
    const log: string[] = [];
    const tuned = new ThreadTuner([1, 2], (n) => {
      threads = n;
    });
    let held = 0;
    const sequence: MeasuredSequence<number> = {
      clearHistory: async () => {
        held = 0;
        log.push('clear');
      },
      evaluateWithoutGeneratingNewTokens: async (tokens) => {
        held += tokens.length;
        log.push(tokens.length === 1 ? `step on ${threads}` : `prompt ${tokens.length} on ${threads}`);
      },
    };
    await measureThreads(
      sequence,
      Array.from({ length: 64 }, (_, i) => i),
      tuned,
    );
    const steps = (n: number): string[] => Array.from({ length: 6 }, () => `step on ${n}`);
    assert.deepEqual(log, ['prompt 8 on 0', 'clear', 'prompt 64 on 1', ...steps(1), 'clear', 'prompt 64 on 2', ...steps(2), 'clear']);
    assert.deepEqual([...tuned.measured('prompt').keys()], [1, 2]);
    assert.deepEqual([...tuned.measured('generation').keys()], [1, 2]);
    assert.equal(held, 0);
  });
});

describe('ThreadTuner on llama.cpp (tiny generated model)', () => {
  it('each prompt batch and generation runs with the count the tuner set through maxThreads', async () => {
    const lib = await import('node-llama-cpp');
    const llama = await lib.getLlama({ gpu: false, build: 'never', logLevel: lib.LlamaLogLevel.disabled, maxThreads: 2 });
    const model = await llama.loadModel({ modelPath: ensureModel('tiny', defaultModelDir()) });
    const context = await model.createContext({ contextSize: 512, threads: { ideal: 2, min: 1 } });
    try {
      const sequence = context.getSequence();
      const seen: string[] = [];
      const tuner = new ThreadTuner([1, 2], (n) => {
        llama.maxThreads = n;
      });
      const measured: MeasuredSequence<Token> = {
        clearHistory: () => sequence.clearHistory(),
        evaluateWithoutGeneratingNewTokens: async (tokens) => {
          await sequence.evaluateWithoutGeneratingNewTokens(tokens);
          seen.push(`${tokens.length === 1 ? 'step' : 'prompt'} on ${context.currentThreads}`);
        },
      };
      const tokens = model.tokenize('function add(a, b) {\n  return a + b;\n}\n'.repeat(8)).slice(0, 64);
      await measureThreads(measured, tokens, tuner);
      const steps = (n: number): string[] => Array.from({ length: 6 }, () => `step on ${n}`);
      assert.deepEqual(seen.slice(1), ['prompt on 1', ...steps(1), 'prompt on 2', ...steps(2)]);
      assert.equal(sequence.nextTokenIndex, 0);
    } finally {
      await context.dispose();
      await model.dispose();
    }
  });
});
