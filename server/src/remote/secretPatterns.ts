/**
 * The token patterns of `redact.ts`: credentials whose shape alone says what they are. Data, so
 * that adding a provider is adding a row.
 */

/**
 * What `redactSecrets` replaces, each as `[REDACTED:<kind>]`:
 *
 * | kind | what |
 * | --- | --- |
 * | `private-key` | a PEM private key block (RSA, EC, DSA, OPENSSH, ENCRYPTED, PGP, plain), BEGIN to END |
 * | `aws-access-key-id` | `AKIA…`, `ASIA…`, `ABIA…`, `ACCA…`, 20 characters (not the public unique ids `AIDA…`, `AROA…`) |
 * | `aws-secret-key` | the value of an `aws_secret_access_key`-like assignment |
 * | `github-token` | `ghp_`, `gho_`, `ghu_`, `ghs_`, `ghr_`, `github_pat_` |
 * | `gitlab-token` | `glpat-`, `glrt-`, `gldt-` and GitLab's other prefixed tokens |
 * | `openai-key` | `sk-…`, `sk-proj-…`, `sk-svcacct-…` (20+ characters, with a digit) |
 * | `anthropic-key` | `sk-ant-…` |
 * | `slack-token` | `xoxa-`, `xoxb-`, `xoxp-`, `xoxr-`, `xoxs-`, `xoxo-`, `xapp-` |
 * | `slack-webhook` | `https://hooks.slack.com/services/…` |
 * | `google-api-key` | `AIza` + 35 characters |
 * | `google-oauth-secret` | `GOCSPX-` + 28 characters |
 * | `azure-client-secret` | an Entra ID (Azure AD) client secret: 3 characters, a digit, `Q~`, 31 to 34 more |
 * | `stripe-key` | `sk_live_`, `rk_live_`, `sk_test_`, `rk_test_`, `whsec_` |
 * | `sendgrid-key` | `SG.` + 22 + `.` + 43 characters |
 * | `mailgun-key` | `key-` + 32 hex digits |
 * | `npm-token` | `npm_` + 36 characters |
 * | `pypi-token` | `pypi-AgE…` |
 * | `huggingface-token` | `hf_` + 34 characters |
 * | `digitalocean-token` | `dop_v1_`, `doo_v1_`, `dor_v1_` + 64 hex digits |
 * | `heroku-key` | `HRKU-…` |
 * | `discord-token` | a bot token: base64 of the bot's id, then two dotted parts |
 * | `discord-webhook` | `https://discord.com/api/webhooks/<id>/<token>` |
 * | `telegram-bot-token` | `<bot id>:AA…` (35 characters after the colon) |
 * | `shopify-token` | `shpat_`, `shpss_`, `shpca_`, `shppa_` + 32 hex digits |
 * | `vault-token` | `hvs.`, `hvb.`, `hvr.` |
 * | `jwt` | `eyJ….….…` (three base64url parts) |
 * | `bearer-token` | the credential of an `Authorization:` header (Bearer, Basic, Token, Digest), and of `x-api-key:`-style headers |
 * | `url-credentials` | the `user:pass` of `scheme://user:pass@host` and of Go's `user:pass@tcp(host)` |
 * | `password` | the value assigned to a password-like name |
 * | `secret` | the value assigned to another secret-like name |
 */
export type SecretKind =
  | 'private-key'
  | 'aws-access-key-id'
  | 'aws-secret-key'
  | 'github-token'
  | 'gitlab-token'
  | 'openai-key'
  | 'anthropic-key'
  | 'slack-token'
  | 'slack-webhook'
  | 'google-api-key'
  | 'google-oauth-secret'
  | 'azure-client-secret'
  | 'stripe-key'
  | 'sendgrid-key'
  | 'mailgun-key'
  | 'npm-token'
  | 'pypi-token'
  | 'huggingface-token'
  | 'digitalocean-token'
  | 'heroku-key'
  | 'discord-token'
  | 'discord-webhook'
  | 'telegram-bot-token'
  | 'shopify-token'
  | 'vault-token'
  | 'jwt'
  | 'bearer-token'
  | 'url-credentials'
  | 'password'
  | 'secret';

/** Which kind names a span where several overlap: the lower rank, the more specific pattern. */
export function rankOf(kind: SecretKind): number {
  switch (kind) {
    case 'private-key':
      return 0;
    case 'jwt':
      return 2;
    case 'url-credentials':
      return 3;
    case 'bearer-token':
      return 4;
    case 'aws-secret-key':
      return 5;
    case 'password':
      return 6;
    case 'secret':
      return 7;
    default:
      // The prefixed tokens.
      return 1;
  }
}

/**
 * A token pattern: the whole match is the secret. The group `body` is its random part, which
 * tells a documentation placeholder (`ghp_xxxx…`, `AKIAXXXX…`) from a key.
 */
export interface TokenRule {
  kind: SecretKind | ((match: string) => SecretKind);
  pattern: RegExp;
}

/** Boundaries: a token is not part of a longer word of its alphabet. */
const W = '(?<![A-Za-z0-9_-])';
const E = '(?![A-Za-z0-9_-])';
const token = (body: string): RegExp => new RegExp(`${W}${body}${E}`, 'g');

