import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { activateExtension, EXTENSION_ID } from './helpers';

/** The commands the manifest contributes and `client/src/commands.ts` registers. */
const COMMANDS = [
  'slmAssist.loadModel',
  'slmAssist.selectModelFile',
  'slmAssist.toggleInlineCompletions',
  'slmAssist.restartServer',
  'slmAssist.showLogs',
];

describe('activation', () => {
  it('activates the extension', async () => {
    await activateExtension();
    assert.equal(vscode.extensions.getExtension(EXTENSION_ID)?.isActive, true);
  });

  it('registers every SLM Assist command', async () => {
    await activateExtension();
    const registered = new Set(await vscode.commands.getCommands(true));
    assert.deepEqual(
      COMMANDS.filter((command) => !registered.has(command)),
      [],
      'commands missing from the command registry',
    );
  });
});
