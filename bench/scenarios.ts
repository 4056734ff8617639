import type { BackgroundTrace } from '../common/protocol';
import { CancellationTokenSource } from 'vscode-languageserver-protocol/node';
import { seededRandom } from '../test/support/seededRandom';
import { LspClient } from '../test/lsp/harness';
import { type BaselineOptions, referenceRequest } from './baseline';
import { memory } from './serverMode';
import { type Arrival, type Fixture, type Keystroke, type Step, Typist } from './script';

/**
 * The situations besides typing in one place, each its own script and rows: typing at a
 * human cadence with pauses, a 200-line move, alternating between two files, accepting suggestion
 * after suggestion. See bench/README.md.
 */

const PARSER = 'file:///bench/jinja-parser.ts';
const CONNECTION = 'file:///bench/jsonrpc-connection.js';

export type ScenarioName = 'cadence' | 'move' | 'switch' | 'accept';

export interface Scenario {
  name: ScenarioName;
  title: string;
  script: Step[];
  /**
   * `overlap`: keystrokes go out on the typist's schedule whatever the server does, and a new one
   * cancels the request still under way (as the editor does); `await`: the next keystroke waits for
   * the answer (so every keystroke is measured).
   */
  timing: 'overlap' | 'await';
  /** Which keystrokes the llama.vscode reference answers (all of them take their edit); none: no reference. */
  reference?: (k: Keystroke, next: Keystroke | undefined) => boolean;
}

/** Bursts of 4-12 characters at 6-8 characters a second, with pauses of 0.5-2 s between them. */
function cadenceScript(seed: number, text: string): Step[] {
  const random = seededRandom(seed);
  const steps: Step[] = [
    { kind: 'moveTo', uri: PARSER, near: 'function parseMultiplicativeExpression', line: 'let left = parsePowerExpression();' },
  ];
  for (let at = 0; at < text.length;) {
    const burst = 4 + Math.floor(random() * 9);
    steps.push({ kind: 'type', text: text.slice(at, at + burst) }, { kind: 'pause', ms: 500 + Math.round(random() * 1500) });
    at += burst;
  }
  return steps;
}

const LINE_A = '\nconst start = current;';
const LINE_B = '\nconst started = Date.now();';

/**
 * How long the typist stays in a file between two switches: reading the other file. The full
 * window of a new place (about 1,250 tokens) is filled in while the user is idle there, about 4.5 s
 * on one thread of the machine this was measured on; with 1.5 s the returns were answered from the
 * quick window (bench/README.md).
 */
const READ_MS = 5000;

