import assert from 'node:assert/strict';
import { usesFim } from '../../../server/src/completion/completionService';

describe('fillInTheMiddle: which models get a FIM prompt', () => {
  const fim = { prefix: 1, suffix: 2, middle: 3 };

  it('auto: a model with FIM tokens that does not look tuned for chat', () => {
    assert.equal(usesFim({ fim, fimByDefault: true }, 'auto'), true);
  });

  it('auto: not an instruct model that merely carries FIM-looking tokens', () => {
    assert.equal(usesFim({ fim, fimByDefault: false }, 'auto'), false);
    assert.equal(usesFim({ fim, fimByDefault: false }, 'on'), true);
  });

  it('never without FIM tokens, and never when off', () => {
    assert.equal(usesFim({ fim: undefined, fimByDefault: true }, 'on'), false);
    assert.equal(usesFim({ fim, fimByDefault: true }, 'off'), false);
  });
});
