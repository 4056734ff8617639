import { execFileSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { ensureModel } from '../test/modelgen';
import pins from '../test/real/models.json';
import { cutCases, type EvalCase, siblingPlaces } from './cases';
import { type Layout, runOverLsp } from './lspRun';
import { type RunMetrics, summarizeRun, table } from './report';
import { measureSpeculative } from './speculative';

/**
 * `npm run eval`: completion quality of the built server on real source files, per model and
 * prompt layout, and what speculative decoding by prompt lookup would gain. See eval/README.md.
 *
 *   node dist/eval/eval.js [--model=gemma,smollm2,qwen] [--limit=N] [--spec=N] [--speed=N]
 *     [--prefix-tokens=N] [--max-tokens=N] [--seed=N] [--threads=N] [--quick-first-answer] [--other-files=N] [--out=FILE]
 *
 * --limit: cases, spread evenly over the 160 (default all; SmolLM2 runs 40 of them); --spec: prompts measured with prompt
 * lookup per real model (default 12, 0: none); --speed: cases of the random-weight model per
 * layout (default 4); --prefix-tokens: `slmAssist.inlineCompletion.prefixTokens` (default 512,
 * a third of the product's 1536, so that a full run fits in about 10 minutes on 2 cores: every
 * case is a cold prompt); --max-tokens: `maxTokens` (default 48, the product's); --quick-first-answer:
 * leave `quickFirstAnswer` on, so each (cold) case is answered from the quick window as a first
 * answer after a move is; --other-files: `otherFilesTokens` (default 0, off): before each case the
 * other fixture files of its package are viewed where they share most identifiers with the lines
 * before the cursor, and the case is asked again once the server has read them (eval/README.md).
 */

const root = resolve(__dirname, '../..');
const args = new Map(
  process.argv.slice(2).map((a) => {
    const [key, value = ''] = a.replace(/^--/, '').split('=');
    return [key, value] as const;
  }),
);
const number = (key: string, fallback: number): number => {
  const value = args.get(key);
  if (value === undefined || value === '') return fallback;
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 0) throw new Error(`--${key} must be a whole number, not ${value}`);
  return parsed;
};

interface ModelSpec {
  key: string;
  name: string;
  path: () => string;
  /** Real weights: scored for quality and measured with prompt lookup. */
  real: boolean;
  /** Cases it runs by default, spread over all of them (default: all); `--limit` caps it. */
  cases?: number;
  layouts: Layout[];
}

const realDir = process.env.SLM_REAL_MODELS_DIR ?? join(root, '.models/real');
/**
 * Neither real model has fill-in-the-middle tokens, so the server gives them the prefix-only
 * prompt whatever `fillInTheMiddle` says; the generated model has Qwen2.5-Coder's FIM tokens and
 * runs both layouts, for speed only (its weights are random).
 */
const MODELS: ModelSpec[] = [
  {
    key: 'gemma',
    name: 'Gemma 3 270M (Q4_K_M)',
    path: () => join(realDir, pins.models.gemma.file),
    real: true,
    layouts: [{ name: 'prefix-only', inlineCompletion: { fillInTheMiddle: 'auto' } }],
  },
  {
    key: 'smollm2',
    name: 'SmolLM2-135M-Instruct (Q4_1)',
    path: () => join(realDir, pins.models.smollm2.file),
    real: true,
    // An instruct model, and the weaker one: a spread of 40 cases says as much and saves 5 minutes.
    cases: 40,
    layouts: [{ name: 'prefix-only', inlineCompletion: { fillInTheMiddle: 'auto' } }],
  },
  {
    key: 'qwen',
    name: 'Qwen2.5-Coder-0.5B shape, random weights (Q4_0)',
    path: () => ensureModel('qwen2.5-coder-0.5b'),
    real: false,
    layouts: [
      { name: 'FIM (appendable)', inlineCompletion: { fillInTheMiddle: 'on', promptLayout: 'appendable' } },
      { name: 'prefix-only', inlineCompletion: { fillInTheMiddle: 'off' } },
    ],
  },
];

/** The commit the server was built from, and whether the working tree had changes on top. */
function revision(): { commit: string; dirty: boolean } | undefined {
  try {
    const git = (...a: string[]): string => execFileSync('git', a, { cwd: root, encoding: 'utf8' }).trim();
    return { commit: git('rev-parse', 'HEAD'), dirty: git('status', '--porcelain', '--untracked-files=no') !== '' };
  } catch {
    return undefined;
  }
}

/** `count` cases spread evenly over the list (every language and file keeps its share). */
function spread(cases: EvalCase[], count: number): EvalCase[] {
  if (count === 0 || count >= cases.length) return cases;
  return Array.from({ length: count }, (_, i) => cases[Math.floor((i * cases.length) / count)]);
}

