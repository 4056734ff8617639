import assert from 'node:assert/strict';
import { redactSecrets } from '../../../server/src/remote/redact';

/**
 * Fixtures: each input with what must come out. Fake secrets are built from pieces so that this
 * file does not itself look like it leaks keys to a scanner.
 */
const b62 = 'aB3dE5fG7hJ9kL1mN2pQ4rS6tU8vW0xY';
const AKIA = 'AKIA' + 'IOSFODNN7ABCDEFG';
const AWS_SECRET = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCY' + 'ABCDEF1234';
const GHP = 'ghp_' + b62 + '1234';
const GH_PAT = 'github_pat_' + '11ABCDEFG0' + b62 + '_' + b62;
const OPENAI = 'sk-' + b62 + 'T3BlbkFJ' + b62.slice(0, 8);
const OPENAI_PROJ = 'sk-proj-' + b62 + '-' + b62;
const ANTHROPIC = 'sk-ant-api03-' + b62 + b62 + '-AA';
const SLACK = 'xoxb-' + '123456789012-1234567890123-' + b62.slice(0, 24);
const GOOGLE = 'AIza' + 'SyA1bC2dE3fG4hI5jK6lM7nO8pQ9rS0tU_v';
const STRIPE = 'sk_live_' + '51H' + b62;
const JWT =
  'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9' +
  '.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4ifQ' +
  '.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c';
const PEM_BODY = [
  'MIIEowIBAAKCAQEAu1SU1LfVLPHCozMxH2Mo4lgOEePzNm0tRgeLezV6ffAt0gun',
  'VTLw7onLRnrq0/IzW7yWR7QkrmBL7jTKEn5u+qKhbwKfBstIs+bMY2Zkp18gnTxK',
  'LxoS2tFczGkPLPgizskuemMghRniWaoLcyehkd3qqGElvW/VDL5AaWTg0nLVkjRo',
].join('\n');

interface Case {
  name: string;
  input: string;
  output: string;
  kinds?: Record<string, number>;
}

