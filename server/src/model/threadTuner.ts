/** Reading a prompt (batches of many tokens) or generating (one token a step). */
export type ThreadPhase = 'prompt' | 'generation';

/** What the tuner knows of one phase: milliseconds per token of each thread count measured so far. */
export type PhaseCosts = ReadonlyMap<number, number>;

/**
 * Chooses the thread count of each phase by measurement, not by core count alone: reading a prompt
 * is bound by arithmetic and gains from a second core, while a generation step is bound by memory
 * bandwidth, and llama.cpp's threads spin-wait for each other at every step, so on 2 cores one
 * thread generates faster than two (bench/README.md). Every evaluation records its cost per token;
 * each phase uses the cheapest count measured so far, and every {@link RECHECK_EVERY}th evaluation
 * of a phase tries another, so a count that a busy neighbour made slow (or fast) is measured again.
 */
export class ThreadTuner {
  private readonly costs: Record<ThreadPhase, Map<number, number>> = { prompt: new Map(), generation: new Map() };
  private readonly turns: Record<ThreadPhase, number> = { prompt: 0, generation: 0 };
  private readonly chosen: Partial<Record<ThreadPhase, number>> = {};

  constructor(
    readonly candidates: readonly number[],
    /** Makes the next evaluation use this many threads. */
    private readonly apply: (threads: number) => void,
    /** Called when a phase's cheapest count changes (and when it is first known). */
    private readonly onBest: (phase: ThreadPhase, threads: number, costs: PhaseCosts) => void = () => undefined,
  ) {
    if (candidates.length === 0) throw new Error('ThreadTuner: no thread counts to choose from');
  }

  /**
   * Sets the thread count for the next evaluation of `phase` and returns it. `explore: false` for an
   * evaluation that will not be recorded: it gets the cheapest count.
   */
  use(phase: ThreadPhase, explore = true): number {
    const threads = explore ? this.choose(phase) : (this.best(phase) ?? this.candidates[0]);
    this.apply(threads);
    return threads;
  }

  /** The count for the next evaluation of `phase`: an unmeasured one first, then the cheapest, now and then another. */
  choose(phase: ThreadPhase): number {
    if (this.candidates.length === 1) return this.candidates[0];
    const costs = this.costs[phase];
    const unmeasured = this.candidates.find((threads) => !costs.has(threads));
    if (unmeasured !== undefined) return unmeasured;
    const best = this.best(phase)!;
    this.turns[phase] += 1;
    if (this.turns[phase] % RECHECK_EVERY !== 0) return best;
    const others = this.candidates.filter((threads) => threads !== best);
    return others[Math.floor(this.turns[phase] / RECHECK_EVERY) % others.length];
  }

  /** Records that `tokens` of `phase` took `ms` with `threads`; too few tokens say little and are skipped. */
  record(phase: ThreadPhase, threads: number, tokens: number, ms: number): void {
    if (!this.candidates.includes(threads) || tokens < MIN_TOKENS[phase] || !(ms > 0)) return;
    const costs = this.costs[phase];
    const perToken = ms / tokens;
    const old = costs.get(threads);
    costs.set(threads, old === undefined ? perToken : (1 - WEIGHT) * old + WEIGHT * perToken);
    const best = this.best(phase);
    if (best !== undefined && best !== this.chosen[phase] && this.candidates.every((c) => costs.has(c))) {
      this.chosen[phase] = best;
      this.onBest(phase, best, costs);
    }
  }

  /** The cheapest count measured for `phase`, if any. */
  best(phase: ThreadPhase): number | undefined {
    let best: number | undefined;
    for (const [threads, cost] of this.costs[phase]) if (best === undefined || cost < this.costs[phase].get(best)!) best = threads;
    return best;
  }

  /** Milliseconds per token of each count measured for `phase`. */
  measured(phase: ThreadPhase): PhaseCosts {
    return this.costs[phase];
  }
}

/** One evaluation in this many tries a count other than the cheapest. */
export const RECHECK_EVERY = 16;
/** Weight of the newest measurement in a count's moving average. */
const WEIGHT = 0.5;
/** Fewer tokens than this in one evaluation are not measured: fixed costs would dominate. */
const MIN_TOKENS: Record<ThreadPhase, number> = { prompt: 32, generation: 4 };

/** The part of a context sequence {@link measureThreads} uses. */
export interface MeasuredSequence<T> {
  clearHistory(): Promise<void>;
  evaluateWithoutGeneratingNewTokens(tokens: T[]): Promise<void>;
}

/** Generation steps measured per thread count at load. */
const MEASURED_STEPS = 6;

/**
 * Measures each of the tuner's counts once on an unused sequence: `tokens` read as one batch, then
 * {@link MEASURED_STEPS} generation steps (one token each). The first evaluation of a context pays one-off costs
 * (buffers, the compute graph), so a few tokens go first, unmeasured. Leaves the sequence empty.
 */
export async function measureThreads<T>(sequence: MeasuredSequence<T>, tokens: T[], tuner: ThreadTuner): Promise<void> {
  await sequence.evaluateWithoutGeneratingNewTokens(tokens.slice(0, 8));
  for (let i = 0; i < tuner.candidates.length; i++) {
    await sequence.clearHistory();
    const promptThreads = tuner.use('prompt');
    let began = performance.now();
    await sequence.evaluateWithoutGeneratingNewTokens(tokens);
    tuner.record('prompt', promptThreads, tokens.length, performance.now() - began);
    const generationThreads = tuner.use('generation');
    began = performance.now();
    // A generation step is one token evaluated after the others (sampling aside, which costs the same at any count).
    for (let step = 0; step < MEASURED_STEPS; step++) await sequence.evaluateWithoutGeneratingNewTokens([tokens[step]]);
    tuner.record('generation', generationThreads, MEASURED_STEPS, performance.now() - began);
  }
  await sequence.clearHistory();
}
