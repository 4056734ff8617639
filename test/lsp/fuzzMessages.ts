import fc from 'fast-check';

/**
 * What the message fuzz sends: the messages an editor sends, then broken the ways a buggy or
 * hostile client breaks them (wrong types, missing fields, huge strings, negative and huge
 * positions, unknown URIs, stale versions, reversed ranges, params by position, cancels of
 * anything). Ids are given when a batch is sent, so a cancel names one of the requests before it.
 */
export type FuzzMessage =
  | { kind: 'request'; method: string; params: Params }
  | { kind: 'notification'; method: string; params: Params }
  | { kind: 'cancel'; back: number; params: 'id' | 'none' | 'junk' }
  /** Not a well-formed request or notification: the server need not answer it, only survive it. */
  | { kind: 'junk'; message: unknown };

/** Params as sent: a value, nothing at all, or by position. */
export type Params = { value: unknown } | { omitted: true } | { byPosition: unknown[] };

export interface FuzzContext {
  /** The known model's path: the one file worth inspecting or importing. */
  modelPath: string;
  /** The models folder the server was given. */
  modelsDir: string;
  /** Settings that keep the server working; configuration changes start from these. */
  settings: Record<string, unknown>;
}

/** The documents most messages are about, so that changes and completions meet open documents. */
export const URIS = ['file:///fuzz/a.ts', 'file:///fuzz/b.py', 'untitled:Untitled-1', 'file:///fuzz/%E2%9C%93 space.md'];

const uri = fc.oneof(
  { weight: 12, arbitrary: fc.constantFrom(...URIS) },
  { weight: 1, arbitrary: fc.webUrl() },
  { weight: 1, arbitrary: fc.string({ maxLength: 30 }) },
);

const snippets = ['console', 'while (', 'import numpy as', 'SELECT * FROM', 'const x = 1;\nconsole', 'export function add(a, b) {', '\n'];

/** Long strings: a repeated piece, sometimes with line breaks, 10 kB to 1 MB. */
const hugeText = fc
  .record({ length: fc.integer({ min: 10_000, max: 1_000_000 }), piece: fc.string({ minLength: 1, maxLength: 24, unit: 'binary' }) })
  .map(({ length, piece }) => piece.repeat(Math.ceil(length / piece.length)).slice(0, length));

const text = fc.oneof(
  { weight: 10, arbitrary: fc.string({ maxLength: 60 }) },
  { weight: 8, arbitrary: fc.constantFrom(...snippets) },
  { weight: 4, arbitrary: fc.string({ maxLength: 200, unit: 'binary' }) },
  { weight: 1, arbitrary: hugeText },
);

/** Integers where LSP wants a `uinteger`: mostly small, then negative, huge, and not integers. */
const coordinate = fc.oneof(
  { weight: 12, arbitrary: fc.nat(120) },
  { weight: 2, arbitrary: fc.integer({ min: -1000, max: -1 }) },
  { weight: 2, arbitrary: fc.constantFrom(2 ** 31 - 1, 2 ** 31, 2 ** 32, Number.MAX_SAFE_INTEGER, 1e300) },
  { weight: 1, arbitrary: fc.double() },
);

const position = fc.record({ line: coordinate, character: coordinate });
// Start and end are independent: about half the ranges are reversed.
const range = fc.record({ start: position, end: position });
const version = fc.oneof(fc.nat(8), fc.integer());
const progressToken = fc.oneof(fc.string({ maxLength: 8 }), fc.integer());
const identifier = fc.record({ uri });

const didOpen = fc.record({
  textDocument: fc.record({ uri, languageId: fc.constantFrom('typescript', 'python', 'plaintext', 'markdown', ''), version, text }),
});

const contentChange = fc.oneof(
  { weight: 4, arbitrary: fc.record({ range, text }) },
  { weight: 1, arbitrary: fc.record({ range, rangeLength: fc.nat(), text }) },
  { weight: 1, arbitrary: fc.record({ text }) },
);
const didChange = fc.record({ textDocument: fc.record({ uri, version }), contentChanges: fc.array(contentChange, { maxLength: 4 }) });

