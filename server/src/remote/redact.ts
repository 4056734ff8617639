import { isPlaceholder, looksLikeLiteral, looksRandom, redactsValue, secretFamily, type SecretFamily } from './secretNames';

/**
 * What `redactSecrets` replaces, each as `[REDACTED:<kind>]`:
 *
 * | kind | what |
 * | --- | --- |
 * | `private-key` | a PEM private key block (RSA, EC, DSA, OPENSSH, ENCRYPTED, PGP, plain), BEGIN to END |
 * | `aws-access-key-id` | `AKIA…`, `ASIA…` and the other AWS key id prefixes, 20 characters |
 * | `aws-secret-key` | the value of an `aws_secret_access_key`-like assignment |
 * | `github-token` | `ghp_`, `gho_`, `ghu_`, `ghs_`, `ghr_`, `github_pat_` |
 * | `openai-key` | `sk-…`, `sk-proj-…`, `sk-svcacct-…` (20+ characters, with a digit) |
 * | `anthropic-key` | `sk-ant-…` |
 * | `slack-token` | `xoxa-`, `xoxb-`, `xoxp-`, `xoxr-`, `xoxs-`, `xoxo-`, `xapp-` |
 * | `slack-webhook` | `https://hooks.slack.com/services/…` |
 * | `google-api-key` | `AIza` + 35 characters |
 * | `stripe-key` | `sk_live_`, `rk_live_`, `sk_test_`, `rk_test_` |
 * | `jwt` | `eyJ….….…` (three base64url parts) |
 * | `bearer-token` | the credential of an `Authorization:` header (Bearer, Basic, Token, Digest), and of `x-api-key:`-style headers |
 * | `url-credentials` | the `user:pass` of `scheme://user:pass@host` |
 * | `password` | the value assigned to a password-like name |
 * | `secret` | the value assigned to another secret-like name |
 *
 * Assignments (`API_KEY=…`, `export DB_PASSWORD="…"`, `password: "…"`, `"client_secret": "…"`,
 * `const apiKey = '…'`, `SECRET_KEY := "…"`, `Password=…;` in connection strings) keep the name
 * and lose the value. Names are judged by `secretNames.ts`: password-like names lose any value;
 * secret, token, credential and qualified key names (`apiKey`, `PRIVATE_KEY`) lose values of 8+
 * characters without spaces; other names ending in key (`STRIPE_KEY`, `cacheKey`) lose only
 * values that look random. In code, only string literals are values: `token = getToken()` and
 * `password: string` are left alone. Unquoted values count on config-style lines (`.env`, YAML,
 * INI, properties) that start with the name.
 *
 * Not redacted: empty values, references (`${VAR}`, `$VAR`, `%VAR%`, `{{ var }}`), obvious
 * placeholders (`<your-key>`, `your_api_key_here`, `xxxx`, `****`, `changeme`), and text already
 * redacted, so redacting twice changes nothing. The token patterns (AWS, GitHub, …) are redacted
 * even when they look like documentation examples.
 *
 * Every pattern is anchored on a literal or a boundary and uses bounded or non-overlapping
 * repetition, so the work is linear in the text (no catastrophic backtracking).
 */
export type SecretKind =
  | 'private-key'
  | 'aws-access-key-id'
  | 'aws-secret-key'
  | 'github-token'
  | 'openai-key'
  | 'anthropic-key'
  | 'slack-token'
  | 'slack-webhook'
  | 'google-api-key'
  | 'stripe-key'
  | 'jwt'
  | 'bearer-token'
  | 'url-credentials'
  | 'password'
  | 'secret';

export interface RedactionResult {
  text: string;
  /** Secrets replaced. */
  count: number;
  /** Secrets replaced, by kind. */
  kinds: Record<string, number>;
}

/** A span to replace. Lower `rank` wins the kind when spans overlap (the more specific pattern). */
interface Span {
  start: number;
  end: number;
  kind: SecretKind;
}

const RANK: Record<SecretKind, number> = {
  'private-key': 0,
  'aws-access-key-id': 1,
  'github-token': 1,
  'openai-key': 1,
  'anthropic-key': 1,
  'slack-token': 1,
  'slack-webhook': 1,
  'google-api-key': 1,
  'stripe-key': 1,
  jwt: 2,
  'url-credentials': 3,
  'bearer-token': 4,
  'aws-secret-key': 5,
  password: 6,
  secret: 7,
};

/** A token pattern: the whole match is the secret. */
interface TokenRule {
  kind: SecretKind | ((match: string) => SecretKind);
  pattern: RegExp;
}

const TOKEN_RULES: TokenRule[] = [
  {
    kind: 'aws-access-key-id',
    pattern: /(?<![A-Za-z0-9])(?:AKIA|ASIA|ABIA|ACCA|AGPA|AIDA|AIPA|ANPA|ANVA|APKA|AROA)[A-Z0-9]{16}(?![A-Za-z0-9])/g,
  },
  { kind: 'github-token', pattern: /(?<![A-Za-z0-9_])(?:gh[pousr]_[A-Za-z0-9]{20,255}|github_pat_[A-Za-z0-9_]{20,255})(?![A-Za-z0-9_])/g },
  {
    kind: (match) => (match.startsWith('sk-ant-') ? 'anthropic-key' : 'openai-key'),
    pattern: /(?<![A-Za-z0-9_-])sk-(?:ant-|proj-|svcacct-|admin-)?(?=[A-Za-z_-]{0,300}[0-9])[A-Za-z0-9_-]{20,500}(?![A-Za-z0-9_-])/g,
  },
  { kind: 'slack-token', pattern: /(?<![A-Za-z0-9])(?:xox[abposr]|xapp)-[A-Za-z0-9-]{10,255}(?![A-Za-z0-9-])/g },
  { kind: 'slack-webhook', pattern: /https:\/\/hooks\.slack\.com\/(?:services|workflows|triggers)\/[A-Za-z0-9/_-]{10,255}/g },
  { kind: 'google-api-key', pattern: /(?<![A-Za-z0-9_-])AIza[A-Za-z0-9_-]{35}(?![A-Za-z0-9_-])/g },
  { kind: 'stripe-key', pattern: /(?<![A-Za-z0-9_])(?:sk|rk)_(?:live|test)_[A-Za-z0-9]{10,255}(?![A-Za-z0-9])/g },
  {
    kind: 'jwt',
    pattern: /(?<![A-Za-z0-9_-])eyJ[A-Za-z0-9_-]{5,4096}\.[A-Za-z0-9_-]{5,8192}\.[A-Za-z0-9_-]{0,4096}(?![A-Za-z0-9_-])/g,
  },
];

