import assert from 'node:assert/strict';
import { PrefillPacer } from '../../server/src/model/prefillPacer';

describe('PrefillPacer', () => {
  it('starts small, then sizes batches to take about the target time at the measured speed', () => {
    const pacer = new PrefillPacer(200);
    assert.equal(pacer.size(), 32);
    // 32 tokens in 320 ms: 100 tokens/s, so 20 tokens fill 200 ms.
    pacer.record(32, 320);
    assert.equal(pacer.size(), 20);
  });

  it('follows a faster machine up to 512 tokens and a slower one down to 16', () => {
    const fast = new PrefillPacer(200);
    for (let i = 0; i < 10; i++) fast.record(256, 100); // 2,560 tokens/s
    assert.equal(fast.size(), 512);
    const slow = new PrefillPacer(200);
    for (let i = 0; i < 10; i++) slow.record(16, 1000); // 16 tokens/s
    assert.equal(slow.size(), 16);
  });

  it('averages, so one slow batch (a busy moment) does not halve the next batch on its own', () => {
    const pacer = new PrefillPacer(200);
    pacer.record(100, 200); // 0.5 tokens/ms
    pacer.record(100, 1000); // 0.1 tokens/ms
    assert.equal(pacer.size(), 60); // (0.5 + 0.1) / 2 × 200
  });

  it('ignores batches too small to measure', () => {
    const pacer = new PrefillPacer(200);
    pacer.record(1, 500);
    assert.equal(pacer.size(), 32);
  });
});