export function scenarios(quick: boolean): Scenario[] {
  const returns = quick ? 2 : 3;
  const switching: Step[] = [
    { kind: 'moveTo', uri: PARSER, near: 'function parseIfStatement', line: 'const alternate: Statement[] = [];' },
    { kind: 'type', text: '\nlet depth = 0;' },
    { kind: 'pause', ms: READ_MS },
    { kind: 'moveTo', uri: CONNECTION, near: 'sendRequest: (type, ...args) => {', line: 'throwIfNotListening();' },
    { kind: 'type', text: LINE_B },
    { kind: 'pause', ms: READ_MS },
  ];
  for (let i = 0; i < returns; i++) {
    switching.push(
      { kind: 'back', uri: PARSER },
      { kind: 'type', text: `\ndepth += ${i};` },
      { kind: 'pause', ms: READ_MS },
      { kind: 'back', uri: CONNECTION },
      { kind: 'type', text: `\nlet step${i} = ${i};` },
      { kind: 'pause', ms: READ_MS },
    );
  }
  const accepting: Step[] = [
    { kind: 'moveTo', uri: PARSER, near: 'function parseIfStatement', line: 'const alternate: Statement[] = [];' },
    { kind: 'type', text: '\nlet depth = 0;\n' },
  ];
  for (let i = 0; i < (quick ? 3 : 5); i++) accepting.push({ kind: 'pause', ms: 800 }, { kind: 'accept' });
  return [
    {
      name: 'cadence',
      title: 'bursts at 6-8 characters/s, pauses 0.5-2 s: pause to ghost text',
      script: cadenceScript(
        20261203,
        quick ? '\nconst start = current;\nif (!left) return left;' : `${LINE_A}\nif (!left) return left;\nconst next = parse(left);`,
      ),
      timing: 'overlap',
      // The reference is only asked at the end of each burst, its cache holding the previous burst's
      // end: kinder to it than the editor is (every keystroke is a request there).
      reference: (k, next) => next === undefined || next.pauseBeforeMs > 0,
    },
    {
      name: 'move',
      title: 'a 200-line move in the same file',
      script: [
        { kind: 'moveTo', uri: CONNECTION, near: 'const version', line: 'let inFlight = 0;' },
        { kind: 'type', text: '\nlet total = 0;' },
        { kind: 'pause', ms: 1500 },
        { kind: 'moveBy', lines: 200 },
        { kind: 'type', text: '\nconst id = message.id;' },
      ],
      timing: 'await',
      reference: (k) => k.afterMove,
    },
    {
      name: 'switch',
      title: `two files, alternating, ${returns} returns each`,
      script: switching,
      timing: 'await',
      reference: (k) => k.afterMove,
    },
    { name: 'accept', title: 'accepting suggestion after suggestion', script: accepting, timing: 'await' },
  ];
}

/** One request of a scenario. */
export interface ScenarioRequest {
  index: number;
  kind: Keystroke['kind'];
  arrival?: Arrival;
  /** The typist paused after this keystroke: its answer is what the user sees while pausing. */
  beforePause: boolean;
  /** Milliseconds from the keystroke to the answer; undefined when a newer keystroke cancelled it first. */
  responseMs?: number;
  source?: string;
  window?: string;
  promptTokens?: number;
  evaluatedTokens?: number;
  /** Snippets of other files in its prompt. */
  otherFiles?: number;
  /** What the keystroke inserted. */
  text: string;
}

export interface ScenarioResult {
  name: ScenarioName;
  label: string;
  requests: ScenarioRequest[];
  peakRssBytes?: number;
  /** The server's background work (fills, prefetches, other-file reads); none for the reference. */
  background?: BackgroundTrace[];
}

/**
 * Drives the built server through a scenario over LSP. Keystrokes come every 125-167 ms (6-8 per
 * second) plus the script's pauses; in `overlap` timing a request still under way when the next
 * keystroke comes is cancelled, as the editor cancels it.
 */