export const TOKEN_RULES: TokenRule[] = [
  { kind: 'aws-access-key-id', pattern: /(?<![A-Za-z0-9])(?:AKIA|ASIA|ABIA|ACCA)(?<body>[A-Z0-9]{16})(?![A-Za-z0-9])/g },
  { kind: 'github-token', pattern: /(?<![A-Za-z0-9_])gh[pousr]_(?<body>[A-Za-z0-9]{20,255})(?![A-Za-z0-9_])/g },
  { kind: 'github-token', pattern: /(?<![A-Za-z0-9_])github_pat_(?<body>[A-Za-z0-9_]{20,255})(?![A-Za-z0-9_])/g },
  {
    kind: 'gitlab-token',
    pattern: token('(?:glpat|gloas|gldt|glrt|glcbt|glptt|glft|glimt|glagent|glsoat|glffct)-(?<body>[A-Za-z0-9_-]{20,255})'),
  },
  {
    kind: (match) => (match.startsWith('sk-ant-') ? 'anthropic-key' : 'openai-key'),
    pattern: token('sk-(?:ant-|proj-|svcacct-|admin-)?(?=[A-Za-z_-]{0,300}[0-9])(?<body>[A-Za-z0-9_-]{20,500})'),
  },
  { kind: 'slack-token', pattern: /(?<![A-Za-z0-9])(?:xox[abposr]|xapp)-(?<body>[A-Za-z0-9-]{10,255})(?![A-Za-z0-9-])/g },
  { kind: 'slack-webhook', pattern: /https:\/\/hooks\.slack\.com\/(?:services|workflows|triggers)\/(?<body>[A-Za-z0-9/_-]{10,255})/g },
  { kind: 'google-api-key', pattern: token('AIza(?<body>[A-Za-z0-9_-]{35})') },
  { kind: 'google-oauth-secret', pattern: token('GOCSPX-(?<body>[A-Za-z0-9_-]{28})') },
  {
    kind: 'azure-client-secret',
    pattern: /(?<![A-Za-z0-9_~.-])(?<body>[A-Za-z0-9_~.-]{3}[0-9]Q~[A-Za-z0-9_~.-]{31,34})(?![A-Za-z0-9_~.-])/g,
  },
  { kind: 'stripe-key', pattern: /(?<![A-Za-z0-9_])(?:sk|rk)_(?:live|test)_(?<body>[A-Za-z0-9]{10,255})(?![A-Za-z0-9])/g },
  { kind: 'stripe-key', pattern: /(?<![A-Za-z0-9_])whsec_(?<body>[A-Za-z0-9+/=]{24,255})(?![A-Za-z0-9])/g },
  { kind: 'sendgrid-key', pattern: token('SG\\.(?<body>[A-Za-z0-9_-]{22}\\.[A-Za-z0-9_-]{43})') },
  { kind: 'mailgun-key', pattern: token('key-(?<body>[0-9a-f]{32})') },
  { kind: 'npm-token', pattern: token('npm_(?<body>[A-Za-z0-9]{36})') },
  { kind: 'pypi-token', pattern: token('pypi-(?<body>AgE[A-Za-z0-9_-]{50,1000})') },
  { kind: 'huggingface-token', pattern: token('hf_(?<body>[A-Za-z0-9]{34})') },
  { kind: 'digitalocean-token', pattern: token('do[opr]_v1_(?<body>[a-f0-9]{64})') },
  { kind: 'heroku-key', pattern: token('HRKU-(?<body>[A-Za-z0-9_-]{20,100})') },
  { kind: 'discord-token', pattern: token('(?<body>[MNO][A-Za-z0-9_-]{23,27}\\.[A-Za-z0-9_-]{6}\\.[A-Za-z0-9_-]{27,40})') },
  {
    kind: 'discord-webhook',
    pattern: /https:\/\/(?:(?:canary|ptb)\.)?discord(?:app)?\.com\/api\/webhooks\/(?<body>[0-9]{5,30}\/[A-Za-z0-9_-]{20,255})/g,
  },
  { kind: 'telegram-bot-token', pattern: /(?<![0-9])(?<body>[0-9]{8,10}:AA[A-Za-z0-9_-]{33})(?![A-Za-z0-9_-])/g },
  { kind: 'shopify-token', pattern: token('shp(?:at|ss|ca|pa)_(?<body>[a-fA-F0-9]{32})') },
  { kind: 'vault-token', pattern: /(?<![A-Za-z0-9_.-])hv[sbr]\.(?<body>[A-Za-z0-9_-]{24,255})(?![A-Za-z0-9_-])/g },
  {
    kind: 'jwt',
    pattern: token('(?<body>eyJ[A-Za-z0-9_-]{5,4096}\\.[A-Za-z0-9_-]{5,8192}\\.[A-Za-z0-9_-]{0,4096})'),
  },
];

/**
 * `ghp_xxxxxxxx…`, `AKIAXXXXXXXXXXXXXXXX`, `hooks.slack.com/services/XXX/YYY/ZZZ`: a body of
 * fewer than four distinct characters (separators aside) is a placeholder, since no generated
 * key is that uniform.
 */
export function isPlaceholderToken(body: string): boolean {
  return new Set(body.replace(/[-_./]/g, '')).size < 4;
}