const POSITIVE: Case[] = [
  {
    name: 'PEM RSA private key, whole block',
    input: `key:\n-----BEGIN RSA PRIVATE KEY-----\n${PEM_BODY}\n-----END RSA PRIVATE KEY-----\ndone`,
    output: 'key:\n[REDACTED:private-key]\ndone',
    kinds: { 'private-key': 1 },
  },
  {
    name: 'PEM EC, OPENSSH, generic and PGP private keys',
    input: ['EC', 'OPENSSH', '', 'ENCRYPTED']
      .map(
        (label) =>
          `-----BEGIN ${label ? label + ' ' : ''}PRIVATE KEY-----\n${PEM_BODY}\n-----END ${label ? label + ' ' : ''}PRIVATE KEY-----`,
      )
      .concat(`-----BEGIN PGP PRIVATE KEY BLOCK-----\nVersion: GnuPG v2\n\n${PEM_BODY}\n=abcd\n-----END PGP PRIVATE KEY BLOCK-----`)
      .join('\n'),
    output: Array(5).fill('[REDACTED:private-key]').join('\n'),
    kinds: { 'private-key': 5 },
  },
  {
    name: 'private key inside a JSON string with \\n escapes (service account file)',
    input: `{"type": "service_account", "private_key": "-----BEGIN PRIVATE KEY-----\\n${PEM_BODY.replace(/\n/g, '\\n')}\\n-----END PRIVATE KEY-----\\n", "client_email": "a@b.iam"}`,
    output: '{"type": "service_account", "private_key": "[REDACTED:private-key]\\n", "client_email": "a@b.iam"}',
  },
  {
    name: 'a private key cut off without its END line',
    input: `-----BEGIN RSA PRIVATE KEY-----\n${PEM_BODY}\n`,
    output: '[REDACTED:private-key]\n',
  },
  { name: 'AWS access key id', input: `aws_access_key_id = ${AKIA}`, output: 'aws_access_key_id = [REDACTED:aws-access-key-id]' },
  { name: 'AWS STS key id', input: `id: ASIA${'Y3FMSDDV5DZ3ABCD'}`, output: 'id: [REDACTED:aws-access-key-id]' },
  {
    name: 'AWS secret key in a credentials file',
    input: `[default]\naws_secret_access_key = ${AWS_SECRET}\n`,
    output: '[default]\naws_secret_access_key = [REDACTED:aws-secret-key]\n',
    kinds: { 'aws-secret-key': 1 },
  },
  {
    name: 'AWS secret key in code',
    input: `const awsSecretAccessKey = "${AWS_SECRET}";`,
    output: 'const awsSecretAccessKey = "[REDACTED:aws-secret-key]";',
  },
  { name: 'GitHub classic token', input: `token ${GHP} here`, output: 'token [REDACTED:github-token] here' },
  { name: 'GitHub fine-grained token', input: `GH=${GH_PAT}`, output: 'GH=[REDACTED:github-token]' },
  {
    name: 'GitHub app tokens',
    input: `ghs_${b62}12 gho_${b62}34 ghu_${b62}56 ghr_${b62}78`,
    output: Array(4).fill('[REDACTED:github-token]').join(' '),
  },
  {
    name: 'OpenAI legacy key',
    input: `openai.api_key = "${OPENAI}"`,
    output: 'openai.api_key = "[REDACTED:openai-key]"',
    kinds: { 'openai-key': 1 },
  },
  { name: 'OpenAI project key, bare', input: `key is ${OPENAI_PROJ}.`, output: 'key is [REDACTED:openai-key].' },
  {
    name: 'Anthropic key',
    input: `ANTHROPIC_API_KEY=${ANTHROPIC}`,
    output: 'ANTHROPIC_API_KEY=[REDACTED:anthropic-key]',
    kinds: { 'anthropic-key': 1 },
  },
  { name: 'Slack bot token', input: `slack(${JSON.stringify(SLACK)})`, output: 'slack("[REDACTED:slack-token]")' },
  {
    name: 'Slack webhook URL',
    input: 'post("https://hooks.slack.com/services/T0000/B0000/XXXXXXXXXXXXXXXX")',
    output: 'post("[REDACTED:slack-webhook]")',
  },
  {
    name: 'Google API key in a URL',
    input: `https://maps.googleapis.com/maps/api/js?key=${GOOGLE}&v=3`,
    output: 'https://maps.googleapis.com/maps/api/js?key=[REDACTED:google-api-key]&v=3',
  },
  { name: 'Stripe live key', input: `Stripe(${JSON.stringify(STRIPE)})`, output: 'Stripe("[REDACTED:stripe-key]")' },
  {
    name: 'Azure client secret after a short flag',
    input: `az login --service-principal -u app -p ${'abc8Q~' + b62 + '_9'} --tenant t`,
    output: 'az login --service-principal -u app -p [REDACTED:azure-client-secret] --tenant t',
  },
  { name: 'Stripe restricted key', input: `rk_live_${b62}`, output: '[REDACTED:stripe-key]' },
  { name: 'JWT', input: `cookie: session=${JWT}; path=/`, output: 'cookie: session=[REDACTED:jwt]; path=/', kinds: { jwt: 1 } },
  {
    name: 'Authorization: Bearer header (curl)',
    input: `curl -H "Authorization: Bearer abc123def456ghi789" https://x`,
    output: 'curl -H "Authorization: Bearer [REDACTED:bearer-token]" https://x',
  },
  {
    name: 'Authorization header in JSON',
    input: `{"Authorization": "Basic dXNlcjpwYXNzd29yZA=="}`,
    output: '{"Authorization": "Basic [REDACTED:bearer-token]"}',
  },
  {
    name: 'HTTP request dump',
    input: 'GET / HTTP/1.1\r\nauthorization: token 0123456789abcdef\r\nProxy-Authorization: Bearer zzzzzzzz11\r\n',
    output: 'GET / HTTP/1.1\r\nauthorization: token [REDACTED:bearer-token]\r\nProxy-Authorization: Bearer [REDACTED:bearer-token]\r\n',
  },
  { name: 'x-api-key header', input: `-H 'x-api-key: 9f8e7d6c5b4a39281706'`, output: `-H 'x-api-key: [REDACTED:bearer-token]'` },
  { name: 'bearer JWT: the specific kind wins', input: `Authorization: Bearer ${JWT}`, output: 'Authorization: Bearer [REDACTED:jwt]' },
  {
    name: 'URL with user and password',
    input: 'DATABASE_URL=postgres://admin:s3cr3t!@db.example.com:5432/app',
    output: 'DATABASE_URL=postgres://[REDACTED:url-credentials]@db.example.com:5432/app',
  },
  { name: 'URL with empty user', input: 'redis://:hunter2@cache:6379', output: 'redis://[REDACTED:url-credentials]@cache:6379' },
  {
    name: '.env assignment',
    input: 'API_KEY=abc123def456\nDEBUG=true\n',
    output: 'API_KEY=[REDACTED:secret]\nDEBUG=true\n',
    kinds: { secret: 1 },
  },
  {
    name: 'export with quotes',
    input: 'export DB_PASSWORD="correct horse"',
    output: 'export DB_PASSWORD="[REDACTED:password]"',
    kinds: { password: 1 },
  },
  {
    name: 'YAML password',
    input: 'db:\n  user: app\n  password: hunter2\n',
    output: 'db:\n  user: app\n  password: [REDACTED:password]\n',
  },
  { name: 'YAML quoted token', input: "auth:\n  token: 'tok_0123456789'", output: "auth:\n  token: '[REDACTED:secret]'" },
  {
    name: 'JSON client_secret',
    input: '{"client_id": "abc", "client_secret": "Xy9-secret-value"}',
    output: '{"client_id": "abc", "client_secret": "[REDACTED:secret]"}',
  },
  { name: 'TypeScript const apiKey', input: "const apiKey = 'k3y-value-1234';", output: "const apiKey = '[REDACTED:secret]';" },
  {
    name: 'typed TypeScript assignment',
    input: 'const accessToken: string = "a1b2c3d4e5";',
    output: 'const accessToken: string = "[REDACTED:secret]";',
  },
  {
    name: 'Python settings',
    input: "SECRET_KEY = 'django-insecure-0123456789'\nDEBUG = True",
    output: "SECRET_KEY = '[REDACTED:secret]'\nDEBUG = True",
  },
  {
    name: 'object property password',
    input: "connect({ user: 'sa', password: 'P@ssw0rd!' })",
    output: "connect({ user: 'sa', password: '[REDACTED:password]' })",
  },
  {
    name: 'Go := and headers[]',
    input: 'apiKey := "abcdef123456"\nreq.Header["X-Api-Key"] = "abcdef123456"',
    output: 'apiKey := "[REDACTED:secret]"\nreq.Header["X-Api-Key"] = "[REDACTED:secret]"',
  },
  { name: 'escaped quote inside the value', input: 'password = "pa\\"ss"', output: 'password = "[REDACTED:password]"' },
  {
    name: 'comparison with a hard-coded password',
    input: "if (password === 'letmein') {",
    output: "if (password === '[REDACTED:password]') {",
  },
  { name: 'properties file', input: 'spring.datasource.password=Secr3t\n', output: 'spring.datasource.password=[REDACTED:password]\n' },
  {
    name: '.env value with a trailing comment',
    input: 'SESSION_SECRET=abcdefgh12345 # rotate monthly',
    output: 'SESSION_SECRET=[REDACTED:secret] # rotate monthly',
  },
  {
    name: 'connection string Password=',
    input: 'conn = "Server=db;User Id=sa;Password=Pa55word;Encrypt=true"',
    output: 'conn = "Server=db;User Id=sa;Password=[REDACTED:password];Encrypt=true"',
  },
  { name: 'ODBC PWD=', input: '"DRIVER={x};UID=me;PWD=abc123;"', output: '"DRIVER={x};UID=me;PWD=[REDACTED:password];"' },
  {
    name: 'Azure storage AccountKey',
    input: '"DefaultEndpointsProtocol=https;AccountName=acc;AccountKey=abc123+def456/ghi==;EndpointSuffix=core"',
    output: '"DefaultEndpointsProtocol=https;AccountName=acc;AccountKey=[REDACTED:secret];EndpointSuffix=core"',
  },
  { name: 'unqualified KEY with a random value', input: `STRIPE_KEY=pk_live_${b62}`, output: 'STRIPE_KEY=[REDACTED:secret]' },
  {
    name: 'several in one text, counted by kind',
    input: `a=${GHP}\nb=${AKIA}\npassword: x1`,
    output: 'a=[REDACTED:github-token]\nb=[REDACTED:aws-access-key-id]\npassword: [REDACTED:password]',
    kinds: { 'github-token': 1, 'aws-access-key-id': 1, password: 1 },
  },
];