export async function runScenarioOnServer(options: {
  scenario: Scenario;
  serverPath: string;
  modelPath: string;
  fixtures: readonly Fixture[];
  fixedTokens: number;
  modelSettings: Record<string, unknown>;
}): Promise<ScenarioResult & { accepted: Map<number, string> }> {
  const { scenario } = options;
  const server = await LspClient.start({
    serverPath: options.serverPath,
    initializationOptions: { model: { ...options.modelSettings, path: options.modelPath }, inlineCompletion: { debounceMs: 0 } },
    experimental: { benchmark: { ignoreEog: true, fixedTokens: options.fixedTokens } },
  });
  const random = seededRandom(7);
  const accepted = new Map<number, string>();
  const requests: ScenarioRequest[] = [];
  try {
    for (const fixture of options.fixtures) await server.open(fixture.uri, fixture.text, fixture.languageId);
    const status = await server.loadModel();
    if (status.state !== 'ready') throw new Error(`the model did not load: ${status.message ?? status.state}`);
    const typist = new Typist(options.fixtures, scenario.script);
    let lastSuggestion = '';
    let due = performance.now();
    let pending: { cancel: CancellationTokenSource; answered: Promise<void> } | undefined;
    const all: Promise<void>[] = [];
    let keystroke = typist.next(() => lastSuggestion);
    while (keystroke) {
      due += keystroke.pauseBeforeMs;
      const wait = due - performance.now();
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      // The editor cancels the request under way and sends the edit at once.
      pending?.cancel.cancel();
      if (keystroke.kind === 'accept') accepted.set(keystroke.index, keystroke.text);
      // One trace per request, in the order they were sent (a newer request stops the older first).
      const traceIndex = requests.length;
      const started = performance.now();
      due = started + 125 + random() * 42;
      await server.insert(keystroke.uri, keystroke.at, keystroke.text);
      const cancel = new CancellationTokenSource();
      const current = keystroke;
      const request: ScenarioRequest = {
        index: current.index,
        kind: current.kind,
        arrival: current.arrival,
        beforePause: false,
        text: current.text,
      };
      requests.push(request);
      const answered = server.complete(keystroke.uri, keystroke.cursor, cancel).then(async (items) => {
        const trace = await server.waitFor(() => server.traces[traceIndex], `the trace of keystroke ${current.index}`);
        if (trace.cancelled) return;
        request.responseMs = performance.now() - started;
        request.source = trace.source;
        request.window = trace.window;
        request.promptTokens = trace.generation?.promptTokens;
        request.evaluatedTokens = trace.generation?.evaluatedTokens;
        request.otherFiles = trace.otherFiles;
        if (items[0]) lastSuggestion = items[0];
      });
      pending = { cancel, answered };
      all.push(answered);
      if (scenario.timing === 'await') await answered;
      const next = typist.next(() => lastSuggestion);
      request.beforePause = next === undefined || next.pauseBeforeMs > 0;
      // Before a pause the user waits for the ghost text (the pause starts when it shows).
      if (request.beforePause) {
        await answered;
        due = Math.max(due, performance.now());
      }
      keystroke = next;
    }
    await Promise.all(all);
    return {
      name: scenario.name,
      label: 'slm-assist',
      requests,
      accepted,
      peakRssBytes: memory(server.process.pid!).peak,
      background: [...server.backgroundTraces],
    };
  } finally {
    await server.stop();
  }
}

/**
 * The same scenario against llama.vscode's request and llama-server's cache handling (see
 * baseline.ts), in-process: every keystroke's edit is applied, the keystrokes the scenario picks get
 * a request, one after the other (no time is lost between them, which only flatters the reference).
 */
export async function runScenarioReference(
  options: Omit<BaselineOptions, 'samples' | 'monitor'> & { scenario: Scenario },
): Promise<ScenarioResult> {
  const { scenario, model, sequence } = options;
  const pick = scenario.reference;
  if (!pick) throw new Error(`the ${scenario.name} scenario has no reference`);
  await sequence.clearHistory();
  const typist = new Typist(options.fixtures, scenario.script);
  const accepted = (index: number): string => options.accepted.get(index) ?? '';
  const requests: ScenarioRequest[] = [];
  const signal = new AbortController().signal;
  let keystroke = typist.next(accepted);
  while (keystroke) {
    // The text after this keystroke, before the next one is applied (the next decides whether to ask).
    const text = typist.text(keystroke.uri);
    const next = typist.next(accepted);
    if (pick(keystroke, next)) {
      const { result, responseMs } = await referenceRequest(
        { model, sequence, fim: options.fim, fixedTokens: options.fixedTokens, signal },
        text,
        keystroke.cursor,
      );
      requests.push({
        index: keystroke.index,
        kind: keystroke.kind,
        arrival: keystroke.arrival,
        text: keystroke.text,
        beforePause: next === undefined || next.pauseBeforeMs > 0,
        responseMs,
        source: 'model',
        promptTokens: result.promptTokens,
        evaluatedTokens: result.evaluatedTokens,
      });
    }
    keystroke = next;
  }
  return { name: scenario.name, label: 'llama.vscode layout', requests };
}
