import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { defaultSettings } from '../../common/settings';

const root = join(__dirname, '../../..');

describe('README', function () {
  const readme = readFileSync(join(root, 'README.md'), 'utf8');

  it('lists every setting with its current default', function () {
    for (const [group, fields] of Object.entries(defaultSettings)) {
      for (const [field, value] of Object.entries(fields as Record<string, unknown>)) {
        const name = `slmAssist.${group}.${field}`;
        const row = readme.split('\n').find((line) => line.startsWith(`| \`${name}\``));
        assert.ok(row, `README has no row for ${name}`);
        assert.ok(row.includes(`\`${JSON.stringify(value)}\``), `README's default for ${name} is not ${JSON.stringify(value)}: ${row}`);
      }
    }
  });

  it('names every contributed command in its Commands table', function () {
    const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { contributes: { commands: { title: string }[] } };
    const table = readme.slice(readme.indexOf('## Commands'), readme.indexOf('## Settings'));
    for (const { title } of manifest.contributes.commands) assert.ok(table.includes(title), `README's Commands table lacks ${title}`);
  });

  it('names the test command that .ci/run runs', function () {
    const ci = readFileSync(join(root, '.ci/run'), 'utf8');
    assert.match(ci, /^npm test$/m);
    assert.match(readme, /^npm test\b/m);
  });
});