/** Ordinary code and text that must come through untouched. */
const NEGATIVE: string[] = [
  'const tokenizer = new Tokenizer();',
  'type Keys = keyof T;',
  'if (password.length < 8) throw new Error("too short");',
  'function getToken(): string { return this.token; }',
  'const token = await fetchToken();',
  'token = tokenizer.next()',
  'api_key = os.environ["API_KEY"]',
  'secret = settings.SECRET',
  'password = input("Password: ")',
  'password=getpass.getpass()',
  'self.api_key = api_key',
  'interface User {\n  password: string;\n  token?: string | null;\n  apiKey: string\n}',
  '  password: password',
  '  token: accessToken,',
  'const maxTokens = 48;',
  'const tokens = model.tokenize(text);',
  "const cacheKey = 'user:' + id;",
  "const key = 'settings';",
  "storageKey: 'slmAssist.state'",
  '<li key="item-1">x</li>',
  "fetch(url, { credentials: 'include' })",
  "fetch(url, { credentials: 'same-origin' })",
  '<input type="password" name="password">',
  "const passwordHint = 'Your pet\\'s name';",
  'PASSWORD_MIN_LENGTH = 8',
  'token = None',
  'API_KEY=',
  'API_KEY=${API_KEY}',
  'DB_PASSWORD=$DB_PASSWORD',
  'password: "<your password>"',
  "OPENAI_API_KEY='your_api_key_here'",
  'SECRET=xxxxxxxx',
  'password = "***"',
  'PWD=/home/user/project',
  'const secretName = "prod-db-credentials";',
  'const tokenType = "Bearer";',
  'headers: { Authorization: `Bearer ${token}` }',
  "headers.Authorization = 'Bearer ' + token;",
  'authorization: authHeader',
  'Authorization: Bearer <token>',
  'Authorization: Bearer YOUR_TOKEN',
  'https://example.com/path?q=1#frag',
  'http://localhost:8080/v1/chat/completions',
  'git@github.com:owner/repo.git',
  'ssh://git@github.com/owner/repo',
  'mailto:someone@example.com',
  'commit e587c8c0f1d2a3b4c5d6e7f8091a2b3c4d5e6f70 fixed it',
  'id: 123e4567-e89b-12d3-a456-426614174000',
  'const risk-level-assessment-identifier = 1',
  'a task-list-item-with-a-long-name-here',
  'The AKIA prefix marks AWS key ids.',
  'eyJ alone is just base64 of {"',
  "if (pem.startsWith('-----BEGIN RSA PRIVATE KEY-----')) {",
  '-----BEGIN CERTIFICATE-----\nMIIBszCCAVmgAwIBAgIUQ\n-----END CERTIFICATE-----',
  'API_KEY=[REDACTED:secret]',
  'export function redact(text: string): string { return text; }',
  'pass\nbypass = compass',
  'for key, value in items.items():\n    print(key, value)',
  'sk-learn is not a key; sklearn neither',
  "const API_KEY_SECRET = 'fallbackApiKey';",
  "context.secrets.get('slmAssist.fallback.apiKey')",
  "const kind = family === 'password' ? 'password' : 'secret';",
  "EVENT_TEST_PASS: 'pass',",
  '"Unexpected_token_1012": "意外的标记。"',
  'Use `postgres://user:password@host/db` in the docs.',
  'export DB_PASSWORD="…"',
];

