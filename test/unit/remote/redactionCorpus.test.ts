import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { redactSecrets } from '../../../server/src/remote/redact';

/**
 * Measures the redactor on `test/fixtures/redaction/` (written by `generate.mjs` there, from a
 * seeded generator: fake values of the real shapes, never real credentials):
 *
 * - `secrets.jsonl`: `{ kind, text, secret }`, a secret in the line of code or config it would
 *   appear in. Recall must be 100%: afterwards the text holds neither the secret nor any line of
 *   it (a key block may be indented or escaped in its text).
 * - `lookalikes.jsonl`: `{ kind, text }`, text that looks like a secret and is not: hashes,
 *   UUIDs, encoded images, public keys, references to secrets kept elsewhere. A case is a false
 *   positive when anything in it is redacted.
 *
 * Placeholders (`changeme`, `<your-token>`, `${API_KEY}`, `xxx`, `***`, `ghp_xxxx…`) and
 * test-fixture words (`'test-token'`, `password: 'secret'`) are look-alikes: they carry no secret,
 * and redacting them hides what the code does. A concrete password in a test (`'hunter2'`) is a
 * secret: nothing tells a test from production, and a redacted test password costs little.
 *
 * The false-positive bound is looser than recall because the costs differ: a miss sends a
 * secret to a remote server, a false positive hides a value the remote model did not need.
 * It stays low enough that a new rule that starts eating hashes or ids fails here.
 */
const CORPUS = join(__dirname, '../../../../test/fixtures/redaction');
const MAX_FALSE_POSITIVE_RATE = 0.03;

interface SecretCase {
  kind: string;
  text: string;
  secret: string;
}

interface LookalikeCase {
  kind: string;
  text: string;
}

function readCases<T>(name: string): T[] {
  return readFileSync(join(CORPUS, name), 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as T);
}

/** The parts of `secret` that must be gone: the whole, and each line of 8+ characters. */
function secretParts(secret: string): string[] {
  const lines = secret.split('\n').filter((line) => line.length >= 8);
  return [secret, ...lines];
}

const percent = (part: number, whole: number): string => `${((100 * part) / whole).toFixed(1)}%`;

describe('redaction corpus', () => {
  const secrets = readCases<SecretCase>('secrets.jsonl');
  const lookalikes = readCases<LookalikeCase>('lookalikes.jsonl');

  it('is what generate.mjs makes', () => {
    // Throws, with the script's message, when a file was edited by hand or the generator changed.
    execFileSync(process.execPath, [join(CORPUS, 'generate.mjs'), '--check'], { stdio: 'pipe' });
  });

  it('has at least 100 secrets of at least 20 kinds, and at least 100 look-alikes', () => {
    const kinds = new Set(secrets.map((c) => c.kind));
    assert.ok(secrets.length >= 100, `${secrets.length} secrets`);
    assert.ok(kinds.size >= 20, `${kinds.size} kinds`);
    assert.ok(lookalikes.length >= 100, `${lookalikes.length} look-alikes`);
    for (const c of secrets) {
      assert.ok(
        c.secret.split('\n').every((line) => c.text.includes(line)),
        `${c.kind}: the secret is not in its text`,
      );
    }
  });

  it('redacts every secret (recall 100%)', () => {
    const byKind = new Map<string, { cases: number; found: number }>();
    const misses: string[] = [];
    for (const c of secrets) {
      const out = redactSecrets(c.text).text;
      const leaked = secretParts(c.secret).find((part) => out.includes(part));
      const tally = byKind.get(c.kind) ?? { cases: 0, found: 0 };
      tally.cases++;
      if (leaked === undefined) tally.found++;
      else misses.push(`${c.kind}: ${JSON.stringify(out)}`);
      byKind.set(c.kind, tally);
    }
    const rows = [...byKind].map(([kind, t]) => `  ${kind.padEnd(28)} ${String(t.found).padStart(3)}/${t.cases}`);
    console.log(
      `      recall ${percent(secrets.length - misses.length, secrets.length)}: ${secrets.length} secrets, ${byKind.size} kinds\n${rows.join('\n')}`,
    );
    assert.deepEqual(misses, [], `${misses.length} secrets left in the text:\n${misses.join('\n')}`);
  });

  it('changes nothing when the corpus is redacted a second time', () => {
    for (const c of [...secrets, ...lookalikes]) {
      const once = redactSecrets(c.text).text;
      assert.equal(redactSecrets(once).text, once, `${c.kind}: ${JSON.stringify(once)}`);
    }
  });

  it(`redacts at most ${MAX_FALSE_POSITIVE_RATE * 100}% of the look-alikes`, () => {
    const flagged = lookalikes
      .map((c) => ({ c, result: redactSecrets(c.text) }))
      .filter(({ result }) => result.count > 0)
      .map(({ c, result }) => `  ${c.kind}: ${JSON.stringify(result.text.length > 160 ? result.text.slice(0, 160) + '…' : result.text)}`);
    const rate = flagged.length / lookalikes.length;
    console.log(
      `      false positives ${flagged.length}/${lookalikes.length} (${percent(flagged.length, lookalikes.length)})${flagged.length ? '\n' + flagged.join('\n') : ''}`,
    );
    assert.ok(rate <= MAX_FALSE_POSITIVE_RATE, `false-positive rate ${percent(flagged.length, lookalikes.length)}:\n${flagged.join('\n')}`);
  });
});
