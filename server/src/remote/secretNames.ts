/**
 * Which assigned names hold secrets, and which assigned values are worth redacting. Used by the
 * assignment rules of `redact.ts`; kept apart because it is heuristics, not patterns.
 */

/** How strongly a name says "secret", which decides what values are redacted. */
export type SecretFamily =
  /** password, passwd, pwd, pass, passphrase, passcode: any real value. */
  | 'password'
  /** secret, token, credential(s), api/access/secret/private/client/... key: a value of 8+ characters without spaces. */
  | 'secret'
  /** any other name ending in key, private or auth (`STRIPE_KEY`, `auth`): only a value that looks random. */
  | 'keyLike';

const PASSWORD_WORDS = new Set(['password', 'passwd', 'pwd', 'pass', 'passphrase', 'passcode']);
const PASSWORD_SUFFIXES = ['password', 'passwd', 'passphrase', 'passcode'];
const SECRET_SUFFIXES = ['secret', 'token', 'credential', 'credentials'];
/** Words that make a name ending in `key` a secret key (`apiKey`, `SECRET_KEY`, `x-api-key`). */
const KEY_QUALIFIERS = [
  'api',
  'access',
  'secret',
  'private',
  'auth',
  'client',
  'encryption',
  'signing',
  'master',
  'app',
  'subscription',
  'account',
  'license',
  'consumer',
  'shared',
  'service',
  'webhook',
  'session',
  'hmac',
];
/** Words that make a name ending in `key` a lookup key, not a secret (`cacheKey`, `sortKey`). */
const LOOKUP_KEY_QUALIFIERS = ['cache', 'sort', 'partition', 'primary', 'foreign', 'idempotency', 'dedup', 'hot'];
/** Words that say a value is published: `publicKey`, `STRIPE_PUBLISHABLE_KEY`, Next.js's `NEXT_PUBLIC_…`. */
const PUBLIC_WORDS = new Set(['public', 'publishable']);
/** Shell variables that merely contain PWD. */
const NOT_SECRETS = new Set(['pwd', 'oldpwd']);

/** Splits `self.apiKey`, `API_KEY`, `x-api-key`, `clientSecret2` into lower-case words of the last segment. */
export function nameWords(name: string): string[] {
  const last = name.slice(name.lastIndexOf('.') + 1);
  return last
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1 $2')
    .split(/[^A-Za-z0-9]+/)
    .map((word) => word.toLowerCase().replace(/\d+$/, ''))
    .filter((word) => word.length > 0);
}

/** The family of a name, or undefined for a name that does not hold a secret. */
export function secretFamily(name: string): SecretFamily | undefined {
  const words = nameWords(name);
  if (words.length === 0) return undefined;
  const joined = words.join('');
  if (NOT_SECRETS.has(joined)) return undefined;
  const last = words[words.length - 1];
  if (words.some((word) => PUBLIC_WORDS.has(word)) && !/password|passwd|secret|private/.test(joined)) return undefined;
  if (PASSWORD_WORDS.has(last) || PASSWORD_SUFFIXES.some((s) => joined.endsWith(s))) return 'password';
  if (SECRET_SUFFIXES.some((s) => joined.endsWith(s))) return 'secret';
  if (joined.endsWith('key')) {
    const before = joined.slice(0, -'key'.length);
    if (LOOKUP_KEY_QUALIFIERS.some((q) => before.endsWith(q))) return undefined;
    return KEY_QUALIFIERS.some((q) => before.endsWith(q)) ? 'secret' : 'keyLike';
  }
  // Docker's `config.json` keeps `"auth": "<base64 of user:password>"`.
  if (last === 'private' || last === 'auth') return 'keyLike';
  return undefined;
}

/**
 * Values that are not secrets whatever they are assigned to: references to other variables
 * (`${VAR}`, `$VAR`, `%VAR%`, `{{ var }}`), placeholders (`<your key>`, `your_api_key_here`,
 * `xxxx`, `****`, `changeme`, a key cut short in documentation: `sk_test_...`, `ghp_xxxxxx…`),
 * format fields (`%s`, `{password}`), keywords and types (`null`, `string`), fetch's `credentials`
 * values, and text already redacted.
 */