describe('redactSecrets', () => {
  for (const c of POSITIVE) {
    it(`redacts: ${c.name}`, () => {
      const result = redactSecrets(c.input);
      assert.equal(result.text, c.output);
      const expected = (c.output.match(/\[REDACTED:[a-z0-9-]+\]/g) ?? []).length;
      assert.equal(result.count, expected, 'count');
      if (c.kinds) assert.deepEqual(result.kinds, c.kinds);
    });
  }

  it('leaves ordinary code and text untouched', () => {
    for (const input of NEGATIVE) {
      const result = redactSecrets(input);
      assert.equal(result.text, input, `changed: ${JSON.stringify(input)}`);
      assert.equal(result.count, 0);
    }
  });

  it('is idempotent: redacting redacted text changes nothing', () => {
    const once = redactSecrets(POSITIVE.map((c) => c.input).join('\n'));
    assert.ok(once.count >= POSITIVE.length);
    const twice = redactSecrets(once.text);
    assert.equal(twice.text, once.text, JSON.stringify(twice.text.split('\n').filter((line, i) => line !== once.text.split('\n')[i])));
    assert.equal(twice.count, 0);
  });

  it('reports counts per kind that sum to the count', () => {
    const result = redactSecrets(POSITIVE.map((c) => c.input).join('\n'));
    assert.equal(
      Object.values(result.kinds).reduce((a, b) => a + b, 0),
      result.count,
    );
  });

  it('leaves no secret text behind in a realistic file', () => {
    const file = [
      "import OpenAI from 'openai';",
      `const client = new OpenAI({ apiKey: '${OPENAI_PROJ}' });`,
      `process.env.GITHUB_TOKEN = '${GHP}';`,
      `// old key: ${AKIA}`,
      'const db = connect("mysql://root:rootpw@localhost/app");',
      'export const tokenizer = new Tokenizer();',
    ].join('\n');
    const result = redactSecrets(file);
    for (const secret of [OPENAI_PROJ, GHP, AKIA, 'rootpw']) assert.ok(!result.text.includes(secret), secret);
    assert.ok(result.text.includes('export const tokenizer = new Tokenizer();'));
    assert.equal(result.count, 4);
  });

  describe('runs in linear time (no catastrophic backtracking)', () => {
    const size = 2_000_000;
    const fill = (unit: string): string => unit.repeat(Math.ceil(size / unit.length)).slice(0, size);
    const pathological: Array<[string, string]> = [
      ['one long word', fill('a')],
      ['spaces', fill(' ')],
      ['equals signs', fill('=')],
      ['a=a=', fill('a=')],
      ['unclosed quotes', fill('password = "')],
      ['mixed quotes without ends', fill(`k='"\`x`)],
      ['backslashes in a value', 'password = "' + fill('\\')],
      ['quoted names', fill('"a":')],
      ['JWT prefixes', fill('eyJ')],
      ['JWT without second dot', fill('eyJabcdef.')],
      ['sk- prefixes', fill('sk-')],
      ['sk- without a digit', 'sk-' + fill('a')],
      ['AWS prefixes', fill('AKIA')],
      ['ghp_ prefixes', fill('ghp_')],
      ['BEGIN lines without END', fill('-----BEGIN PRIVATE KEY-----\n')],
      ['BEGIN with base64', fill('-----BEGIN PRIVATE KEY-----\nAAAA\n')],
      ['END lines', fill('-----END PRIVATE KEY-----')],
      ['scheme prefixes', fill('a://')],
      ['user:pass without @', fill('x://u:p')],
      ['authorization headers', fill('Authorization: Bearer ')],
      ['connection strings', fill(';Password=')],
      ['long env lines', fill('API_KEY=' + 'x'.repeat(5000) + '\n')],
      ['camelCase name', fill('aB')],
      ['uppercase run', 'password = "' + fill('A') + '"'],
      ['config lines', fill('password: \n')],
      ['colons', fill('a:')],
      ['key headers', fill('x-api-key: ')],
      ['BEGIN lines with a far END', fill('-----BEGIN PRIVATE KEY-----\n') + '-----END PRIVATE KEY-----'],
    ];
    it('2 MB of ordinary code comes through untouched', () => {
      const unit = NEGATIVE.join('\n') + '\n';
      const code = unit.repeat(Math.ceil(size / unit.length));
      const started = performance.now();
      const result = redactSecrets(code);
      assert.ok(performance.now() - started < 2000);
      assert.equal(result.count, 0);
      assert.equal(result.text, code);
    });

    it('1 MB of near misses, base64 runs and `=` runs: only the planted secrets go', function () {
      // Catastrophic backtracking would run past this timeout rather than finish slowly.
      this.timeout(120_000);
      const hex = (n: number): string => '0123456789abcdef'.repeat(n).slice(0, n);
      const alnum = (n: number): string => b62.repeat(Math.ceil(n / b62.length)).slice(0, n);
      // Each one character short of, or beside, a pattern of secretPatterns.ts or redact.ts.
      const nearMisses = [
        'ghp_' + alnum(19),
        'github_pat_' + alnum(19),
        'AKIA' + 'IOSFODNN7ABCDEF',
        'sk-' + 'abcdefghijklmnopqrstuvwxyz',
        'sk-proj-' + alnum(19).replace(/\d/g, 'z'),
        'glpat-' + alnum(19),
        'xoxb-' + '12345678',
        'AIza' + alnum(34),
        'GOCSPX-' + alnum(27),
        'sk_live_' + alnum(9),
        'whsec_' + alnum(23),
        'SG.' + alnum(22) + '.' + alnum(42),
        'key-' + hex(31),
        'npm_' + alnum(35),
        'pypi-AgE' + alnum(49),
        'hf_' + alnum(33),
        'dop_v1_' + hex(63),
        'HRKU-' + alnum(19),
        'hvs.' + alnum(23),
        'shpat_' + hex(31),
        '123456789:AB' + alnum(33),
        'eyJ' + alnum(40) + '.' + alnum(40),
        'https://hooks.slack.com/services/' + alnum(9),
        'https://discord.com/api/webhooks/1234/' + alnum(19),
        'postgres://app@db:5432/app',
        'a://b:c',
        'root@tcp(127.0.0.1:3306)/db',
        '--password',
        '--token',
        'password = "',
        "token: '",
        '-----BEGIN PRIVATE KEY-----',
        '-----END PRIVATE KEY-----',
        '='.repeat(300),
        'QUJD'.repeat(500),
        Buffer.from(b62.repeat(40)).toString('base64'),
        'a=b=c=d=e=f=g=h=',
        "if (pem.startsWith('-----BEGIN PRIVATE KEY-----') && pem.endsWith('-----END PRIVATE KEY-----')) {",
        'Authorization:',
        'x-api-key:',
      ];
      const planted: Array<[string, string]> = [
        [`GITHUB_TOKEN=${GHP}`, 'GITHUB_TOKEN=[REDACTED:github-token]'],
        [`aws_access_key_id = ${AKIA}`, 'aws_access_key_id = [REDACTED:aws-access-key-id]'],
        [`Authorization: Bearer ${JWT}`, 'Authorization: Bearer [REDACTED:jwt]'],
        [`password = "hunter22"`, 'password = "[REDACTED:password]"'],
      ];
      const input: string[] = [];
      const expected: string[] = [];
      let size = 0;
      for (let i = 0; size < 1_000_000; i++) {
        // Long lines of near misses joined by spaces, and short ones each on its line.
        const line = i % 3 === 0 ? nearMisses.join(' ') : nearMisses[i % nearMisses.length];
        input.push(line);
        expected.push(line);
        if (i % 50 === 0) {
          const [secret, redacted] = planted[(i / 50) % planted.length];
          input.push(secret);
          expected.push(redacted);
        }
        size += line.length + 1;
      }
      const text = input.join('\n');
      assert.ok(text.length >= 1_000_000);
      const result = redactSecrets(text);
      const want = expected.join('\n');
      if (result.text !== want) {
        const got = result.text.split('\n');
        const first = expected.findIndex((line, i) => got[i] !== line);
        assert.fail(
          `line ${first}: ${JSON.stringify(got[first]?.slice(0, 300))}, expected ${JSON.stringify(expected[first].slice(0, 300))}`,
        );
      }
      assert.equal(result.count, input.length - expected.filter((line, i) => line === input[i]).length);
    });

    for (const [name, text] of pathological) {
      it(`2 MB of ${name}`, () => {
        const started = performance.now();
        redactSecrets(text);
        const ms = performance.now() - started;
        assert.ok(ms < 2000, `${Math.round(ms)} ms`);
      });
    }
  });
});
