import { readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join, resolve } from 'node:path';
import type { LlamaModel, Token } from 'node-llama-cpp';
import { loadLlama } from '../server/src/model/llama';
import { modelLoadOptions, threadCandidates } from '../server/src/model/contextOptions';
import { ensureModel, type ShapeName } from '../test/modelgen';
import { coldReference, runBaselineMode } from './baseline';
import { CpuMonitor } from './cpuMonitor';
import { type ModeResult, percentile, type Summary, summarize, table } from './report';
import { loadFixtures, SCRIPT } from './script';
import { runServerMode, type SummaryLoad } from './serverMode';
import { runScenarioOnServer, runScenarioReference, type ScenarioName, type ScenarioResult, scenarios as allScenarios } from './scenarios';

/**
 * `npm run bench`: keystroke-to-suggestion latency of the built server against llama.vscode's
 * layout, on generated models of real shapes. See bench/README.md.
 *
 *   node dist/bench/bench.js [--quick] [--models=0.5b,1.5b] [--scenarios=cadence,move,switch,accept] [--scenario-models=0.5b]
 *     [--classic=0.5b] [--classic-suffix=48] [--summary=0.5b] [--samples=10,6] [--threads=N] [--server=FILE]
 *
 * --quick: 0.5B only, no summary mode, fewer reference samples and shorter scenarios (under 3 minutes);
 * --scenarios: the situations of bench/scenarios.ts run on --scenario-models (default 0.5b);
 * --classic: models also measured with the classic prompt layout (--classic-suffix: its suffix
 * tokens, default 48); --summary: models also measured while a long summary runs (default 0.5b;
 * `--summary=` for none); --samples: requests of the
 * llama.vscode replay per model (0: skip it); --threads: a fixed count instead of the server's default (which measures);
 * --server: another server bundle (to compare builds).
 */

const root = resolve(__dirname, '../..');
const args = new Map(
  process.argv.slice(2).map((a) => {
    const [key, value = ''] = a.replace(/^--/, '').split('=');
    return [key, value] as const;
  }),
);
const list = (key: string, fallback: string): string[] => (args.get(key) ?? fallback).split(',').filter(Boolean);

const MODELS: Record<string, ShapeName> = { '0.5b': 'qwen2.5-coder-0.5b', '1.5b': 'qwen2.5-coder-1.5b' };
const FIXED_TOKENS = 16;
/**
 * The classic layout evaluates the suffix on every keystroke: the shortest suffix that keeps the
 * tokens evaluated per keystroke within the issue's "typed + 64".
 */
const CLASSIC_SUFFIX_TOKENS = Number(args.get('classic-suffix') || 48);
/** The summary that runs during the `--summary` mode: long enough to be read in pieces and never finish meanwhile. */
const SUMMARY_URI = 'file:///bench/summarized.ts';
const SUMMARY_BYTES = 100 * 1024;
/** Most tokens per piece's answer: high, so that it generates for long stretches as well as reading. */
const SUMMARY_MAX_TOKENS = 1024;
const SUMMARY_LABEL = 'slm-assist during a summary';
/** About 8 characters a second. */
const KEYSTROKE_MS = 125;

const log = {
  error: (m: string) => console.error(m),
  warn: (m: string) => console.error(m),
  info: () => undefined,
  debug: () => undefined,
};

interface ModelReport {
  model: string;
  modes: ModeResult[];
  summary?: SummaryLoad;
  coldReference: { promptTokens: number; firstTokenMs: number; totalMs: number; othersCores: number };
  typedTokensP50: number;
  scenarios: ScenarioPair[];
}

interface ScenarioPair {
  name: ScenarioName;
  title: string;
  ours: ScenarioResult;
  reference?: ScenarioResult;
  /** Tokens each of our requests' keystroke typed. */
  typedTokens: number[];
}

