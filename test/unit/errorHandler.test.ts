import * as assert from 'node:assert/strict';
import { connectionErrorAction, RestartBudget } from '../../client/src/restartBudget';

/** A clock the test moves by hand. */
function fakeClock(): { now: () => number; advance: (ms: number) => void } {
  let time = 1_000_000;
  return { now: () => time, advance: (ms) => (time += ms) };
}

const MINUTE = 60_000;

describe('RestartBudget', () => {
  it('restarts the first four crashes within three minutes and gives up on the fifth', () => {
    const clock = fakeClock();
    const budget = new RestartBudget(4, 3 * MINUTE, clock.now);
    for (let attempt = 1; attempt <= 4; attempt++) {
      assert.deepEqual(budget.recordCrash(), { restart: true, attempt, maxRestarts: 4 });
      clock.advance(10_000);
    }
    assert.deepEqual(budget.recordCrash(), { restart: false, crashes: 5, windowMs: 3 * MINUTE });
  });

  it('forgets crashes older than the window', () => {
    const clock = fakeClock();
    const budget = new RestartBudget(4, 3 * MINUTE, clock.now);
    for (let i = 0; i < 4; i++) budget.recordCrash();
    clock.advance(3 * MINUTE);
    assert.deepEqual(budget.recordCrash(), { restart: true, attempt: 1, maxRestarts: 4 });
  });

  it('slides the window: only crashes in the last three minutes count', () => {
    const clock = fakeClock();
    const budget = new RestartBudget(4, 3 * MINUTE, clock.now);
    budget.recordCrash(); // t = 0
    clock.advance(MINUTE);
    budget.recordCrash(); // t = 1 min
    budget.recordCrash();
    budget.recordCrash();
    clock.advance(2 * MINUTE + 1); // the first crash is now outside the window
    assert.equal(budget.recordCrash().restart, true);
    assert.equal(budget.recordCrash().restart, false);
  });

  it('starts counting again after a reset', () => {
    const clock = fakeClock();
    const budget = new RestartBudget(4, 3 * MINUTE, clock.now);
    for (let i = 0; i < 5; i++) budget.recordCrash();
    budget.reset();
    assert.deepEqual(budget.recordCrash(), { restart: true, attempt: 1, maxRestarts: 4 });
  });

  it('defaults to four restarts in three minutes', () => {
    const budget = new RestartBudget();
    assert.equal(budget.maxRestarts, 4);
    assert.equal(budget.windowMs, 3 * MINUTE);
  });
});

describe('connectionErrorAction', () => {
  it('continues for three errors in a row, then shuts down', () => {
    assert.deepEqual([1, 2, 3, 4].map(connectionErrorAction), ['continue', 'continue', 'continue', 'shutdown']);
    assert.equal(connectionErrorAction(undefined), 'shutdown');
  });
});
