import * as assert from 'node:assert/strict';
import { defaultSettings } from '../../../common/settings';
import manifest from '../../../package.json';
import {
  buildSection,
  hasWorkspaceValue,
  ignoredWorkspaceMessage,
  restrictedKeysIn,
  restrictedModeLines,
  restrictedWorkspaceMessage,
  USER_ONLY_SETTINGS,
  valueAt,
  type InspectedSetting,
  type SettingsReader,
} from '../../../client/src/settingsSection';

/**
 * A fake `WorkspaceConfiguration`: each key's layers, merged the way VS Code merges them
 * (folder over workspace over user over default).
 */
function reader(layers: Record<string, InspectedSetting>): SettingsReader {
  return {
    inspect: (key) => layers[key],
    get: (key) => {
      const layer = layers[key];
      return layer?.workspaceFolderValue ?? layer?.workspaceValue ?? layer?.globalValue ?? layer?.defaultValue;
    },
  };
}

function section(layers: Record<string, InspectedSetting>) {
  return buildSection(defaultSettings, reader(layers));
}

describe('settingsSection', () => {
  it('ignores a workspace endpoint and reports it', () => {
    const built = section({
      'fallback.endpoint': { defaultValue: '', globalValue: 'https://mine.example/v1', workspaceValue: 'https://evil.example/v1' },
    });
    assert.equal(valueAt(built.section, 'fallback.endpoint'), 'https://mine.example/v1');
    assert.deepEqual(built.ignored, ['fallback.endpoint']);
  });

  it('ignores a workspace team server: a repository cannot send completions elsewhere', () => {
    const built = section({
      'teamServer.url': { defaultValue: '', workspaceValue: 'https://collector.example' },
      'teamServer.api': { defaultValue: 'llamaServer', globalValue: 'openaiCompatible', workspaceFolderValue: 'llamaServer' },
    });
    assert.equal(valueAt(built.section, 'teamServer.url'), '');
    assert.equal(valueAt(built.section, 'teamServer.api'), 'openaiCompatible');
    assert.deepEqual(built.ignored.sort(), ['teamServer.api', 'teamServer.url']);
  });

  it('falls back to the default, not the workspace value, when the user set nothing', () => {
    const built = section({
      'fallback.mode': { defaultValue: 'off', workspaceFolderValue: 'auto' },
      'network.allowRemote': { defaultValue: true, workspaceValue: false },
      'fallback.model': { workspaceLanguageValue: 'other' },
    });
    assert.equal(valueAt(built.section, 'fallback.mode'), 'off');
    assert.equal(valueAt(built.section, 'network.allowRemote'), true);
    assert.equal(valueAt(built.section, 'fallback.model'), defaultSettings.fallback.model);
    assert.deepEqual(built.ignored.sort(), ['fallback.mode', 'fallback.model', 'network.allowRemote']);
  });

  it('keeps user and machine values of the user-only settings', () => {
    const built = section({
      'fallback.mode': { defaultValue: 'off', globalValue: 'ask' },
      'fallback.model': { defaultValue: '', globalValue: 'gpt-4o-mini' },
      'fallback.maxContextTokens': { defaultValue: 32768, globalValue: 128000 },
      'network.allowRemote': { defaultValue: true, globalValue: false },
    });
    assert.deepEqual(built.section.fallback, { mode: 'ask', endpoint: '', model: 'gpt-4o-mini', maxContextTokens: 128000 });
    assert.deepEqual(built.section.network, { allowRemote: false });
    assert.deepEqual(built.ignored, []);
  });

  it('reads every other setting with its workspace value, as before', () => {
    const built = section({
      'model.path': { defaultValue: '', globalValue: '/user.gguf', workspaceValue: '/repo.gguf' },
      'summary.maxTokens': { defaultValue: 384, workspaceFolderValue: 200 },
    });
    assert.equal(valueAt(built.section, 'model.path'), '/repo.gguf');
    assert.equal(valueAt(built.section, 'summary.maxTokens'), 200);
    assert.deepEqual(built.ignored, []);
  });

  it('has the shape of the settings schema', () => {
    const built = section({});
    assert.deepEqual(Object.keys(built.section).sort(), Object.keys(defaultSettings).sort());
    for (const [group, fields] of Object.entries(defaultSettings)) {
      assert.deepEqual(Object.keys(built.section[group] as object).sort(), Object.keys(fields).sort(), group);
    }
  });

  it('lists exactly the settings the manifest scopes to the application or the machine', () => {
    const properties = manifest.contributes.configuration.properties as Record<string, { scope?: string }>;
    const scoped = Object.entries(properties)
      .filter(([, property]) => property.scope === 'application' || property.scope === 'machine')
      .map(([key]) => key.slice('slmAssist.'.length));
    assert.deepEqual([...USER_ONLY_SETTINGS].sort(), scoped.sort());
  });

  it('sees workspace values in every workspace layer', () => {
    assert.equal(hasWorkspaceValue({ globalValue: 1, defaultValue: 2 }), false);
    assert.equal(hasWorkspaceValue({ workspaceValue: 1 }), true);
    assert.equal(hasWorkspaceValue({ workspaceFolderValue: '' }), true);
    assert.equal(hasWorkspaceValue({ workspaceFolderLanguageValue: false }), true);
  });

  it('finds sub-sections for configuration pulls', () => {
    const built = section({ 'fallback.endpoint': { defaultValue: '', globalValue: 'https://a.example/v1' } });
    assert.equal(valueAt(built.section, ''), built.section);
    assert.deepEqual(valueAt(built.section, 'network'), { allowRemote: true });
    assert.equal(valueAt(built.section, 'fallback.endpoint.nope'), undefined);
  });

  it('names the ignored setting in its warning', () => {
    assert.match(
      ignoredWorkspaceMessage('fallback.endpoint'),
      /ignores slmAssist\.fallback\.endpoint from this workspace's settings: a repository cannot redirect your code/,
    );
  });

  describe('Restricted Mode (an untrusted workspace)', () => {
    const untrusted = (layers: Record<string, InspectedSetting>) => buildSection(defaultSettings, reader(layers), { trusted: false });

    it("ignores the model paths a workspace sets and keeps the user's own", () => {
      const built = untrusted({
        'model.path': { defaultValue: '', globalValue: '/home/me/models/coder.gguf', workspaceValue: '/repo/evil.gguf' },
        'chatModel.path': { defaultValue: '', workspaceFolderValue: '/repo/chat.gguf' },
      });
      assert.equal(valueAt(built.section, 'model.path'), '/home/me/models/coder.gguf');
      assert.equal(valueAt(built.section, 'chatModel.path'), '');
      assert.deepEqual(built.restricted?.ignored.sort(), ['chatModel.path', 'model.path']);
    });

    it('turns every remote feature off, whatever the user set', () => {
      const built = untrusted({
        'fallback.mode': { defaultValue: 'off', globalValue: 'auto' },
        'network.allowRemote': { defaultValue: true, globalValue: true },
      });
      assert.equal(valueAt(built.section, 'network.allowRemote'), false);
      assert.deepEqual(built.restricted, { ignored: [] });
    });

    it('keeps workspace values of the harmless settings', () => {
      const built = untrusted({ 'summary.maxTokens': { defaultValue: 384, workspaceValue: 200 } });
      assert.equal(valueAt(built.section, 'summary.maxTokens'), 200);
    });

    it('changes nothing in a trusted workspace', () => {
      const built = section({ 'model.path': { defaultValue: '', workspaceValue: '/repo/model.gguf' } });
      assert.equal(valueAt(built.section, 'model.path'), '/repo/model.gguf');
      assert.equal(valueAt(built.section, 'network.allowRemote'), true);
      assert.equal(built.restricted, undefined);
    });

    it('finds the model settings a workspace settings file sets (VS Code hides their values in Restricted Mode)', () => {
      const file = '{\n  // the repository\'s choice\n  "slmAssist.model.path": "./models/x.gguf",\n  "editor.tabSize": 2\n}';
      assert.deepEqual(restrictedKeysIn([file]), ['model.path']);
      assert.deepEqual(restrictedKeysIn(['{ "slmAssist.chatModel.path" : "c.gguf" }', '{}']), ['chatModel.path']);
      assert.deepEqual(restrictedKeysIn(['{ "slmAssist.model.pathology": 1, "xslmAssist.model.path": 2 }']), []);
    });

    it('names what it turned off', () => {
      assert.deepEqual(restrictedModeLines({ ignored: ['model.path'] }), [
        'Restricted Mode: remote features are off until you trust this workspace.',
        'Ignored from this workspace: slmAssist.model.path.',
      ]);
      assert.match(restrictedWorkspaceMessage('model.path'), /ignores slmAssist\.model\.path from this workspace in Restricted Mode/);
    });
  });
});
