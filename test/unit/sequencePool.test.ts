import assert from 'node:assert/strict';
import { MIN_SHARED_TOKENS, SequencePool } from '../../server/src/model/sequencePool';

/** A sequence that holds `tokens`, as llama.cpp's KV cache would after evaluating them. */
class FakeSequence {
  constructor(
    readonly name: string,
    public tokens: number[] = [],
  ) {}
  compareContextTokens(prompt: readonly number[]): { firstDifferentIndex: number } {
    let i = 0;
    while (i < this.tokens.length && this.tokens[i] === prompt[i]) i++;
    return { firstDifferentIndex: i };
  }
}

const range = (from: number, n: number): number[] => Array.from({ length: n }, (_, i) => from + i);

describe('SequencePool: which cached place a prompt runs on', function () {
  it('takes the sequence that holds the longest start of the prompt', function () {
    const a = new FakeSequence('a', range(0, 500));
    const b = new FakeSequence('b', range(1000, 500));
    const pool = new SequencePool([a, b]);
    assert.equal(pool.take([...range(1000, 500), 7]).sequence, b);
    assert.equal(pool.take([...range(0, 300), 9]).sequence, a);
    assert.equal(pool.best([...range(0, 300), 9]).shared, 300);
  });

  it('a new place evicts the least recently used one, not the one just used', function () {
    const a = new FakeSequence('a', range(0, 500));
    const b = new FakeSequence('b', range(1000, 500));
    const pool = new SequencePool([a, b]);
    pool.take(range(1000, 600)); // b used last
    const fresh = pool.take(range(5000, 400));
    assert.equal(fresh.sequence, a);
    assert.equal(fresh.shared, 0);
  });

  it("a prompt replacing an older one (new context before the same window) is read aside, then takes the older one's place", function () {
    const a = new FakeSequence('a', range(0, 500));
    const b = new FakeSequence('b', range(1000, 500));
    const scratch = new FakeSequence('scratch');
    const pool = new SequencePool([a, b]);
    pool.take(range(1000, 500)); // b used last: a is the least recently used
    assert.equal(pool.holding(range(1000, 500)), b);
    assert.equal(pool.holding(range(9000, 500)), undefined);
    scratch.tokens = [...range(7000, 300), ...range(1000, 500)];
    pool.replace(b, scratch);
    // a stays; the next new place evicts a, since scratch is now the most recent.
    assert.equal(pool.best(scratch.tokens).sequence, scratch);
    assert.equal(pool.take(range(5000, 400)).sequence, a);
    assert.throws(() => pool.replace(b, a), /not in the pool/);
  });

  it('a prompt sharing only a few marker tokens with a place counts as new', function () {
    const a = new FakeSequence('a', [1, 2, 3, ...range(100, 400)]);
    const b = new FakeSequence('b', []);
    const pool = new SequencePool([a, b]);
    pool.take([1, 2, 3, ...range(100, 10)]); // a used last
    // Shares 3 tokens with a: below MIN_SHARED_TOKENS, so the empty (least recently used) b is taken.
    assert.ok(3 < MIN_SHARED_TOKENS);
    assert.equal(pool.take([1, 2, 3, ...range(9000, 400)]).sequence, b);
  });

  it('a short prompt held whole is reused even below the minimum', function () {
    const a = new FakeSequence('a', [1, 2, 3, 4]);
    const b = new FakeSequence('b', []);
    const pool = new SequencePool([b, a]);
    assert.equal(pool.take([1, 2, 3, 4, 5]).sequence, a);
  });
});
