import assert from 'node:assert/strict';
import { statusMenuItems } from '../../../client/src/statusMenu';
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
    assert.equal(view.command, 'slmAssist.showMenu');
    assert.equal(view.primary, 'slmAssist.selectModelFile');
  });

  it('names the configured file that loads on first use, and loads it on click', function () {
    const view = renderStatus({ ...running, status: { state: 'noModel', modelPath: model.path } });
    assert.equal(view.text, '$(circle-outline) SLM: qwen2.5-coder-0.5b-q4_k_m.gguf');
    assert.match(view.tooltip, /loads on first use/);
    assert.equal(view.primary, 'slmAssist.loadModel');
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

  it('names the team server in the tooltip, and warns while it is unreachable', function () {
    const up = renderStatus({ ...running, status: { state: 'ready', model, team: { host: 'gpu.example:8080', reachable: true } } });
    assert.equal(up.text, '$(sparkle) Qwen2.5 Coder 0.5B');
    assert.match(up.tooltip, /^Team server: gpu\.example:8080 \(completions go there first/m);
    const message = 'team server gpu.example:8080 unreachable, using the local model (down; next try in 5 s)';
    const down = renderStatus({
      ...running,
      status: { state: 'ready', model, team: { host: 'gpu.example:8080', reachable: false, message } },
    });
    assert.equal(down.text, '$(warning) Qwen2.5 Coder 0.5B');
    assert.ok(down.tooltip.includes(`⚠ ${message}`));
  });

  it('shows an error icon whose tooltip is the message, and opens the log on click', function () {
    const view = renderStatus({
      ...running,
      status: { state: 'error', modelPath: '/x.gguf', message: 'Cannot load the model /x.gguf: the file is empty (0 bytes).' },
    });
    assert.equal(view.text, '$(error) SLM');
    assert.equal(view.error, true);
    assert.match(view.tooltip, /\/x\.gguf: the file is empty/);
    assert.equal(view.primary, 'slmAssist.showLogs');
  });

  it('says when inline completions are off, whatever the model does', function () {
    assert.equal(
      renderStatus({ ...running, completionsEnabled: false, status: { state: 'ready', model } }).text,
      '$(circle-slash) SLM: inline completions off',
    );
  });

  it("says when completions are off for the active file's language", function () {
    const view = renderStatus({ ...running, language: { id: 'markdown', disabled: true }, status: { state: 'ready', model } });
    assert.equal(view.text, '$(circle-slash) SLM: off for markdown');
    assert.equal(view.primary, 'slmAssist.toggleLanguage');
    // A language that is not turned off changes nothing.
    assert.equal(
      renderStatus({ ...running, language: { id: 'python', disabled: false }, status: { state: 'ready', model } }).text,
      '$(sparkle) Qwen2.5 Coder 0.5B',
    );
  });

  it('says in the tooltip what Restricted Mode turned off', function () {
    const view = renderStatus({ ...running, status: { state: 'noModel' }, restricted: { ignored: ['model.path'] } });
    assert.match(view.tooltip, /Restricted Mode: remote features are off/);
    assert.match(view.tooltip, /Ignored from this workspace: slmAssist\.model\.path\./);
    assert.doesNotMatch(renderStatus({ ...running, status: { state: 'noModel' } }).tooltip, /Restricted Mode/);
  });

  it('opens the menu on every click, whatever the state', function () {
    for (const phase of ['starting', 'restarting', 'running', 'stopped', 'crashed', 'failed'] as const) {
      assert.equal(renderStatus({ phase, completionsEnabled: true }).command, 'slmAssist.showMenu', phase);
    }
  });
});

describe('status bar menu', function () {
  const running = { phase: 'running' as const, completionsEnabled: true, hasEditor: true };
  const commands = (items: ReturnType<typeof statusMenuItems>) => items.map((item) => item.command);

  it('puts what the state calls for first', function () {
    assert.equal(statusMenuItems({ ...running, status: { state: 'noModel' } })[0].command, 'slmAssist.selectModelFile');
    assert.equal(statusMenuItems({ ...running, status: { state: 'noModel', modelPath: '/m.gguf' } })[0].command, 'slmAssist.loadModel');
    assert.equal(statusMenuItems({ ...running, status: { state: 'error', message: 'bad' } })[0].command, 'slmAssist.showLogs');
    assert.equal(statusMenuItems({ phase: 'crashed', completionsEnabled: true, hasEditor: true })[0].command, 'slmAssist.restartServer');
    const off = statusMenuItems({ ...running, completionsEnabled: false, status: { state: 'ready', model } });
    assert.deepEqual([off[0].command, off[0].label], ['slmAssist.toggleInlineCompletions', '$(check) Turn inline completions on']);
    const language = statusMenuItems({ ...running, language: { id: 'markdown', disabled: true }, status: { state: 'ready', model } });
    assert.deepEqual(
      [language[0].command, language[0].args, language[0].label],
      ['slmAssist.toggleLanguage', ['markdown'], '$(check) Turn them on for markdown'],
    );
  });

  it('offers the switches, the model, Summarize, the log and a restart while running', function () {
    const items = statusMenuItems({ ...running, language: { id: 'python', disabled: false }, status: { state: 'ready', model } });
    assert.deepEqual(commands(items), [
      'slmAssist.toggleInlineCompletions',
      'slmAssist.toggleLanguage',
      'slmAssist.selectModelFile',
      'slmAssist.manageModels',
      'slmAssist.summarizeFile',
      'slmAssist.showLogs',
      'slmAssist.restartServer',
      'workbench.action.openSettings',
    ]);
    assert.equal(items[0].label, '$(circle-slash) Turn inline completions off');
    assert.equal(items[1].label, '$(circle-slash) Turn them off for python');
    assert.equal(items[2].label, '$(file) Change the model file…');
  });

  it('offers no Summarize without an editor, and no switches while the server is down', function () {
    assert.ok(
      !commands(statusMenuItems({ ...running, hasEditor: false, status: { state: 'ready', model } })).includes('slmAssist.summarizeFile'),
    );
    assert.deepEqual(commands(statusMenuItems({ phase: 'stopped', completionsEnabled: true, hasEditor: true })), [
      'slmAssist.restartServer',
      'slmAssist.showLogs',
      'workbench.action.openSettings',
    ]);
  });
});