async function main(): Promise<void> {
  const started = performance.now();
  const seed = number('seed', 1);
  const threads = number('threads', 0);
  const fixtures = join(root, 'test/fixtures/eval');
  const all = cutCases(fixtures, { seed });
  const cases = spread(all, number('limit', 0));
  const specCount = number('spec', 12);
  const specCases = spread(cases, Math.min(specCount, cases.length));
  const speedCases = spread(cases, Math.min(number('speed', 4), cases.length));
  const prefixTokens = number('prefix-tokens', 512);
  // Every case is a cold prompt: with the quick first answer on, each would be answered from the
  // quick window (128 tokens before the cursor), so the eval measures the configured window unless told.
  const quickFirstAnswer = args.has('quick-first-answer');
  const maxTokens = number('max-tokens', 48);
  const otherFilesTokens = number('other-files', 0);
  const loadAtStart = loadavg();
  const wanted = (args.get('model') || MODELS.map((m) => m.key).join(',')).split(',');
  const unknown = wanted.filter((key) => !MODELS.some((m) => m.key === key));
  if (unknown.length > 0) throw new Error(`unknown --model ${unknown.join(', ')}: use ${MODELS.map((m) => m.key).join(', ')}`);
  const serverPath = join(root, 'dist/server/server.js');
  const out = resolve(args.get('out') || join(root, 'eval/results.json'));
  console.log(`SLM Assist eval: ${cases.length} of ${all.length} cases (seed ${seed}), models ${wanted.join(', ')}`);

  const runs: RunMetrics[] = [];
  const skipped: string[] = [];
  for (const spec of MODELS.filter((m) => wanted.includes(m.key))) {
    const path = spec.path();
    if (!existsSync(path)) {
      const why = `${spec.name}: no file at ${path} (npm run models:real fetches the real models)`;
      if (process.env.SLM_REQUIRE_REAL_MODELS === '1') throw new Error(why);
      console.log(`skipped ${why}`);
      skipped.push(why);
      continue;
    }
    const mine = spec.real ? spread(cases, Math.min(spec.cases ?? cases.length, cases.length)) : speedCases;
    for (const layout of spec.layouts) {
      const t = performance.now();
      const name = args.has('other-files') ? `${layout.name}, other files ${otherFilesTokens}` : layout.name;
      const {
        status,
        loadMs,
        runs: caseRuns,
      } = await runOverLsp(
        serverPath,
        path,
        {
          ...layout,
          name,
          inlineCompletion: { prefixTokens, maxTokens, quickFirstAnswer, otherFilesTokens, ...layout.inlineCompletion },
        },
        mine,
        {
          threads: threads || undefined,
          otherFiles: args.has('other-files') ? (c) => siblingPlaces(fixtures, c) : undefined,
          onCase: (done) => {
            if (done % 20 === 0 || done === mine.length) process.stderr.write(`  ${spec.key} ${layout.name}: ${done}/${mine.length}\n`);
          },
        },
      );
      const metrics = summarizeRun(
        spec.name,
        name,
        status.model?.fim === true && layout.inlineCompletion.fillInTheMiddle !== 'off',
        spec.real,
        mine,
        caseRuns,
        loadMs,
      );
      console.log(`${spec.name}, ${name}: ${((performance.now() - t) / 1000).toFixed(0)} s`);
      runs.push(metrics);
    }
    if (spec.real && specCount > 0) {
      const t = performance.now();
      const speculative = await measureSpeculative(path, specCases, { maxTokens, prefixTokens, threads: threads || undefined });
      console.log(`${spec.name}, prompt lookup: ${((performance.now() - t) / 1000).toFixed(0)} s`);
      const last = runs.at(-1);
      if (last) last.speculative = speculative;
    }
  }

  const durationS = (performance.now() - started) / 1000;
  const results = {
    date: new Date().toISOString(),
    cpu: { model: cpus()[0]?.model ?? 'unknown', cores: availableParallelism() },
    node: process.version,
    revision: revision(),
    seed,
    cases: cases.length,
    casesCut: all.length,
    durationS: Math.round(durationS),
    settings: {
      prefixTokens,
      maxTokens,
      quickFirstAnswer,
      otherFilesTokens,
      debounceMs: 0,
      timeBudgetMs: 60_000,
      threads: threads || 'chosen by the server',
      other: 'defaults',
    },
    /** The machine is shared: its 1, 5 and 15 minute load averages at the start and the end. */
    loadAverage: { start: loadAtStart, end: loadavg() },
    skipped,
    runs,
  };
  writeFileSync(out, `${JSON.stringify(results, null, 2)}\n`);
  console.log(`\n${table(runs)}\n`);
  console.log(
    `¹ of the line-start cases with a suggestion. ² decode tokens/s with InputLookupTokenPredictor / without, same prompts, one run.`,
  );
  console.log(`${results.cases} cases, ${Math.round(durationS)} s, ${results.cpu.model} (${results.cpu.cores} cores). Results: ${out}`);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.stack : error);
  process.exit(1);
});