async function main(): Promise<void> {
  const started = performance.now();
  const quick = args.has('quick');
  const models = list('models', quick ? '0.5b' : '0.5b,1.5b');
  const classicFor = new Set(list('classic', ''));
  const summaryFor = new Set(list('summary', quick ? '' : '0.5b'));
  const samples = list('samples', quick ? '4' : '10,6').map(Number);
  const scenarioNames = new Set(list('scenarios', 'cadence,move,switch,accept') as ScenarioName[]);
  const scenarioModels = new Set(list('scenario-models', '0.5b'));
  const scenarioList = allScenarios(quick).filter((sc) => scenarioNames.has(sc.name));
  // 0: the server's default, which measures its thread counts (server/src/model/threadTuner.ts).
  const threads = Number(args.get('threads') ?? 0);
  // llama-server's default (`cpu_get_num_math`): one thread per physical core.
  const referenceThreads = Number(args.get('reference-threads') ?? 0) || physicalCores();
  const fixtures = loadFixtures(join(root, 'bench/fixtures'));
  const serverPath = resolve(args.get('server') || join(root, 'dist/server/server.js'));
  const monitor = new CpuMonitor();
  const llama = await loadLlama(log);

  console.log(
    `SLM Assist benchmark: ${SCRIPT.length} script steps over ${fixtures.length} fixtures, ${FIXED_TOKENS} generated tokens per request ` +
      `(end-of-generation ignored), keystrokes every ${KEYSTROKE_MS} ms or as soon as the previous answer came, debounce 0 ms, ` +
      `${threads > 0 ? `${threads} threads` : `threads chosen by the server (of ${threadCandidates(0).join(' or ')}, by measurement)`} ` +
      `(the llama.vscode reference: ${referenceThreads}, llama-server's default).`,
  );
  const reports: ModelReport[] = [];
  for (const [i, name] of models.entries()) {
    const shape = MODELS[name];
    if (!shape) throw new Error(`unknown model ${name}; known: ${Object.keys(MODELS).join(', ')}`);
    const modelPath = ensureModel(shape);
    const modes: ModeResult[] = [];
    // What every server mode of this model shares.
    const base = {
      serverPath,
      modelPath,
      fixtures,
      fixedTokens: FIXED_TOKENS,
      keystrokeMs: KEYSTROKE_MS,
      modelSettings: { threads },
      monitor,
    };
    console.log(`\n${shape}: server, appendable layout…`);
    const ours = await runServerMode({ ...base, label: 'slm-assist' });
    modes.push(ours);
    if (referenceThreads !== threads && !quick && scenarioModels.has(name)) {
      console.log(`${shape}: server, appendable layout, ${referenceThreads} threads as the reference…`);
      modes.push(
        await runServerMode({ ...base, label: `slm-assist, ${referenceThreads} threads`, modelSettings: { threads: referenceThreads } }),
      );
    }
    if (classicFor.has(name)) {
      console.log(`${shape}: server, classic layout with a ${CLASSIC_SUFFIX_TOKENS}-token suffix…`);
      modes.push(
        await runServerMode({
          ...base,
          label: `slm-assist, classic layout, suffix ${CLASSIC_SUFFIX_TOKENS}`,
          inlineCompletion: { promptLayout: 'classic', suffixTokens: CLASSIC_SUFFIX_TOKENS },
        }),
      );
    }
    let summary: SummaryLoad | undefined;
    if (summaryFor.has(name)) {
      const text = summaryText(fixtures.map((f) => f.text));
      console.log(
        `${shape}: server, appendable layout, while a summary of ${Math.round(text.length / 1024)} KB (answers of up to ${SUMMARY_MAX_TOKENS} tokens) runs…`,
      );
      const modeStarted = performance.now();
      const during = await runServerMode({
        ...base,
        label: SUMMARY_LABEL,
        summary: { uri: SUMMARY_URI, text, languageId: 'typescript', maxTokens: SUMMARY_MAX_TOKENS },
      });
      summary = during.summary;
      if (summary) {
        console.log(
          `  summary: ${summary.pieces} pieces; at the last keystroke ${summary.runningAtEnd ? 'still running' : 'NOT running'}, ` +
            `at "${summary.lastProgress}", ${summary.streamedChars} characters streamed; then ${summary.ended}; ` +
            `the mode took ${((performance.now() - modeStarted) / 1000).toFixed(0)} s`,
        );
      }
      modes.push(during);
    }

    const scenarioRuns: Array<{ scenario: (typeof scenarioList)[number]; ours: ScenarioResult & { accepted: Map<number, string> } }> = [];
    if (scenarioModels.has(name)) {
      for (const scenario of scenarioList) {
        console.log(`${shape}: server, scenario "${scenario.title}"…`);
        const ours = await runScenarioOnServer({
          scenario,
          serverPath,
          modelPath,
          fixtures,
          fixedTokens: FIXED_TOKENS,
          modelSettings: { threads },
        });
        scenarioRuns.push({ scenario, ours });
      }
    }

    console.log(`${shape}: llama.cpp cold reference and llama.vscode layout, in-process…`);
    const model: LlamaModel = await llama.loadModel(modelLoadOptions(modelPath));
    const context = await model.createContext({ contextSize: 4096, threads: referenceThreads, flashAttention: 'auto', batchSize: 512 });
    try {
      const sequence = context.getSequence();
      const infill = model.tokens.infill;
      if (infill.prefix == null || infill.suffix == null || infill.middle == null) throw new Error('the model has no FIM tokens');
      const fim = { prefix: infill.prefix, suffix: infill.suffix, middle: infill.middle };
      const coldTokens = ours.keystrokes[0]?.promptTokens ?? 0;
      const fixtureTokens = model.tokenize(fixtures.map((f) => f.text).join('\n')) as Token[];
      // llama.cpp alone at the server's thread count (the fastest of the counts the server chooses
      // from, when it measures): what the server's own first request adds.
      let reference: Awaited<ReturnType<typeof coldReference>> | undefined;
      for (const count of threads > 0 ? [threads] : threadCandidates(0)) {
        const coldContext =
          count === referenceThreads
            ? context
            : await model.createContext({ contextSize: 4096, threads: count, flashAttention: 'auto', batchSize: 512 });
        const measured = await coldReference(
          model,
          coldContext === context ? sequence : coldContext.getSequence(),
          fixtureTokens,
          coldTokens,
          FIXED_TOKENS,
        ).finally(async () => {
          if (coldContext !== context) await coldContext.dispose();
        });
        if (!reference || measured.totalMs < reference.totalMs) reference = measured;
      }
      await sequence.clearHistory();
      const budget = samples[Math.min(i, samples.length - 1)];
      if (budget > 0) {
        const baseline = await runBaselineMode({
          model,
          sequence,
          fim,
          fixtures,
          fixedTokens: FIXED_TOKENS,
          accepted: ours.accepted,
          samples: budget,
          monitor,
        });
        modes.push(baseline);
      }
      const scenarioResults: ScenarioPair[] = [];
      for (const { scenario, ours: server } of scenarioRuns) {
        let reference: ScenarioResult | undefined;
        if (scenario.reference) {
          console.log(`${shape}: llama.vscode layout, scenario "${scenario.title}"…`);
          reference = await runScenarioReference({
            scenario,
            model,
            sequence,
            fim,
            fixtures,
            fixedTokens: FIXED_TOKENS,
            accepted: server.accepted,
          });
        }
        const typedTokens = server.requests.map((r) => model.tokenize(r.text).length);
        scenarioResults.push({ name: scenario.name, title: scenario.title, ours: server, reference, typedTokens });
      }
      const typed = ours.keystrokes.map((k) => model.tokenize(k.kind === 'newline' ? '\n' : 'x').length);
      reports.push({
        model: shape,
        modes,
        summary,
        coldReference: { promptTokens: coldTokens, ...reference! },
        typedTokensP50: typed.sort((a, b) => a - b)[Math.floor(typed.length / 2)] ?? 1,
        scenarios: scenarioResults,
      });
    } finally {
      await context.dispose();
      await model.dispose();
    }
  }

  const rows: Array<Summary & { model: string }> = [];
  for (const r of reports) for (const m of r.modes) rows.push({ model: r.model.replace('qwen2.5-coder-', ''), ...summarize(m) });
  console.log(`\n${table(rows)}\n`);
  for (const r of reports) {
    const ours = summarize(r.modes[0]);
    console.log(
      `${r.model}: cold ${r.coldReference.promptTokens}-token prompt + ${FIXED_TOKENS} tokens: server ${Math.round(ours.coldMs)} ms ` +
        `(other load ${ours.coldOthersCores?.toFixed(2)}), llama.cpp alone ${Math.round(r.coldReference.totalMs)} ms ` +
        `(first token ${Math.round(r.coldReference.firstTokenMs)} ms, other load ${r.coldReference.othersCores.toFixed(2)})`,
    );
  }
  const scenarioLines = reports.flatMap((r) => r.scenarios.map((sc) => ({ model: r.model, ...describeScenario(sc) })));
  if (scenarioLines.length > 0) {
    console.log(`\n| model | scenario | measured | slm-assist | llama.vscode layout | ratio |\n| --- | --- | --- | --- | --- | --- |`);
    for (const l of scenarioLines) {
      console.log(`| ${l.model.replace('qwen2.5-coder-', '')} | ${l.title} | ${l.measured} | ${l.ours} | ${l.reference} | ${l.ratio} |`);
    }
  }
  const verdicts = [...targets(reports), ...scenarioLines.flatMap((l) => l.verdicts)];
  for (const v of verdicts) console.log(`${v.holds ? 'PASS' : 'FAIL'}  ${v.target}: ${v.measured}`);
  const wallS = (performance.now() - started) / 1000;
  console.log(`\nRun took ${wallS.toFixed(0)} s.`);
  const othersMax = Math.max(...rows.map((r) => r.othersCores));
  if (othersMax > 0.15) {
    console.log(
      `Warning: other processes used up to ${othersMax.toFixed(2)} cores during a mode; figures are slower than on a quiet machine.`,
    );
  }
  writeFileSync(
    join(root, 'bench/results.json'),
    JSON.stringify(
      { date: new Date().toISOString(), threads, referenceThreads, fixedTokens: FIXED_TOKENS, wallS, rows, reports, verdicts },
      replacer,
      2,
    ),
  );
  console.log('Wrote bench/results.json');
}

