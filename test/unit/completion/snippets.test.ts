import assert from 'node:assert/strict';
import {
  lineSimilarity,
  linesAround,
  MAX_SNIPPET_CHARS,
  RING_SIZE,
  SNIPPET_LINES,
  SnippetRing,
} from '../../../server/src/completion/context/snippets';
import { NO_OTHER_FILES, otherFilesContext, workspaceNaming } from '../../../server/src/completion/prompt/otherFiles';

/** `count` distinct lines named after `name`. */
function file(name: string, count: number): string {
  return Array.from({ length: count }, (_, i) => `const ${name}${i} = ${i};\n`).join('');
}

/** One token per character: costs are the text's length plus what the form adds. */
const chars = (text: string): number[] => Array.from(text, (c) => c.charCodeAt(0));

describe('snippets of recently viewed places', () => {
  it('takes the 32 lines around a place, more before it near the end of a file', () => {
    const text = file('a', 200);
    const middle = linesAround(text, text.indexOf('const a100 '));
    assert.equal(middle.split('\n').length - 1, SNIPPET_LINES);
    assert.ok(middle.startsWith('const a84 = 84;') && middle.endsWith('const a115 = 115;\n'), middle.slice(0, 40));
    const end = linesAround(text, text.length);
    assert.ok(end.startsWith('const a168 ') && end.endsWith('const a199 = 199;\n'));
    assert.equal(linesAround(text, 0).split('\n')[0], 'const a0 = 0;');
    // Offset 1 of a file starting with an empty line: the first line is still found.
    assert.ok(linesAround(`\n${text}`, 1).startsWith('\nconst a0'));
  });

  it('a place edited again keeps its slot and id, with the new text and a new version', () => {
    const ring = new SnippetRing();
    const text = file('a', 40);
    const first = ring.note('file:///a.ts', text, 0)!;
    const edited = text.replace('const a3 = 3;', 'const a3 = 33;');
    const second = ring.note('file:///a.ts', edited, 0)!;
    assert.equal(ring.snippets.length, 1);
    assert.equal(second.id, first.id);
    assert.equal(second.version, 2);
    assert.ok(second.text.includes('const a3 = 33;'));
    // The same text again: nothing changes, so a prompt built from it stays valid.
    assert.equal(ring.note('file:///a.ts', edited, 0)!.version, 2);
  });

  it('a different place gets a slot of its own; beyond 16 the least recently noted goes', () => {
    const ring = new SnippetRing();
    for (let i = 0; i <= RING_SIZE; i++) ring.note(`file:///f${i}.ts`, file(`f${i}_`, 10), 0);
    assert.equal(ring.snippets.length, RING_SIZE);
    assert.ok(!ring.snippets.some((s) => s.uri === 'file:///f0.ts'));
    // Noting f1 again makes it recent: the next new place evicts f2 instead.
    ring.note('file:///f1.ts', file('f1_', 10), 0);
    ring.note('file:///g.ts', file('g', 10), 0);
    assert.deepEqual(
      ring.snippets.slice(0, 2).map((s) => s.uri),
      ['file:///f1.ts', 'file:///f3.ts'],
    );
  });

  it('skips places with under three lines of code, and minified ones', () => {
    const ring = new SnippetRing();
    assert.equal(ring.note('file:///a.ts', '\n\nx\n\n', 0), undefined);
    assert.equal(ring.note('file:///b.js', `${'a'.repeat(MAX_SNIPPET_CHARS)}\nb\nc\n`, 0), undefined);
    assert.equal(ring.snippets.length, 0);
  });

  it('line-set similarity is shared lines over distinct lines', () => {
    assert.equal(lineSimilarity(new Set(['a', 'b', 'c']), new Set(['a', 'b', 'd'])), 2 / 4);
    assert.equal(lineSimilarity(new Set(['a']), new Set(['a'])), 1);
  });

  it('the clipboard is one snippet of at most 32 lines', () => {
    const ring = new SnippetRing();
    const snippet = ring.noteText('clipboard', file('c', 50))!;
    assert.equal(snippet.text.split('\n').length - 1, SNIPPET_LINES);
  });
});

describe('other-file context', () => {
  const naming = workspaceNaming(['file:///work/app']);
  const request = { uri: 'file:///work/app/main.ts', languageId: 'typescript', tokenize: chars, naming };

  it('chooses the most recent snippets of other files that fit, in slot order, and none of the current file', () => {
    const ring = new SnippetRing();
    ring.note('file:///work/app/old.ts', file('old', 5), 0);
    ring.note('file:///work/app/main.ts', file('main', 5), 0);
    ring.note('file:///work/app/new.ts', file('new', 5), 0);
    const one = otherFilesContext(ring, { ...request, budget: 150 });
    assert.equal(one.snippets, 1);
    assert.match(String.fromCharCode(...one.notes), /^\/\/ Compare this snippet from new\.ts:\n\/\/ const new0 = 0;\n/);
    const both = otherFilesContext(ring, { ...request, budget: 10_000 });
    assert.equal(both.snippets, 2);
    const text = String.fromCharCode(...both.notes);
    assert.ok(text.indexOf('old.ts') < text.indexOf('new.ts'), 'older first: adding a snippet only changes the end');
    assert.ok(!text.includes('main'));
    assert.deepEqual(both.repo, []);
  });

  it('the key changes when a chosen snippet is edited, and only then; its places when another place is viewed', () => {
    const ring = new SnippetRing();
    ring.note('file:///work/app/b.ts', file('b', 20), 0);
    const before = otherFilesContext(ring, { ...request, budget: 10_000 });
    assert.equal(otherFilesContext(ring, { ...request, budget: 10_000 }).key, before.key);
    ring.note('file:///work/app/b.ts', file('b', 20).replace('b1 = 1', 'b1 = 2'), 0);
    const after = otherFilesContext(ring, { ...request, budget: 10_000 });
    assert.notEqual(after.key, before.key);
    // Still the same place: a document's context is not read again for an edit alone.
    assert.equal(after.places, before.places);
    ring.note('file:///work/app/c.ts', file('c', 20), 0);
    assert.notEqual(otherFilesContext(ring, { ...request, budget: 10_000 }).places, before.places);
  });

  it('is empty with a budget of 0, for languages without line comments, and with nothing viewed', () => {
    const ring = new SnippetRing();
    assert.equal(otherFilesContext(ring, { ...request, budget: 512 }), NO_OTHER_FILES);
    ring.note('file:///work/app/b.ts', file('b', 20), 0);
    assert.equal(otherFilesContext(ring, { ...request, budget: 0 }), NO_OTHER_FILES);
    assert.equal(otherFilesContext(ring, { ...request, languageId: 'html', budget: 512 }), NO_OTHER_FILES);
    assert.equal(otherFilesContext(ring, { ...request, languageId: 'python', budget: 512 }).notes[0], '#'.charCodeAt(0));
  });

  it('names files by their path in the workspace folder, or by their name outside of it', () => {
    assert.equal(naming.repository, 'app');
    assert.equal(naming.path('file:///work/app/src/a%20b.ts'), 'src/a b.ts');
    assert.equal(naming.path('file:///elsewhere/x.py'), 'x.py');
    assert.equal(workspaceNaming([]).repository, 'workspace');
  });
});
