/** What one request of the replay measured. */
export interface KeystrokeResult {
  index: number;
  kind: 'char' | 'newline' | 'accept';
  afterMove: boolean;
  /** `model`, `cache` (answered without the model) or `none`. */
  source: string;
  /** From sending the edit to having the answer (the server mode: measured at the client). */
  responseMs: number;
  /** From sending the edit to the first generated token. */
  firstTokenMs?: number;
  promptTokens?: number;
  /** Prompt tokens evaluated for this request; the rest came from the KV cache. */
  evaluatedTokens?: number;
  generatedTokens?: number;
  decodeTokensPerSecond?: number;
  /** Cores' worth of CPU other processes used during this request. */
  othersCores?: number;
}

/** One model in one mode. */
export interface ModeResult {
  label: string;
  keystrokes: KeystrokeResult[];
  loadMs?: number;
  rssAfterLoadBytes?: number;
  rssBytes?: number;
  peakRssBytes?: number;
  /** Cores' worth of CPU other processes used meanwhile. */
  othersCores: number;
}

/** Summary figures of one mode: the first request (cold) is reported on its own, not in the percentiles. */
export interface Summary {
  label: string;
  requests: number;
  responseP50: number;
  responseP95: number;
  firstTokenP50: number;
  firstTokenP95: number;
  evaluatedP50: number;
  evaluatedP95: number;
  decodeTokensPerSecondP50: number;
  coldMs: number;
  coldPromptTokens: number;
  coldOthersCores?: number;
  rssMiB?: number;
  peakRssMiB?: number;
  othersCores: number;
}

export function percentile(values: readonly number[], p: number): number {
  const sorted = values.filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
  if (sorted.length === 0) return NaN;
  // Nearest rank.
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

const MiB = 1024 * 1024;

export function summarize(result: ModeResult): Summary {
  const [cold, ...rest] = result.keystrokes;
  const defined = (pick: (k: KeystrokeResult) => number | undefined): number[] =>
    rest.map(pick).filter((v): v is number => v !== undefined);
  return {
    label: result.label,
    requests: rest.length,
    responseP50: percentile(
      defined((k) => k.responseMs),
      50,
    ),
    responseP95: percentile(
      defined((k) => k.responseMs),
      95,
    ),
    firstTokenP50: percentile(
      defined((k) => k.firstTokenMs),
      50,
    ),
    firstTokenP95: percentile(
      defined((k) => k.firstTokenMs),
      95,
    ),
    evaluatedP50: percentile(
      defined((k) => k.evaluatedTokens),
      50,
    ),
    evaluatedP95: percentile(
      defined((k) => k.evaluatedTokens),
      95,
    ),
    decodeTokensPerSecondP50: percentile(
      defined((k) => k.decodeTokensPerSecond),
      50,
    ),
    coldMs: cold?.responseMs ?? NaN,
    coldPromptTokens: cold?.promptTokens ?? NaN,
    coldOthersCores: cold?.othersCores,
    rssMiB: result.rssBytes !== undefined ? result.rssBytes / MiB : undefined,
    peakRssMiB: result.peakRssBytes !== undefined ? result.peakRssBytes / MiB : undefined,
    othersCores: result.othersCores,
  };
}

function fmt(value: number | undefined, digits = 0): string {
  return value === undefined || !Number.isFinite(value) ? '–' : value.toFixed(digits);
}

/** The summaries as a Markdown table. */
export function table(rows: Array<Summary & { model: string }>): string {
  const header = [
    'model',
    'mode',
    'requests',
    'response p50 / p95 ms',
    'first token p50 / p95 ms',
    'evaluated tokens p50 / p95',
    'decode tok/s',
    'cold ms (prompt tokens)',
    'RSS MiB (peak)',
    'other load',
  ];
  const lines = [`| ${header.join(' | ')} |`, `|${header.map(() => ' --- ').join('|')}|`];
  for (const r of rows) {
    lines.push(
      `| ${[
        r.model,
        r.label,
        String(r.requests),
        `${fmt(r.responseP50)} / ${fmt(r.responseP95)}`,
        `${fmt(r.firstTokenP50)} / ${fmt(r.firstTokenP95)}`,
        `${fmt(r.evaluatedP50)} / ${fmt(r.evaluatedP95)}`,
        fmt(r.decodeTokensPerSecondP50, 1),
        `${fmt(r.coldMs)} (${fmt(r.coldPromptTokens)})`,
        r.rssMiB !== undefined ? `${fmt(r.rssMiB)} (${fmt(r.peakRssMiB)})` : '–',
        fmt(r.othersCores, 2),
      ].join(' | ')} |`,
    );
  }
  return lines.join('\n');
}
