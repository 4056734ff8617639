import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { documentWindow } from '../../../server/src/completion/context/documentWindow';
import { postprocess } from '../../../server/src/completion/postprocess/postprocess';

/**
 * Runs every `test/fixtures/postprocess/*.txt`. A fixture is a header of `key: value` lines, then
 * three sections:
 *
 *     description: what the user should see
 *     eol: crlf              (optional: the document's line ending, default lf)
 *     completion-eol: crlf   (optional: the model's line ending, crlf or cr, default lf)
 *     suffix-tokens: 0       (optional: suffix window budget, default everything)
 *     === document
 *     text with one █ where the cursor is
 *     === completion
 *     the model's raw output
 *     === expected
 *     the suggestion shown, or <nothing>
 *
 * Sections are written with \n; the options convert them. The input comes from `documentWindow`
 * with one token per character, as the orchestrator would build it.
 */
const FIXTURES = join(__dirname, '../../../../test/fixtures/postprocess');
const CURSOR = '█';
const NOTHING = '<nothing>';

interface Fixture {
  options: Record<string, string>;
  sections: Record<string, string>;
}

function parseFixture(raw: string): Fixture {
  const options: Record<string, string> = {};
  const collected: Record<string, string[]> = {};
  let current: string[] | undefined;
  for (const line of raw.replace(/\r\n/g, '\n').replace(/\n$/, '').split('\n')) {
    const header = /^=== (\w+)$/.exec(line);
    if (header) {
      current = collected[header[1]] = [];
    } else if (current) {
      current.push(line);
    } else {
      const option = /^([\w-]+):\s*(.*)$/.exec(line);
      if (!option) throw new Error(`bad header line: ${line}`);
      options[option[1]] = option[2];
    }
  }
  const sections: Record<string, string> = {};
  for (const name of ['document', 'completion', 'expected']) {
    if (!collected[name]) throw new Error(`missing section "=== ${name}"`);
    sections[name] = collected[name].join('\n');
  }
  return { options, sections };
}

function lineEnding(name: string | undefined): string {
  if (name === undefined || name === 'lf') return '\n';
  if (name === 'crlf') return '\r\n';
  if (name === 'cr') return '\r';
  throw new Error(`unknown line ending "${name}"`);
}

function run(fixture: Fixture): string | undefined {
  const { options, sections } = fixture;
  const eol = lineEnding(options.eol);
  const marked = sections.document.replace(/\n/g, eol);
  const offset = marked.indexOf(CURSOR);
  if (offset === -1 || marked.indexOf(CURSOR, offset + 1) !== -1) throw new Error(`the document needs exactly one ${CURSOR}`);
  const text = marked.slice(0, offset) + marked.slice(offset + CURSOR.length);
  const suffixTokens = options['suffix-tokens'] === undefined ? text.length : Number(options['suffix-tokens']);
  const window = documentWindow(text, offset, { prefixTokens: text.length, suffixTokens }, (t) => t.length);
  return postprocess({
    completion: sections.completion.replace(/\n/g, lineEnding(options['completion-eol'])),
    linePrefix: window.linePrefix,
    lineSuffix: window.lineSuffix,
    suffix: window.suffix,
    eol: window.eol,
  });
}

describe('postprocess fixtures', () => {
  const files = readdirSync(FIXTURES)
    .filter((name) => name.endsWith('.txt'))
    .sort();

  it('has at least 15 fixtures', () => {
    assert.ok(files.length >= 15, `${files.length} fixtures in ${FIXTURES}`);
  });

  for (const file of files) {
    const fixture = parseFixture(readFileSync(join(FIXTURES, file), 'utf8'));
    it(`${file}: ${fixture.options.description ?? ''}`, () => {
      const { expected } = fixture.sections;
      const want = expected === NOTHING ? undefined : expected.replace(/\n/g, lineEnding(fixture.options.eol));
      assert.equal(run(fixture), want);
    });
  }
});