/** Physical cores, as llama-server counts them for its default thread count. */
function physicalCores(): number {
  try {
    const cores = new Set<string>();
    let physical = '';
    for (const line of readFileSync('/proc/cpuinfo', 'utf8').split('\n')) {
      const [key, value] = line.split(':').map((x) => x?.trim());
      if (key === 'physical id') physical = value;
      if (key === 'core id') cores.add(`${physical}/${value}`);
    }
    if (cores.size > 0) return cores.size;
  } catch {
    // Not Linux: fall through.
  }
  return availableParallelism();
}

/** The fixtures one after the other, repeated, cut at a line break after `SUMMARY_BYTES`. */
function summaryText(texts: string[]): string {
  let text = '';
  while (text.length < SUMMARY_BYTES) text += texts.join('\n') + '\n';
  const end = text.indexOf('\n', SUMMARY_BYTES);
  return end < 0 ? text : text.slice(0, end + 1);
}

function replacer(key: string, value: unknown): unknown {
  return value instanceof Map ? Object.fromEntries(value) : value;
}

interface Verdict {
  target: string;
  measured: string;
  holds: boolean;
}

const ms = (v: number): string => (Number.isFinite(v) ? `${Math.round(v)} ms` : '–');
const p = (values: Array<number | undefined>, q: number): number =>
  percentile(
    values.filter((v): v is number => v !== undefined),
    q,
  );

