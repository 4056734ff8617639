import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import {
  acceptInlineSuggestion,
  closeAllEditors,
  openTypeScriptEditor,
  typeAtEnd,
  waitForModelReady,
  withKnownModel,
  type KnownModel,
  type SlmAssistTestApi,
} from './helpers';

/**
 * Inline completion end to end: the editor asks the language client, the client asks the server,
 * the server runs the known (generated) model, and the accepted suggestion lands in the document.
 */
describe('inline completion with the known model', function () {
  let model: KnownModel;
  let api: SlmAssistTestApi | undefined;

  before(async function () {
    ({ model, api } = await withKnownModel(this));
  });

  afterEach(closeAllEditors);

  it("accepting the suggestion after the prompt inserts the model's continuation", async () => {
    const editor = await openTypeScriptEditor();
    await typeAtEnd(editor, model.prompt);
    const inserted = await acceptInlineSuggestion(editor);
    assert.equal(inserted, model.continuation, `document: ${JSON.stringify(editor.document.getText())}`);
  });

  it('suggests nothing while inline completions are turned off', async () => {
    await vscode.commands.executeCommand('slmAssist.toggleInlineCompletions');
    try {
      assert.equal(vscode.workspace.getConfiguration('slmAssist').get('inlineCompletion.enabled'), false);
      const editor = await openTypeScriptEditor();
      await typeAtEnd(editor, model.prompt);
      assert.equal(await acceptInlineSuggestion(editor), '');
    } finally {
      await vscode.commands.executeCommand('slmAssist.toggleInlineCompletions');
    }
    assert.equal(vscode.workspace.getConfiguration('slmAssist').get('inlineCompletion.enabled'), true);
  });

  it('completes again after "Restart Server"', async () => {
    await vscode.commands.executeCommand('slmAssist.restartServer');
    await waitForModelReady(api);
    const editor = await openTypeScriptEditor();
    await typeAtEnd(editor, model.prompt);
    assert.equal(await acceptInlineSuggestion(editor), model.continuation);
  });
});
