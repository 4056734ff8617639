import type { z } from 'zod';

/** The outcome of checking a message's params: the typed value, or a message naming each bad field. */
export type Checked<T> = { ok: true; value: T } | { ok: false; message: string };

/** At most this many problems are named in one error message. */
const MAX_PROBLEMS = 3;

/**
 * Checks `raw` against `schema`. The message names each bad field by its path and says what was
 * expected and what came, never the value itself (it may be a document's text):
 * `textDocument.uri: expected a string, got a number`.
 */
export function checkParams<T>(schema: z.ZodType<T>, raw: unknown): Checked<T> {
  const result = schema.safeParse(raw);
  if (result.success) return { ok: true, value: result.data };
  const problems = result.error.issues.map((issue) => describe(issue, [], raw));
  const shown = problems.slice(0, MAX_PROBLEMS).join('; ');
  return { ok: false, message: problems.length > MAX_PROBLEMS ? `${shown} (and ${problems.length - MAX_PROBLEMS} more)` : shown };
}

type Issue = z.core.$ZodIssue;
type Path = ReadonlyArray<PropertyKey>;

function describe(issue: Issue, prefix: Path, raw: unknown): string {
  const path = [...prefix, ...issue.path];
  // A union with its own message says it; otherwise the message comes from its branches.
  if (issue.code === 'invalid_union' && issue.message !== 'Invalid input') return `${formatPath(path)}: ${issue.message}`;
  if (issue.code === 'invalid_union') return describeUnion(issue.errors, path, raw);
  return `${formatPath(path)}: ${expectation(issue)}${issue.code === 'invalid_type' ? `, got ${kindOf(at(raw, path))}` : ''}`;
}

/** A union's problem: "expected a string or a number" when every branch failed at the top, else the closest branch. */
function describeUnion(branches: Issue[][], path: Path, raw: unknown): string {
  const atTop = branches.every((issues) => issues.length === 1 && issues[0].path.length === 0 && issues[0].code !== 'invalid_union');
  if (atTop) {
    const expected = [...new Set(branches.map((issues) => expectation(issues[0]).replace(/^expected /, '')))].join(' or ');
    return `${formatPath(path)}: expected ${expected}, got ${kindOf(at(raw, path))}`;
  }
  const closest = branches.reduce((best, issues) => (issues.length < best.length ? issues : best));
  return closest.map((issue) => describe(issue, path, raw)).join('; ');
}

function expectation(issue: Issue): string {
  switch (issue.code) {
    case 'invalid_type':
      return `expected ${article(issue.expected)}`;
    case 'invalid_value':
      return `expected ${issue.values.map((v) => JSON.stringify(v)).join(' or ')}`;
    case 'too_small':
      return issue.origin === 'array' || issue.origin === 'string'
        ? `expected at least ${String(issue.minimum)} ${issue.origin === 'array' ? 'items' : 'characters'}`
        : `expected at least ${String(issue.minimum)}`;
    case 'too_big':
      return issue.origin === 'array' || issue.origin === 'string'
        ? `expected at most ${String(issue.maximum)} ${issue.origin === 'array' ? 'items' : 'characters'}`
        : `expected at most ${String(issue.maximum)}`;
    default:
      return issue.message;
  }
}

const articles: Record<string, string> = {
  int: 'an integer',
  object: 'an object',
  array: 'an array',
  undefined: 'nothing',
  null: 'null',
  nonoptional: 'a value',
};

function article(expected: string): string {
  return articles[expected] ?? `a ${expected}`;
}

/** What a JSON value is, in words, without showing it. */
function kindOf(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return article(typeof value);
}

function at(raw: unknown, path: Path): unknown {
  let value = raw;
  for (const key of path) {
    if (typeof value !== 'object' || value === null) return undefined;
    value = (value as Record<PropertyKey, unknown>)[key];
  }
  return value;
}

function formatPath(path: Path): string {
  if (path.length === 0) return 'params';
  return path.map((key, i) => (typeof key === 'number' ? `[${key}]` : i === 0 ? String(key) : `.${String(key)}`)).join('');
}