const PLACEHOLDER =
  /^(?:\$\{[^}]*\}|[\w-]{1,20}(?:\.{3}|…|x{6,}|X{6,}|\*{6,})|%[a-z]|\{\w{0,40}\}|\$[A-Za-z_]\w*|%[A-Za-z_]\w*%|\{\{[^}]*\}\}|<[^>]*>|x+|\*+|\.+|…+|-+|_+|#+|your[-_ ]?[a-z0-9_ -]*|changeme|change[-_]me|replace[-_]?me|placeholder|redacted|todo|tbd|example|null|nil|none|undefined|true|false|string|str|number|int|boolean|bool|any|unknown|object|bytes|include|omit|same-origin)$/i;

export function isPlaceholder(value: string): boolean {
  return value.startsWith('[REDACTED') || PLACEHOLDER.test(value.trim());
}

/** A value that looks machine-made: 20+ characters of key alphabets, with letters and digits. */
export function looksRandom(value: string): boolean {
  return value.length >= 20 && /^[A-Za-z0-9+/=_-]+$/.test(value) && /[0-9]/.test(value) && /[A-Za-z]/.test(value);
}

/** Whether a value assigned to a name of `family` is redacted. */
export function redactsValue(family: SecretFamily, value: string, name: string): boolean {
  if (value.length === 0 || isPlaceholder(value)) return false;
  // `password = "password"`, `EVENT_TEST_PASS: 'pass'`: a label, not a value.
  if (value.length <= 80) {
    const words = nameWords(name);
    const label = nameWords(value).join('');
    if (label === words.join('') || label === words[words.length - 1]) return false;
  }
  if (family !== 'password' && isFixtureWords(value)) return false;
  // Keys and tokens are ASCII; a translated message assigned to `Unexpected_token` is not one.
  if (family !== 'password' && /[^\x20-\x7e]/.test(value)) return false;
  switch (family) {
    case 'password':
      return true;
    case 'secret':
      return value.length >= 8 && !/\s/.test(value) && !isKeyName(value);
    case 'keyLike':
      return looksRandom(value);
  }
}

/** Words that mark a value as made up for a test or an example. */
const FIXTURE_WORDS = new Set(['test', 'fake', 'dummy', 'mock', 'example', 'sample', 'demo', 'fixture']);

/**
 * `'test-token'`, `"fake-api-key"`, `'dummy_secret'`: words only, one of them a fixture word. No
 * issued token reads like that; a password might, so password names do not ask this.
 */
function isFixtureWords(value: string): boolean {
  const words = value.split(/[-_]/);
  return words.every((word) => /^[A-Za-z]+$/.test(word)) && words.some((word) => FIXTURE_WORDS.has(word.toLowerCase()));
}

/**
 * `slmAssist.fallback.apiKey`, `fallbackApiKey`: a dotted or camelCase name without digits is
 * the name under which a key is stored, not the key.
 */
function isKeyName(value: string): boolean {
  if (/\d/.test(value)) return false;
  return /^[A-Za-z_$][\w$-]*(?:\.[A-Za-z_$][\w$-]*)+$/.test(value) || /^[a-z]+(?:[A-Z][a-z]+)+$/.test(value);
}

/**
 * For an unquoted value outside env-style lines (`password: x` in YAML, `token = x` in INI, but
 * also `password: string` in TypeScript): false when it reads as code, a reference to another
 * variable or a type rather than a literal.
 */
export function looksLikeLiteral(value: string): boolean {
  if (/[()[\]{};,'"`]/.test(value) || /\s/.test(value)) return false;
  // A dotted reference (`config.apiKey`, `os.environ`) or a camelCase / PascalCase identifier.
  if (/^[A-Za-z_$][\w$]*(?:\.[A-Za-z_$][\w$]*)+$/.test(value)) return false;
  // Random keys switch case too, but they are long and carry digits (`aLl7GzJIrY…`).
  if (looksRandom(value)) return true;
  if (/^[a-z_$][a-z0-9_$]*[A-Z][\w$]*$/.test(value) || /^[A-Z][a-z0-9]+[A-Z][\w$]*$/.test(value)) return false;
  return true;
}
