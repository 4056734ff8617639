import type { CompletionTrace } from '../common/protocol';
import type { EvalCase } from './cases';
import type { CaseRun } from './lspRun';
import { quantile, scoreCase } from './metrics';
import type { SpeculativeResult } from './speculative';

/** The metrics of one model with one prompt layout, over the cases it ran. */
export interface RunMetrics {
  model: string;
  layout: string;
  /** Whether the prompt carried the text after the cursor (the server's status: FIM used). */
  fim: boolean;
  /** Measured for quality; false for a random-weight model kept as a speed reference. */
  quality: boolean;
  cases: number;
  exactMatch: number;
  editSimilarity: number;
  emptyRate: number;
  latencyMs: { p50: number; p90: number };
  harms: {
    repeatsSuffix: number;
    /** Share of the line-start cases with a suggestion whose indentation differs. */
    wrongIndentation: number;
    repeatsPrefix: number;
  };
  /** Per language: exact match and edit similarity. */
  byLanguage: Record<string, { cases: number; exactMatch: number; editSimilarity: number }>;
  promptTokensP50: number;
  generatedTokensP50: number;
  loadMs: number;
  speculative?: SpeculativeResult;
  /** Every case's suggestion, for reading what the model said. */
  samples: Array<{ id: string; expected: string; suggestion: string; latencyMs: number; generation?: CompletionTrace['generation'] }>;
}

const share = (n: number, of: number): number => (of === 0 ? 0 : n / of);
const mean = (values: number[]): number => (values.length === 0 ? 0 : values.reduce((a, b) => a + b, 0) / values.length);

/** Scores the runs of one model and layout. */
export function summarizeRun(
  model: string,
  layout: string,
  fim: boolean,
  quality: boolean,
  cases: EvalCase[],
  runs: CaseRun[],
  loadMs: number,
): RunMetrics {
  const byId = new Map(cases.map((c) => [c.id, c]));
  const scored = runs.map((run) => {
    const c = byId.get(run.id);
    if (!c) throw new Error(`no case ${run.id}`);
    return { c, run, score: scoreCase(c.prefix, c.suffix, c.expected, run.suggestion) };
  });
  const lineStart = scored.filter((s) => s.score.wrongIndentation !== undefined);
  const byLanguage: RunMetrics['byLanguage'] = {};
  for (const language of [...new Set(scored.map((s) => s.c.language))].sort()) {
    const mine = scored.filter((s) => s.c.language === language);
    byLanguage[language] = {
      cases: mine.length,
      exactMatch: share(mine.filter((s) => s.score.exact).length, mine.length),
      editSimilarity: mean(mine.map((s) => s.score.similarity)),
    };
  }
  const latencies = runs.map((r) => r.latencyMs);
  return {
    model,
    layout,
    fim,
    quality,
    cases: runs.length,
    exactMatch: share(scored.filter((s) => s.score.exact).length, scored.length),
    editSimilarity: mean(scored.map((s) => s.score.similarity)),
    emptyRate: share(scored.filter((s) => s.score.empty).length, scored.length),
    latencyMs: { p50: quantile(latencies, 0.5), p90: quantile(latencies, 0.9) },
    harms: {
      repeatsSuffix: share(scored.filter((s) => s.score.repeatsSuffix).length, scored.length),
      wrongIndentation: share(lineStart.filter((s) => s.score.wrongIndentation).length, lineStart.length),
      repeatsPrefix: share(scored.filter((s) => s.score.repeatsPrefix).length, scored.length),
    },
    byLanguage,
    promptTokensP50: quantile(
      runs.map((r) => r.trace?.generation?.promptTokens ?? 0),
      0.5,
    ),
    generatedTokensP50: quantile(
      runs.map((r) => r.trace?.generation?.generatedTokens ?? 0),
      0.5,
    ),
    loadMs,
    samples: scored.map((s) => ({
      id: s.c.id,
      expected: s.c.expected,
      suggestion: s.run.suggestion,
      latencyMs: Math.round(s.run.latencyMs),
      generation: s.run.trace?.generation,
    })),
  };
}

const percent = (x: number): string => `${(x * 100).toFixed(1)}%`;

/** The Markdown table printed at the end and kept in the README. */
export function table(runs: RunMetrics[]): string {
  const rows = [
    '| model | layout | cases | exact match | edit similarity | empty | latency p50 / p90 ms | repeats suffix | wrong indentation ¹ | repeats prefix | prompt lookup: accepted, speed-up ² |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
  ];
  for (const r of runs) {
    const quality = (text: string): string => (r.quality ? text : '–');
    const speculative = r.speculative
      ? `${percent(r.speculative.acceptanceRate)}, ${r.speculative.speedUp.toFixed(2)}× (${r.speculative.tokensPerSecond.plain.toFixed(1)} → ${r.speculative.tokensPerSecond.predicted.toFixed(1)} tok/s, ${r.speculative.cases} prompts)`
      : '–';
    rows.push(
      `| ${r.model} | ${r.layout} | ${r.cases} | ${quality(percent(r.exactMatch))} | ${quality(r.editSimilarity.toFixed(3))} | ${quality(percent(r.emptyRate))} | ` +
        `${Math.round(r.latencyMs.p50)} / ${Math.round(r.latencyMs.p90)} | ${quality(percent(r.harms.repeatsSuffix))} | ${quality(percent(r.harms.wrongIndentation))} | ` +
        `${quality(percent(r.harms.repeatsPrefix))} | ${speculative} |`,
    );
  }
  return rows.join('\n');
}