const inlineCompletion = fc.record({
  textDocument: identifier,
  position,
  context: fc.record({ triggerKind: fc.constantFrom(1, 2) }),
});

const textHelp = fc.record(
  {
    textDocument: identifier,
    range,
    style: fc.constantFrom('brief', 'detailed'),
    workDoneToken: progressToken,
    partialResultToken: progressToken,
  },
  { requiredKeys: ['textDocument'] },
);

function modelRequests(context: FuzzContext): fc.Arbitrary<{ method: string; value: unknown }> {
  const path = fc.oneof(
    fc.constantFrom(context.modelPath, context.modelsDir, `${context.modelsDir}/missing.gguf`, '', '.', '/nonexistent/x.gguf'),
    fc.string({ maxLength: 20 }).map((name) => `${context.modelsDir}/${name}.gguf`),
  );
  return fc.oneof(
    fc.record({ method: fc.constant('slmAssist/inspectModel'), value: fc.record({ path, role: fc.constantFrom('completion', 'chat') }) }),
    fc.record({ method: fc.constant('slmAssist/deleteModel'), value: fc.record({ path }) }),
    fc.record({
      method: fc.constant('slmAssist/importModel'),
      value: fc.record({ source: path, link: fc.boolean() }, { requiredKeys: ['source'] }),
    }),
    // Never a real catalog id: nothing may be downloaded (downloads are also off in the settings).
    fc.record({
      method: fc.constant('slmAssist/downloadModel'),
      value: fc.record({ id: fc.string({ maxLength: 12 }).map((s) => `fuzz-${s}`) }),
    }),
    fc.record({ method: fc.constantFrom('slmAssist/models', 'slmAssist/loadModel'), value: fc.constantFrom(undefined, null, {}) }),
  );
}

/** Every path to a value inside params (not into long strings), for the mutations. */
function paths(
  value: unknown,
  prefix: Array<string | number> = [],
  out: Array<Array<string | number>> = [],
): Array<Array<string | number>> {
  out.push(prefix);
  if (prefix.length < 5 && typeof value === 'object' && value !== null) {
    for (const [key, child] of Object.entries(value)) paths(child, [...prefix, Array.isArray(value) ? Number(key) : key], out);
  }
  return out;
}

interface Mutation {
  pick: number;
  action: 'replace' | 'delete';
  junk: unknown;
}

const junkValue = fc.oneof(
  { weight: 6, arbitrary: fc.jsonValue({ maxDepth: 2 }) },
  { weight: 1, arbitrary: hugeText },
  { weight: 1, arbitrary: fc.constantFrom(-1, 2 ** 53, 1.5, '', [], {}, null, true) },
);

const mutation: fc.Arbitrary<Mutation> = fc.record({
  pick: fc.nat(),
  action: fc.constantFrom<Mutation['action']>('replace', 'replace', 'delete'),
  junk: junkValue,
});

/** Applies mutations to a deep copy of `value`: a field replaced by junk or deleted, or the whole value replaced. */
function mutate(value: unknown, mutations: Mutation[]): unknown {
  let result = structuredClone(value);
  for (const m of mutations) {
    const all = paths(result);
    const path = all[m.pick % all.length];
    if (path.length === 0) {
      result = m.action === 'delete' ? undefined : structuredClone(m.junk);
      continue;
    }
    let parent = result as Record<string | number, unknown>;
    for (const key of path.slice(0, -1)) parent = parent[key] as Record<string | number, unknown>;
    const last = path[path.length - 1];
    if (m.action === 'delete') {
      if (Array.isArray(parent) && typeof last === 'number') parent.splice(last, 1);
      else delete parent[last];
    } else parent[last] = structuredClone(m.junk);
  }
  return result;
}

/** Valid params most of the time; otherwise mutated, omitted, or sent by position. */
function shaped(valid: fc.Arbitrary<unknown>): fc.Arbitrary<Params> {
  return fc.oneof(
    { weight: 10, arbitrary: valid.map((value) => ({ value })) },
    {
      weight: 6,
      arbitrary: fc.tuple(valid, fc.array(mutation, { minLength: 1, maxLength: 3 })).map(([v, ms]) => ({ value: mutate(v, ms) })),
    },
    { weight: 1, arbitrary: fc.constant({ omitted: true as const }) },
    { weight: 1, arbitrary: fc.tuple(valid, fc.array(junkValue, { maxLength: 2 })).map(([v, rest]) => ({ byPosition: [v, ...rest] })) },
  );
}

