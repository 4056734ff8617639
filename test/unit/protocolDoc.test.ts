import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const root = join(__dirname, '../../..');

describe('docs/protocol.md', function () {
  it('lists every custom method that common/protocol.ts declares', function () {
    const source = readFileSync(join(root, 'common/protocol.ts'), 'utf8');
    const doc = readFileSync(join(root, 'docs/protocol.md'), 'utf8');
    const methods = [...new Set([...source.matchAll(/'(slmAssist\/[A-Za-z]+)'/g)].map((m) => m[1]))];
    assert.ok(methods.length >= 10, `found only ${methods.length} methods in common/protocol.ts`);
    const missing = methods.filter((method) => !doc.includes(`| \`${method}\``));
    assert.deepEqual(missing, []);
  });
});
