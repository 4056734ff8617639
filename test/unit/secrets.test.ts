import assert from 'node:assert/strict';
import { takeSecret } from '../../server/src/secrets';

describe('secrets from the environment', function () {
  it('are read once and removed, so a child process cannot inherit them', function () {
    const env: NodeJS.ProcessEnv = { SLM_ASSIST_FALLBACK_API_KEY: 'sk-1', OTHER: 'x' };
    assert.equal(takeSecret('SLM_ASSIST_FALLBACK_API_KEY', env), 'sk-1');
    assert.deepEqual(env, { OTHER: 'x' });
    assert.equal(takeSecret('SLM_ASSIST_FALLBACK_API_KEY', env), undefined);
    assert.equal(takeSecret('EMPTY', { EMPTY: '' }), undefined);
  });
});
