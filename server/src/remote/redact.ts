import { isPlaceholder, looksLikeLiteral, looksRandom, redactsValue, secretFamily, type SecretFamily } from './secretNames';
import { isPlaceholderToken, rankOf, TOKEN_RULES, type SecretKind } from './secretPatterns';

export type { SecretKind } from './secretPatterns';

/** What `redactSecrets` did. */
export interface RedactionResult {
  text: string;
  /** Secrets replaced. */
  count: number;
  /** Secrets replaced, by kind. */
  kinds: Record<string, number>;
}

/** A span to replace. Where spans overlap, the lower `rankOf` names the kind (the more specific pattern). */
interface Span {
  start: number;
  end: number;
  kind: SecretKind;
}

/** Value patterns: group `v` is the secret; the header or name before it stays. */
const AUTHORIZATION =
  /(?<![\w-])(?:proxy-)?authorization["']?[ \t]{0,20}[:=][ \t]{0,20}["'`]?[ \t]{0,5}(?<scheme>(?:bearer|basic|token|digest)[ \t]{1,5})?(?<v>[A-Za-z0-9._~+/=-]{8,8192})/gi;
const KEY_HEADER =
  /(?<![\w-])(?:x-api-key|api-key|x-auth-token|x-access-token|x-goog-api-key|ocp-apim-subscription-key)["']?[ \t]{0,20}:[ \t]{0,20}["'`]?(?<v>[A-Za-z0-9._~+/=-]{8,8192})/gi;
const URL_CREDENTIALS = /(?<![A-Za-z0-9+.-])[A-Za-z][A-Za-z0-9+.-]{0,30}:\/\/(?<v>[^\s/?#@:"'`<>]{0,256}:[^\s/?#@"'`<>]{1,256})@/g;
/** Go's data source names: `user:pass@tcp(host:3306)/db`, without a scheme. */
const GO_DSN = /(?<![\w.@:[-])(?<v>[\w.-]{1,64}:[^\s/?#@"'`<>()]{1,256})@(?:tcp|udp|unix)\(/g;
/**
 * `Password=…;` inside connection strings and query strings (after `;`, `?`, `&` or a quote, so
 * not Python's `f(password=pw)`, nor the shell's `PWD=/home/me` on a line of its own), and the
 * `sig=` of an Azure shared access signature, which grants access by itself.
 */
const INLINE_PASSWORD =
  /(?<=[;?&"'])(?<name>password|passwd|pwd|accountkey|sharedaccesskey|access_token|client_secret|sig)=(?<v>[^;&\s"'`<>()[\]{},]{1,500})/gi;

/**
 * `name <op> "value"` anywhere: names bare or quoted (`"client_secret": "…"`,
 * `headers['x-api-key'] = '…'`), an optional type annotation (`apiKey: string = '…'`), the
 * operators `=`, `:`, `:=`, `=>`, `??=`, `||=`, `==`, `===`, `!=`, `!==`. The three value
 * alternatives are disjoint, so a missing closing quote costs one pass over the line.
 */
const QUOTED_ASSIGNMENT =
  /(?<![\w$.-])(?<nq>["'`]?)(?<name>[A-Za-z_$][\w$.-]{0,80})\k<nq>\]?[ \t]{0,20}(?::[ \t]{0,20}[A-Za-z_$][\w$.]{0,40}(?:\[\])?[ \t]{0,20}(?==))?(?<op>:=|=>|\?\?=|\|\|=|={2,3}|!={1,2}|=|:(?!:))[ \t]{0,20}(?<q>["'`])(?<v>(?:[^"'`\\\r\n]|\\.|(?!\k<q>)["'`]){0,4096})\k<q>/g;

/**
 * `NAME=value`, `export NAME=value`, `name: value`, `- NAME=value` on a line of its own (`.env`,
 * shell, YAML, INI, properties, Dockerfile `ENV`), unquoted; a trailing ` # comment` is not
 * part of the value.
 */
const CONFIG_LINE =
  /^[ \t]{0,40}(?:(?:export|set|ENV|ARG|-)[ \t]{1,10})?(?<name>[A-Za-z_][\w.-]{0,80})(?<sp>[ \t]{0,20})(?<op>=|:(?!:))(?<sp2>[ \t]{0,20})(?<v>[^\s"'`][^\r\n]*)$/gm;

/**
 * `-e AWS_SECRET_ACCESS_KEY=…`, `env API_TOKEN=… ./run`: an upper-case environment assignment
 * after a space inside a command line. The value ends at a space or a shell operator.
 */
const INLINE_ENV = /(?<=[ \t])(?<name>[A-Z][A-Z0-9_]{1,80})=(?<v>[^\s"'`;&|()<>]{1,4096})/g;

/** `--password=…`, `--account-key …`, `--token "…"`: a command-line flag and its value. */
const FLAG = /(?<![\w-])--(?<name>[A-Za-z][A-Za-z0-9_-]{0,60})(?<op>=|[ \t]{1,5})(?<q>["']?)(?<v>[^\s"'`;&|()<>]{1,4096})/g;
/** A flag's value that is an assignment of its own. */
const NESTED = /^(?<name>[A-Za-z_][\w.-]{0,80})=(?<v>.+)$/;
/** What may follow an unquoted command-line value. */
const VALUE_END = /^(?:[\s;&|)]|$)/;

/**
 * Replaces each secret in `text` by `[REDACTED:<kind>]`; {@link SecretKind} lists the kinds and
 * `secretPatterns.ts` holds the token patterns, one row a provider.
 *
 * Assignments (`API_KEY=…`, `export DB_PASSWORD="…"`, `password: "…"`, `"client_secret": "…"`,
 * `const apiKey = '…'`, `SECRET_KEY := "…"`, `Password=…;` in connection strings, `sig=…` in
 * query strings, `-e AWS_SECRET_ACCESS_KEY=…` and `--password=…` on command lines) keep the name
 * and lose the value. Names are judged by `secretNames.ts`: password-like names lose any value;
 * secret, token, credential and qualified key names (`apiKey`, `PRIVATE_KEY`) lose values of 8+
 * characters without spaces; other names ending in key (`STRIPE_KEY`, `auth`) lose only values
 * that look random; names that say the value is public or a lookup key (`publicKey`,
 * `NEXT_PUBLIC_…`, `cacheKey`) are not secrets. In code, only string literals are values:
 * `token = getToken()` and `password: string` are left alone. Unquoted values count on
 * config-style lines (`.env`, YAML, INI, properties) that start with the name, after an
 * upper-case `NAME=` inside a command line, and after a `--flag`.
 *
 * Not redacted: empty values, references (`${VAR}`, `$VAR`, `%VAR%`, `{{ var }}`), obvious
 * placeholders (`<your-key>`, `your_api_key_here`, `xxxx`, `****`, `changeme`, `sk_test_...`),
 * test-fixture words assigned to non-password names (`'test-token'`, `'fake-api-key'`), and text
 * already redacted, so redacting twice changes nothing. The token patterns (AWS, GitHub, …) are
 * redacted even in documentation examples (`AKIAIOSFODNN7EXAMPLE`), unless their random part is
 * uniform (`ghp_xxxx…`, `AKIAXXXXXXXXXXXXXXXX`), which no issued key is.
 *
 * Every pattern is anchored on a literal or a boundary and uses bounded or non-overlapping
 * repetition, so the work is linear in the text (no catastrophic backtracking).
 */
export function redactSecrets(text: string): RedactionResult {
  const spans: Span[] = [];
  privateKeySpans(text, spans);
  tokenSpans(text, spans);
  headerSpans(text, spans);
  assignmentSpans(text, spans);
  return apply(text, spans);
}

/** The tokens of `secretPatterns.ts`, but not their uniform placeholders (`ghp_xxxx…`). */
function tokenSpans(text: string, spans: Span[]): void {
  for (const rule of TOKEN_RULES) {
    for (const m of text.matchAll(rule.pattern)) {
      if (isPlaceholderToken(m.groups?.body ?? m[0])) continue;
      const kind = typeof rule.kind === 'function' ? rule.kind(m[0]) : rule.kind;
      spans.push({ start: m.index!, end: m.index! + m[0].length, kind });
    }
  }
}

/** Authorization and key headers, and credentials in URLs and Go data source names. */
function headerSpans(text: string, spans: Span[]): void {
  for (const m of text.matchAll(AUTHORIZATION)) {
    const { scheme, v } = m.groups!;
    // Without a scheme the value may be a variable name (`authorization: authHeader`).
    if (!isPlaceholder(v) && (scheme || looksRandom(v))) pushValue(spans, m, v, 0, 'bearer-token');
  }
  for (const m of text.matchAll(KEY_HEADER)) {
    if (!isPlaceholder(m.groups!.v)) pushValue(spans, m, m.groups!.v, 0, 'bearer-token');
  }
  for (const m of text.matchAll(URL_CREDENTIALS)) {
    const v = m.groups!.v;
    const password = v.slice(v.indexOf(':') + 1);
    // `scheme://user:password@host` in documentation is a placeholder.
    if (v.startsWith('[REDACTED') || isPlaceholder(password) || /^(?:pass|password|passwd|secret)$/i.test(password)) continue;
    pushValue(spans, m, v, 1, 'url-credentials');
  }
  for (const m of text.matchAll(GO_DSN)) {
    const v = m.groups!.v;
    const password = v.slice(v.indexOf(':') + 1);
    if (isPlaceholder(password) || /^(?:pass|password|passwd|secret)$/i.test(password)) continue;
    spans.push({ start: m.index, end: m.index + v.length, kind: 'url-credentials' });
  }
}

/** Values assigned to secret-like names, in code, config files and connection strings. */
function assignmentSpans(text: string, spans: Span[]): void {
  // Code repeats its names: judge each once.
  const families = new Map<string, SecretFamily | undefined>();
  const familyOf = (name: string): SecretFamily | undefined => {
    if (!families.has(name)) families.set(name, secretFamily(name));
    return families.get(name);
  };
  for (const m of text.matchAll(INLINE_PASSWORD)) {
    const { name, v } = m.groups!;
    const family = name.toLowerCase() === 'pwd' ? 'password' : (familyOf(name) ?? 'secret');
    if (redactsValue(family, v, name)) pushValue(spans, m, v, 0, kindOf(name, family));
  }
  for (const m of text.matchAll(QUOTED_ASSIGNMENT)) {
    const { nq, name, op, q, v } = m.groups!;
    const family = familyOf(name);
    if (!family) continue;
    // A template literal with `${...}` is built at run time.
    if (q === '`' && v.includes('${')) continue;
    if (op.startsWith('!') && family !== 'password') continue;
    // `cond ? 'password' : 'secret'` is a conditional, not a key and its value.
    if (nq && /\?[ \t]*$/.test(text.slice(Math.max(0, m.index! - 20), m.index))) continue;
    if (redactsValue(family, unescape(v), name)) pushValue(spans, m, v, 1, kindOf(name, family));
  }
  for (const m of text.matchAll(CONFIG_LINE)) {
    const { name, sp, op, sp2, v } = m.groups!;
    const family = familyOf(name);
    if (!family) continue;
    const value = configValue(v);
    // `NAME=value` with nothing around `=` is env style, where any text is the value; elsewhere
    // the line may be code (`password: string;`, `token = getToken()`).
    const envStyle = op === '=' && sp === '' && sp2 === '';
    if (envStyle ? CALL.test(value) : !looksLikeLiteral(value)) continue;
    if (!redactsValue(family, value, name)) continue;
    const start = m.index! + m[0].length - v.length;
    spans.push({ start, end: start + value.length, kind: kindOf(name, family) });
  }
  commandLineSpans(text, spans, familyOf);
}

/** Environment assignments and flags inside command lines (`docker run -e …`, `mysql --password=…`). */
function commandLineSpans(text: string, spans: Span[], familyOf: (name: string) => SecretFamily | undefined): void {
  for (const m of text.matchAll(INLINE_ENV)) {
    const { name, v } = m.groups!;
    const family = familyOf(name);
    if (!family || !VALUE_END.test(text.slice(m.index + m[0].length, m.index + m[0].length + 1))) continue;
    if (redactsValue(family, v, name)) pushValue(spans, m, v, 0, kindOf(name, family));
  }
  for (const m of text.matchAll(FLAG)) {
    const { op, q } = m.groups!;
    const end = m.index + m[0].length;
    // Quoted, the value ends at its quote; unquoted, at a space or a shell operator.
    if (m.groups!.v.startsWith('-') || (q ? text[end] !== q : !VALUE_END.test(text.slice(end, end + 1)))) continue;
    // A value that is itself an assignment is judged by its own name: `--from-literal=password=…`
    // is a password, `--secret id=npmrc,src=…` is not, and `--from-file=password=…` names a file.
    const inner = NESTED.exec(m.groups!.v)?.groups;
    if (inner && /(?:file|path|dir)$/i.test(m.groups!.name)) continue;
    const { name, v } = inner ?? m.groups!;
    const family = familyOf(name);
    if (!family) continue;
    // `--token value`: only passwords and random values, since a space also ends a boolean flag.
    if (!inner && op !== '=' && family !== 'password' && !looksRandom(v)) continue;
    if (redactsValue(family, v, name)) pushValue(spans, m, v, 0, kindOf(name, family));
  }
}

/** `password=input("pw")`: a call, even on an env-style line. */
const CALL = /^[A-Za-z_$][\w.$]{0,80}\(.*\)[;,]?$/;

/** The kind for a secret assigned to `name`. */
function kindOf(name: string, family: string): SecretKind {
  if (/aws.{0,20}secret|secret.{0,5}access.{0,5}key/i.test(name)) return 'aws-secret-key';
  return family === 'password' ? 'password' : 'secret';
}

/** An unquoted config value without its trailing ` # comment` and spaces. */
function configValue(raw: string): string {
  const comment = raw.search(/[ \t]#/);
  return (comment >= 0 ? raw.slice(0, comment) : raw).trimEnd();
}

/** The text of a quoted value, for judging it (escapes like `\"` count as one character). */
function unescape(value: string): string {
  return value.replace(/\\(.)/g, '$1');
}

/** Adds the span of `value`, which ends `after` characters before the end of the match. */
function pushValue(spans: Span[], m: RegExpMatchArray, value: string, after: number, kind: SecretKind): void {
  const end = m.index! + m[0].length - after;
  if (value.length > 0) spans.push({ start: end - value.length, end, kind });
}

const PEM_BEGIN = /-----BEGIN (?<label>(?:[A-Z0-9]{1,20} ){0,3}PRIVATE KEY(?: BLOCK)?)-----/g;
const PEM_END = /-----END (?:[A-Z0-9]{1,20} ){0,3}PRIVATE KEY(?: BLOCK)?-----/y;
/**
 * One line of a key body without its END line: base64 (no spaces inside) or a PEM header
 * (`Proc-Type: 4,ENCRYPTED`), then a line break, real or escaped (`\n` in a JSON string).
 */
const PEM_LINE = /[ \t]{0,20}(?:[A-Za-z0-9+/=]{1,128}|[A-Za-z][A-Za-z-]{0,30}: [^\r\n\\]{0,200})?[ \t]{0,20}(?:\r?\n|\\r\\n|\\n)/y;
/** The last line of a truncated body. */
const PEM_TAIL = /[A-Za-z0-9+/=]{1,128}/y;
/** Key material: the shortest key (Ed25519) is a 64-character line of base64. */
const KEY_RUN = /[A-Za-z0-9+/]{40}/g;
/** A key block ends within this many characters of its BEGIN line, or it has no END. */
const PEM_MAX = 65536;

/**
 * PEM private key blocks, BEGIN line to END line, with key material between them. A BEGIN line
 * without an END (a truncated selection) still redacts the key material that follows it; a
 * BEGIN line followed by no key material (a parser's string constant) is left alone. Found with
 * `indexOf`, remembering where the next END is, so that many BEGIN lines cost one scan.
 */
function privateKeySpans(text: string, spans: Span[]): void {
  let nextEnd = -2; // -2: not searched yet; -1: there is none
  let nextRun = -2;
  // The last character before `nextEnd` that no key body holds: a block must begin after it.
  let foreign = -1;
  let covered = 0;
  for (const m of text.matchAll(PEM_BEGIN)) {
    const begin = m.index;
    if (begin < covered) continue;
    const bodyStart = begin + m[0].length;
    if (nextEnd !== -1 && nextEnd < bodyStart) {
      const previous = nextEnd;
      nextEnd = text.indexOf('-----END ', bodyStart);
      if (nextEnd >= 0) foreign = lastForeign(text, Math.max(previous, nextEnd - PEM_MAX, 0), nextEnd);
    }
    let end = -1;
    if (nextEnd >= 0 && nextEnd - begin <= PEM_MAX) {
      PEM_END.lastIndex = nextEnd;
      const close = PEM_END.exec(text);
      // Code between a BEGIN and an END (a parser's `startsWith('-----BEGIN …')`) is no key
      // block: a body holds a run of key material and only what bodies hold. Both are remembered
      // like the next END, so that many BEGIN lines cost one scan.
      if (nextRun !== -1 && nextRun < bodyStart) {
        KEY_RUN.lastIndex = bodyStart;
        nextRun = KEY_RUN.exec(text)?.index ?? -1;
      }
      if (close && nextRun >= 0 && nextRun < nextEnd && foreign < bodyStart) end = nextEnd + close[0].length;
    }
    if (end < 0) {
      end = truncatedBodyEnd(text, bodyStart);
      if (end < 0) continue;
    }
    spans.push({ start: begin, end, kind: 'private-key' });
    covered = end;
  }
}

/**
 * Where the key material after a BEGIN line without END stops: after the last line of base64 or
 * PEM header. -1 when there is less than 32 characters of it (a BEGIN line quoted in code).
 */
function truncatedBodyEnd(text: string, bodyStart: number): number {
  let pos = bodyStart;
  let material = 0;
  let end = bodyStart;
  while (pos - bodyStart < PEM_MAX) {
    PEM_LINE.lastIndex = pos;
    const line = PEM_LINE.exec(text)?.[0];
    if (!line) break;
    const key = /[A-Za-z0-9+/=]{1,200}|[A-Za-z][A-Za-z-]{0,30}: [^\r\n\\]{0,200}/.exec(line);
    if (key) {
      material += materialLength(key[0]);
      end = pos + key.index + key[0].length;
    }
    pos += line.length;
  }
  PEM_TAIL.lastIndex = pos;
  const tail = PEM_TAIL.exec(text);
  if (tail) {
    material += materialLength(tail[0]);
    end = pos + tail[0].length;
  }
  return material >= 32 ? end : -1;
}

/**
 * What a key body may hold besides base64: line breaks, escapes, indentation, the quotes and `+`
 * of a string split over lines, and PEM or PGP headers (`DEK-Info: AES-128-CBC,…`,
 * `Comment: Alice <a@example.com>`). Code between two markers holds more (`_`, `{`, `&`, `?`).
 */
const NOT_IN_KEY_BODY = /[^A-Za-z0-9+/=\s\\"'`,;:.()[\]<>@-]/g;

/** The position of the last character in `from..to` that no key body holds, or `from - 1`. */
function lastForeign(text: string, from: number, to: number): number {
  let last = from - 1;
  for (const m of text.slice(from, to).matchAll(NOT_IN_KEY_BODY)) last = from + m.index;
  return last;
}

/** Characters of key material in a line: base64 without its `=` padding (a row of `=` is a rule, not a key). */
function materialLength(line: string): number {
  return line.length - (line.match(/=/g)?.length ?? 0);
}

/** Merges overlapping spans (the lower rank names the kind) and replaces them. */
function apply(text: string, spans: Span[]): RedactionResult {
  spans.sort((a, b) => a.start - b.start || b.end - a.end || rankOf(a.kind) - rankOf(b.kind));
  const merged: Span[] = [];
  for (const span of spans) {
    const last = merged[merged.length - 1];
    if (last && span.start < last.end) {
      last.end = Math.max(last.end, span.end);
      if (rankOf(span.kind) < rankOf(last.kind)) last.kind = span.kind;
    } else {
      merged.push({ ...span });
    }
  }
  const kinds: Record<string, number> = {};
  const parts: string[] = [];
  let at = 0;
  for (const span of merged) {
    parts.push(text.slice(at, span.start), `[REDACTED:${span.kind}]`);
    kinds[span.kind] = (kinds[span.kind] ?? 0) + 1;
    at = span.end;
  }
  parts.push(text.slice(at));
  return { text: parts.join(''), count: merged.length, kinds };
}