/** What the other-file context did in a scenario: answers that carried snippets, and the background reads of new ones. */
function otherFiles(sc: ScenarioPair): string {
  const answered = sc.ours.requests.filter((r) => r.responseMs !== undefined && r.source === 'model');
  const carried = answered.filter((r) => (r.otherFiles ?? 0) > 0).length;
  const reads = (sc.ours.background ?? []).filter((t) => t.kind === 'otherFiles' && (t.cancelled || (t.evaluatedTokens ?? 0) > 0));
  const done = reads.filter((t) => !t.cancelled);
  return (
    `other files: ${carried} of ${answered.length} model answers with snippets, ${done.length} reads of new snippets done` +
    (done.length ? ` (${done.map((t) => t.evaluatedTokens).join(', ')} tokens)` : '') +
    `, ${reads.length - done.length} stopped by a keystroke`
  );
}

/** A scenario's line of the table and its targets. */
function describeScenario(sc: ScenarioPair): {
  title: string;
  measured: string;
  ours: string;
  reference: string;
  ratio: string;
  verdicts: Verdict[];
} {
  const ours = sc.ours.requests;
  const ref = sc.reference?.requests ?? [];
  const verdicts: Verdict[] = [];
  const line = (measured: string, a: number, b: number, limit?: number, extra = ''): ReturnType<typeof describeScenario> => {
    const ratio = a / b;
    if (limit !== undefined) {
      verdicts.push({
        target: `${sc.title}: ${measured} at most ${limit}× llama.vscode layout's`,
        measured: `${ms(a)} vs ${ms(b)} (${ratio.toFixed(2)}×)${extra}`,
        holds: ratio <= limit,
      });
    }
    return {
      title: sc.title,
      measured,
      ours: `${ms(a)}${extra}`,
      reference: ms(b),
      ratio: Number.isFinite(ratio) ? `${ratio.toFixed(2)}×` : '–',
      verdicts,
    };
  };
  switch (sc.name) {
    case 'cadence': {
      const ends = ours.filter((r) => r.beforePause);
      const shown = ends.filter((r) => r.responseMs !== undefined).length;
      return line(
        'pause to ghost text, p50',
        p(
          ends.map((r) => r.responseMs),
          50,
        ),
        p(
          ref.map((r) => r.responseMs),
          50,
        ),
        0.4,
        ` (p95 ${ms(
          p(
            ends.map((r) => r.responseMs),
            95,
          ),
        )}; ${shown} of ${ends.length} bursts shown)`,
      );
    }
    case 'move': {
      const first = ours.find((r) => r.arrival === 'move');
      const after = ours.slice(ours.indexOf(first!) + 1, ours.indexOf(first!) + 9);
      return line(
        'first answer after the move',
        first?.responseMs ?? NaN,
        ref.find((r) => r.arrival === 'move')?.responseMs ?? NaN,
        0.3,
        ` (${first?.window} window, ${first?.evaluatedTokens} tokens evaluated; next 8 keystrokes p50 ${ms(
          p(
            after.map((r) => r.responseMs),
            50,
          ),
        )})`,
      );
    }
    case 'switch': {
      const arrivals = ours.filter((r) => r.arrival === 'switch' || r.arrival === 'return');
      const returns = ours.map((r, i) => ({ r, typed: sc.typedTokens[i] })).filter(({ r }) => r.arrival === 'return');
      const over = returns.filter(({ r, typed }) => (r.evaluatedTokens ?? Infinity) > typed + 64);
      verdicts.push({
        target: `${sc.title}: returning to a recent file evaluates at most typed + 64 tokens`,
        measured: `evaluated on the ${returns.length} returns: ${returns.map(({ r, typed }) => `${r.evaluatedTokens ?? '–'} (typed ${typed})`).join(', ')}`,
        holds: returns.length > 0 && over.length === 0,
      });
      return line(
        'first answer after a switch or return, p50',
        p(
          arrivals.map((r) => r.responseMs),
          50,
        ),
        p(
          ref.filter((r) => r.arrival === 'switch' || r.arrival === 'return').map((r) => r.responseMs),
          50,
        ),
        0.3,
        ` (returns: ${returns.map(({ r }) => ms(r.responseMs ?? NaN)).join(', ')}; ${otherFiles(sc)})`,
      );
    }
    case 'accept': {
      const accepts = ours.filter((r) => r.kind === 'accept');
      const a = p(
        accepts.map((r) => r.responseMs),
        50,
      );
      const fromCache = accepts.filter((r) => r.source === 'cache').length;
      verdicts.push({
        target: `${sc.title}: accept-then-next p50 ≤ 100 ms`,
        measured: `${ms(a)} (${fromCache} of ${accepts.length} from the prefetch)`,
        holds: a <= 100,
      });
      return {
        title: sc.title,
        measured: 'accept to the next suggestion, p50',
        ours: `${ms(a)} (${fromCache} of ${accepts.length} from the prefetch)`,
        reference: '–',
        ratio: '–',
        verdicts,
      };
    }
  }
}

