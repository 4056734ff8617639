import * as assert from 'node:assert/strict';
import { COMMENT_SYNTAX, commentSyntaxFor, formatAsComment, wrapLine } from '../../../common/commentSyntax';

describe('commentSyntax', () => {
  it('knows the line comment of the common languages', () => {
    const expected: Record<string, string> = {
      typescript: '//',
      javascript: '//',
      c: '//',
      cpp: '//',
      java: '//',
      go: '//',
      rust: '//',
      csharp: '//',
      python: '#',
      shellscript: '#',
      ruby: '#',
      yaml: '#',
      toml: '#',
      dockerfile: '#',
      sql: '--',
      lua: '--',
      haskell: '--',
      latex: '%',
      matlab: '%',
      erlang: '%',
    };
    for (const [language, token] of Object.entries(expected)) assert.equal(commentSyntaxFor(language)?.line, token, language);
  });

  it('uses block comments for markup and CSS, and nothing for plain text and JSON', () => {
    for (const language of ['html', 'markdown', 'xml']) assert.equal(commentSyntaxFor(language)?.block?.open, '<!--', language);
    assert.equal(commentSyntaxFor('css')?.block?.open, '/*');
    assert.equal(commentSyntaxFor('plaintext'), undefined);
    assert.equal(commentSyntaxFor('json'), undefined);
  });

  it('gives every listed language a token', () => {
    for (const [language, syntax] of COMMENT_SYNTAX) assert.ok(syntax.line || syntax.block, language);
  });

  it('writes line comments indented like the selection, blank lines kept as bare tokens', () => {
    const text = 'Adds two numbers.\n\nReturns their sum.\n';
    assert.equal(formatAsComment(text, 'typescript', '    '), '    // Adds two numbers.\n    //\n    // Returns their sum.\n');
    assert.equal(formatAsComment(text, 'python', '\t'), '\t# Adds two numbers.\n\t#\n\t# Returns their sum.\n');
    assert.equal(formatAsComment('Counts rows.', 'sql', ''), '-- Counts rows.\n');
  });

  it('wraps long lines at 100 columns, indentation and token included', () => {
    const text = Array.from({ length: 40 }, (_, i) => `word${i}`).join(' ');
    const comment = formatAsComment(text, 'go', '        ')!;
    const lines = comment.trimEnd().split('\n');
    assert.ok(lines.length > 1);
    for (const line of lines) {
      assert.ok(line.length <= 100, `${line.length}: ${line}`);
      assert.ok(line.startsWith('        // word'), line);
    }
    assert.equal(lines.map((line) => line.slice('        // '.length)).join(' '), text);
  });

  it('hangs the continuation of a list item under its text', () => {
    const lines = wrapLine(`- ${'alpha '.repeat(10).trim()}`, 30);
    assert.deepEqual(lines, ['- alpha alpha alpha alpha', '  alpha alpha alpha alpha', '  alpha alpha']);
  });

  it('keeps a word longer than the line whole', () => {
    const long = 'x'.repeat(150);
    assert.deepEqual(wrapLine(`see ${long} here`, 100), ['see', long, 'here']);
  });

  it('writes HTML comments around the text and breaks a closing token inside it', () => {
    assert.equal(
      formatAsComment('Shows a list.\nEnds with --> here.', 'html', '  '),
      '  <!--\n  Shows a list.\n  Ends with -- > here.\n  -->\n',
    );
    assert.equal(formatAsComment('Styles */ buttons.', 'css', ''), '/*\n * Styles * / buttons.\n */\n');
  });

  it('returns undefined for a language without comments and nothing for blank text', () => {
    assert.equal(formatAsComment('text', 'plaintext', ''), undefined);
    assert.equal(formatAsComment('\n  \n', 'typescript', ''), '');
  });

  it('normalizes CRLF and drops trailing spaces and blank lines around the answer', () => {
    assert.equal(formatAsComment('\r\nOne.  \r\nTwo.\r\n\r\n', 'rust', ''), '// One.\n// Two.\n');
  });
});