function configuration(context: FuzzContext): fc.Arbitrary<unknown> {
  const valid = fc.constant({ settings: { slmAssist: context.settings } });
  // Mutations below `settings` exercise the settings store's salvage; the next valid one restores them.
  return fc.oneof(
    valid,
    fc.tuple(valid, fc.array(mutation, { minLength: 1, maxLength: 3 })).map(([v, ms]) => mutate(v, ms)),
  );
}

const junkMessage = fc.oneof(
  fc.jsonValue({ maxDepth: 3 }),
  fc.record({
    jsonrpc: fc.constant('2.0'),
    id: fc.oneof(fc.constant(null), fc.object({ maxDepth: 1 }), fc.boolean()),
    method: fc.string(),
  }),
  fc.record({ jsonrpc: fc.constant('2.0'), method: fc.oneof(fc.integer(), fc.constant(null)), params: fc.jsonValue({ maxDepth: 2 }) }),
  fc.record({ jsonrpc: fc.constant('2.0'), id: fc.integer({ min: 1_000_000_000 }), result: fc.jsonValue({ maxDepth: 2 }) }),
);

/** One fuzz message, weighted like an editor's traffic: many changes and completions, a few of everything else. */
export function fuzzMessage(context: FuzzContext): fc.Arbitrary<FuzzMessage> {
  const request = (method: string, valid: fc.Arbitrary<unknown>): fc.Arbitrary<FuzzMessage> =>
    shaped(valid).map((params) => ({ kind: 'request' as const, method, params }));
  const notification = (method: string, valid: fc.Arbitrary<unknown>): fc.Arbitrary<FuzzMessage> =>
    shaped(valid).map((params) => ({ kind: 'notification' as const, method, params }));
  return fc.oneof(
    { weight: 14, arbitrary: notification('textDocument/didOpen', didOpen) },
    { weight: 24, arbitrary: notification('textDocument/didChange', didChange) },
    { weight: 3, arbitrary: notification('textDocument/didClose', fc.record({ textDocument: identifier })) },
    { weight: 2, arbitrary: notification('textDocument/didSave', fc.record({ textDocument: identifier })) },
    {
      weight: 1,
      arbitrary: notification('textDocument/willSave', fc.record({ textDocument: identifier, reason: fc.constantFrom(1, 2, 3) })),
    },
    {
      weight: 1,
      arbitrary: request('textDocument/willSaveWaitUntil', fc.record({ textDocument: identifier, reason: fc.constantFrom(1, 2, 3) })),
    },
    { weight: 24, arbitrary: request('textDocument/inlineCompletion', inlineCompletion) },
    {
      weight: 12,
      arbitrary: fc.record({
        kind: fc.constant('cancel' as const),
        back: fc.nat(30),
        params: fc.constantFrom('id', 'id', 'id', 'none', 'junk'),
      }),
    },
    { weight: 2, arbitrary: request('slmAssist/summarize', textHelp) },
    { weight: 2, arbitrary: request('slmAssist/explain', textHelp) },
    {
      weight: 4,
      arbitrary: fc
        .tuple(modelRequests(context), fc.array(mutation, { maxLength: 2 }))
        .map(([{ method, value }, ms]) => ({ kind: 'request' as const, method, params: { value: ms.length ? mutate(value, ms) : value } })),
    },
    {
      weight: 1,
      arbitrary: fc.record({
        kind: fc.constant('notification' as const),
        method: fc.constant('workspace/didChangeConfiguration'),
        params: configuration(context).map((value) => ({ value })),
      }),
    },
    { weight: 1, arbitrary: request('fuzz/unknownRequest', fc.jsonValue({ maxDepth: 1 })) },
    { weight: 1, arbitrary: notification('$/fuzzUnknown', fc.jsonValue({ maxDepth: 1 })) },
    { weight: 2, arbitrary: fc.record({ kind: fc.constant('junk' as const), message: junkMessage }) },
  );
}