/** The issue's targets, for the 0.5B model (RSS for both). */
function targets(reports: ModelReport[]): Verdict[] {
  const verdicts: Verdict[] = [];
  for (const r of reports) {
    const [ours, ...others] = r.modes.map(summarize);
    const baseline = others.find((m) => m.label === 'llama.vscode layout');
    const small = r.model === 'qwen2.5-coder-0.5b';
    if (small && baseline) {
      verdicts.push({
        target: `${r.model}: evaluated tokens per keystroke p50 ≤ typed tokens + 64`,
        measured: `${ours.evaluatedP50} ≤ ${r.typedTokensP50} + 64`,
        holds: ours.evaluatedP50 <= r.typedTokensP50 + 64,
      });
      verdicts.push({
        target: `${r.model}: first generated token after a keystroke p50 ≤ 250 ms`,
        measured: `${ours.firstTokenP50.toFixed(0)} ms`,
        holds: ours.firstTokenP50 <= 250,
      });
      verdicts.push({
        target: `${r.model}: keystroke-to-response p50 ≤ 1/5 of llama.vscode layout's`,
        measured: `${ours.responseP50.toFixed(0)} ms vs ${baseline.responseP50.toFixed(0)} ms: ${(baseline.responseP50 / ours.responseP50).toFixed(1)}× faster`,
        holds: ours.responseP50 * 5 <= baseline.responseP50,
      });
      const sameThreads = others.find((m) => m.label.startsWith('slm-assist, ') && m.label.endsWith(' threads'));
      if (sameThreads) {
        verdicts.push({
          target: `${r.model}: with the reference's threads (${sameThreads.label}), keystroke-to-response p50 ≤ 1/5 of llama.vscode layout's`,
          measured: `${sameThreads.responseP50.toFixed(0)} ms vs ${baseline.responseP50.toFixed(0)} ms: ${(baseline.responseP50 / sameThreads.responseP50).toFixed(1)}× faster`,
          holds: sameThreads.responseP50 * 5 <= baseline.responseP50,
        });
      }
      verdicts.push({
        target: `${r.model}: cold first request ≤ 1.1 × llama.cpp alone for the same prompt tokens`,
        measured: `${ours.coldMs.toFixed(0)} ms vs ${r.coldReference.totalMs.toFixed(0)} ms (${(ours.coldMs / r.coldReference.totalMs).toFixed(2)}×)`,
        holds: ours.coldMs <= 1.1 * r.coldReference.totalMs,
      });
      const during = others.find((m) => m.label === SUMMARY_LABEL);
      if (during) {
        const stillRunning = r.summary?.runningAtEnd !== false;
        verdicts.push({
          target: `${r.model}: during a summary, first token p50 ≤ 250 ms and keystroke-to-response p50 ≤ 1/5 of llama.vscode layout's`,
          measured:
            `first token ${during.firstTokenP50.toFixed(0)} ms; response ${during.responseP50.toFixed(0)} ms vs ${baseline.responseP50.toFixed(0)} ms: ` +
            `${(baseline.responseP50 / during.responseP50).toFixed(1)}× faster` +
            (stillRunning ? '' : ' (but the summary ended before the last keystroke)'),
          holds: stillRunning && during.firstTokenP50 <= 250 && during.responseP50 * 5 <= baseline.responseP50,
        });
      }
    }
    const limit = small ? 1024 : 2048;
    const scenarioPeak = Math.max(0, ...r.scenarios.map((sc) => (sc.ours.peakRssBytes ?? 0) / 1048576));
    const peak = Math.max(ours.peakRssMiB ?? Infinity, scenarioPeak);
    verdicts.push({
      target: `${r.model}: server RSS with the model and its cached places < ${limit / 1024} GiB`,
      measured: `${ours.rssMiB?.toFixed(0)} MiB now, ${ours.peakRssMiB?.toFixed(0)} MiB peak typing, ${scenarioPeak ? scenarioPeak.toFixed(0) : '–'} MiB peak in the scenarios`,
      holds: peak < limit,
    });
  }
  return verdicts;
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
  process.exitCode = 1;
});
