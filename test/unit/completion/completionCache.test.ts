import assert from 'node:assert/strict';
import { CompletionCache } from '../../../server/src/completion/cache/completionCache';

describe('CompletionCache', () => {
  it('answers an exact (prefix, suffix) hit', () => {
    const cache = new CompletionCache(10);
    cache.set('const x = ', ';\n', '42');
    assert.equal(cache.get('const x = ', ';\n'), '42');
  });

  it('misses for an unknown prefix or a different suffix', () => {
    const cache = new CompletionCache(10);
    cache.set('const x = ', ';\n', '42');
    assert.equal(cache.get('const y = ', ';\n'), undefined);
    assert.equal(cache.get('const x = ', ';\n// more\n'), undefined);
  });

  it('after typing the start of a suggestion, answers the rest of it', () => {
    const cache = new CompletionCache(10);
    cache.set('foo(', ')', 'a, b');
    assert.equal(cache.get('foo(a', ')'), ', b');
    assert.equal(cache.get('foo(a,', ')'), ' b');
    assert.equal(cache.get('foo(a, ', ')'), 'b');
  });

  it('answers nothing once the whole suggestion was typed', () => {
    const cache = new CompletionCache(10);
    cache.set('foo(', ')', 'a, b');
    assert.equal(cache.get('foo(a, b', ')'), undefined);
  });

  it('answers nothing when the typed text differs from the suggestion', () => {
    const cache = new CompletionCache(10);
    cache.set('foo(', ')', 'a, b');
    assert.equal(cache.get('foo(x', ')'), undefined);
    assert.equal(cache.get('foo(a;', ')'), undefined);
  });

  it('typed-through needs the same suffix', () => {
    const cache = new CompletionCache(10);
    cache.set('foo(', ')', 'a, b');
    assert.equal(cache.get('foo(a', '))'), undefined);
  });

  it('typed-through needs the same text before the cached prefix, not only the same end', () => {
    const cache = new CompletionCache(10);
    const common = 'x'.repeat(200);
    cache.set('A' + common, '', 'abc');
    assert.equal(cache.get('B' + common + 'a', ''), undefined);
    assert.equal(cache.get('A' + common + 'a', ''), 'bc');
  });

  it('prefers the entry with the least typed text', () => {
    const cache = new CompletionCache(10);
    cache.set('f', '', 'oo.bar()');
    cache.set('foo.', '', 'baz()');
    assert.equal(cache.get('foo.b', ''), 'az()');
  });

  it('evicts the least recently used entry beyond capacity', () => {
    const cache = new CompletionCache(2);
    cache.set('a', '', '1');
    cache.set('b', '', '2');
    cache.set('c', '', '3');
    assert.equal(cache.size, 2);
    assert.equal(cache.get('a', ''), undefined);
    assert.equal(cache.get('b', ''), '2');
    assert.equal(cache.get('c', ''), '3');
  });

  it('an exact hit refreshes recency', () => {
    const cache = new CompletionCache(2);
    cache.set('a', '', '1');
    cache.set('b', '', '2');
    cache.get('a', '');
    cache.set('c', '', '3');
    assert.equal(cache.get('a', ''), '1');
    assert.equal(cache.get('b', ''), undefined);
  });

  it('a typed-through hit refreshes recency', () => {
    const cache = new CompletionCache(2);
    cache.set('a', '', 'xyz');
    cache.set('b', '', '2');
    assert.equal(cache.get('ax', ''), 'yz');
    cache.set('c', '', '3');
    assert.equal(cache.get('a', ''), 'xyz');
    assert.equal(cache.get('b', ''), undefined);
  });

  it('setting the same key again replaces the suggestion without growing', () => {
    const cache = new CompletionCache(5);
    cache.set('a', 's', '1');
    cache.set('a', 's', '2');
    assert.equal(cache.size, 1);
    assert.equal(cache.get('a', 's'), '2');
  });

  it('remembers an empty suggestion as an exact hit of the empty string', () => {
    const cache = new CompletionCache(5);
    cache.set('a', 's', '');
    assert.equal(cache.get('a', 's'), '');
    assert.equal(cache.get('ab', 's'), undefined);
  });

  it('clear() forgets everything', () => {
    const cache = new CompletionCache(5);
    cache.set('a', '', '1');
    cache.set('b', '', '2');
    cache.clear();
    assert.equal(cache.size, 0);
    assert.equal(cache.get('a', ''), undefined);
  });

  it('capacity 0 keeps nothing; a negative or fractional capacity is refused', () => {
    const cache = new CompletionCache(0);
    cache.set('a', '', '1');
    assert.equal(cache.size, 0);
    assert.equal(cache.get('a', ''), undefined);
    assert.throws(() => new CompletionCache(-1), RangeError);
    assert.throws(() => new CompletionCache(1.5), RangeError);
  });

  it('tells apart texts that differ only in unpaired surrogates', () => {
    const cache = new CompletionCache(5);
    cache.set('a\ud800', '', '1');
    assert.equal(cache.get('a\ud801', ''), undefined);
    assert.equal(cache.get('a\ud800', ''), '1');
  });

  it('works with multi-megabyte prefixes and suffixes', () => {
    const cache = new CompletionCache(5);
    const prefix = 'p'.repeat(5_000_000);
    const suffix = 's'.repeat(5_000_000);
    cache.set(prefix, suffix, 'done();');
    assert.equal(cache.get(prefix + 'do', suffix), 'ne();');
    assert.equal(cache.get(prefix, suffix), 'done();');
  });
});