/** Value patterns: group `v` is the secret; the header or name before it stays. */
const AUTHORIZATION =
  /(?<![\w-])(?:proxy-)?authorization["']?[ \t]{0,20}[:=][ \t]{0,20}["'`]?[ \t]{0,5}(?<scheme>(?:bearer|basic|token|digest)[ \t]{1,5})?(?<v>[A-Za-z0-9._~+/=-]{8,8192})/gi;
const KEY_HEADER =
  /(?<![\w-])(?:x-api-key|api-key|x-auth-token|x-access-token|x-goog-api-key|ocp-apim-subscription-key)["']?[ \t]{0,20}:[ \t]{0,20}["'`]?(?<v>[A-Za-z0-9._~+/=-]{8,8192})/gi;
const URL_CREDENTIALS = /(?<![A-Za-z0-9+.-])[A-Za-z][A-Za-z0-9+.-]{0,30}:\/\/(?<v>[^\s/?#@:"'`<>]{0,256}:[^\s/?#@"'`<>]{1,256})@/g;
/**
 * `Password=…;` inside connection strings and query strings (after `;`, `?`, `&` or a quote, so
 * not Python's `f(password=pw)`, nor the shell's `PWD=/home/me` on a line of its own).
 */
const INLINE_PASSWORD =
  /(?<=[;?&"'])(?<name>password|passwd|pwd|accountkey|sharedaccesskey|access_token|client_secret)=(?<v>[^;&\s"'`<>()[\]{},]{1,500})/gi;

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
  /^[ \t]{0,40}(?:(?:export|set|ENV|ARG|-)[ \t]{1,10})?(?<name>[A-Za-z_][\w.-]{0,80})(?<sp>[ \t]{0,20})(?<op>=|:(?!:))(?<sp2>[ \t]{0,20})(?<v>[^\s"'`][^\r\n]{0,4096})$/gm;

/** Replaces the secrets in `text` (see {@link SecretKind} for what and how). */
export function redactSecrets(text: string): RedactionResult {
  const spans: Span[] = [];
  privateKeySpans(text, spans);
  tokenSpans(text, spans);
  headerSpans(text, spans);
  assignmentSpans(text, spans);
  return apply(text, spans);
}

function tokenSpans(text: string, spans: Span[]): void {
  for (const rule of TOKEN_RULES) {
    for (const m of text.matchAll(rule.pattern)) {
      const kind = typeof rule.kind === 'function' ? rule.kind(m[0]) : rule.kind;
      spans.push({ start: m.index!, end: m.index! + m[0].length, kind });
    }
  }
}

/** Authorization and key headers, and credentials in URLs. */
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
/** A key block ends within this many characters of its BEGIN line, or it has no END. */
const PEM_MAX = 65536;

/**
 * PEM private key blocks, BEGIN line to END line. A BEGIN line without an END (a truncated
 * selection) still redacts the key material that follows it; a BEGIN line followed by no key
 * material (a parser's string constant) is left alone. Found with `indexOf`, remembering where
 * the next END is, so that many BEGIN lines cost one scan.
 */
function privateKeySpans(text: string, spans: Span[]): void {
  let nextEnd = -2; // -2: not searched yet; -1: there is none
  let covered = 0;
  for (const m of text.matchAll(PEM_BEGIN)) {
    const begin = m.index;
    if (begin < covered) continue;
    const bodyStart = begin + m[0].length;
    if (nextEnd !== -1 && nextEnd < bodyStart) nextEnd = text.indexOf('-----END ', bodyStart);
    let end = -1;
    if (nextEnd >= 0 && nextEnd - begin <= PEM_MAX) {
      PEM_END.lastIndex = nextEnd;
      const close = PEM_END.exec(text);
      if (close) end = nextEnd + close[0].length;
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
      material += key[0].length;
      end = pos + key.index + key[0].length;
    }
    pos += line.length;
  }
  PEM_TAIL.lastIndex = pos;
  const tail = PEM_TAIL.exec(text);
  if (tail) {
    material += tail[0].length;
    end = pos + tail[0].length;
  }
  return material >= 32 ? end : -1;
}

/** Merges overlapping spans (the lower rank names the kind) and replaces them. */
function apply(text: string, spans: Span[]): RedactionResult {
  spans.sort((a, b) => a.start - b.start || b.end - a.end || RANK[a.kind] - RANK[b.kind]);
  const merged: Span[] = [];
  for (const span of spans) {
    const last = merged[merged.length - 1];
    if (last && span.start < last.end) {
      last.end = Math.max(last.end, span.end);
      if (RANK[span.kind] < RANK[last.kind]) last.kind = span.kind;
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
