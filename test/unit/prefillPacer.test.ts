import assert from 'node:assert/strict';
import { PrefillPacer } from '../../server/src/model/prefillPacer';

describe('PrefillPacer', () => {
  it('starts at 128 tokens, then sizes batches to take about the target time at the measured speed', () => {
    const pacer = new PrefillPacer(400);
    assert.equal(pacer.size(), 128);
    // 128 tokens in 256 ms: 500 tokens/s, so 200 tokens fill 400 ms.
    pacer.record(128, 256);
    assert.equal(pacer.size(), 200);
  });

  it('follows a faster machine up to 512 tokens and a slower one down to 128, never below', () => {
    const fast = new PrefillPacer(400);
    for (let i = 0; i < 10; i++) fast.record(256, 100); // 2,560 tokens/s
    assert.equal(fast.size(), 512);
    const slow = new PrefillPacer(400);
    for (let i = 0; i < 10; i++) slow.record(128, 1280); // 100 tokens/s
    assert.equal(slow.size(), 128);
  });

  it('averages, so one slow batch (a busy moment) does not halve the next batch on its own', () => {
    const pacer = new PrefillPacer(400);
    pacer.record(200, 200); // 1 token/ms
    pacer.record(200, 1000); // 0.2 tokens/ms
    assert.equal(pacer.size(), 240); // (1 + 0.2) / 2 × 400
  });

  it('ignores batches too small to measure', () => {
    const pacer = new PrefillPacer(400);
    pacer.record(1, 500);
    assert.equal(pacer.size(), 128);
  });
});
