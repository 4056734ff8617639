import assert from 'node:assert/strict';
import { renderStatus } from '../../../client/src/statusView';
import type { ModelInfo } from '../../../common/protocol';

const model: ModelInfo = {
  path: '/models/qwen2.5-coder-0.5b-q4_k_m.gguf',
  name: 'Qwen2.5 Coder 0.5B',
  architecture: 'qwen2',
  quantization: 'Q4_K_M',
  fourBit: true,
  contextSize: 4096,
  fim: true,
};

describe('status bar', function () {
  const running = { phase: 'running' as const, completionsEnabled: true };

  it('asks for a model file when none is set', function () {
    const view = renderStatus({ ...running, status: { state: 'noModel' } });
    assert.equal(view.text, '$(circle-slash) SLM');
    assert.equal(view.command, 'slmAssist.selectModelFile');
  });

  it('names the configured file that loads on first use, and loads it on click', function () {
    const view = renderStatus({ ...running, status: { state: 'noModel', modelPath: model.path } });
    assert.equal(view.text, '$(circle-outline) SLM: qwen2.5-coder-0.5b-q4_k_m.gguf');
    assert.match(view.tooltip, /loads on first use/);
    assert.equal(view.command, 'slmAssist.loadModel');
  });

  it('shows a spinner with the file name while loading, the model name when ready', function () {
    assert.equal(
      renderStatus({ ...running, status: { state: 'loading', modelPath: model.path } }).text,
      '$(loading~spin) SLM: loading qwen2.5-coder-0.5b-q4_k_m.gguf',
    );
    const ready = renderStatus({ ...running, status: { state: 'ready', model } });
    assert.equal(ready.text, '$(sparkle) Qwen2.5 Coder 0.5B');
    assert.match(ready.tooltip, /Q4_K_M/);
  });

  it('shows an error icon whose tooltip is the message, and opens the log on click', function () {
    const view = renderStatus({
      ...running,
      status: { state: 'error', modelPath: '/x.gguf', message: 'Cannot load the model /x.gguf: the file is empty (0 bytes).' },
    });
    assert.equal(view.text, '$(error) SLM');
    assert.equal(view.error, true);
    assert.match(view.tooltip, /\/x\.gguf: the file is empty/);
    assert.equal(view.command, 'slmAssist.showLogs');
  });

  it('says when inline completions are off, whatever the model does', function () {
    assert.equal(
      renderStatus({ ...running, completionsEnabled: false, status: { state: 'ready', model } }).text,
      '$(circle-slash) SLM: inline completions off',
    );
  });
});
