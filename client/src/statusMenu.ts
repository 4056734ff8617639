import type { StatusInput } from './statusView';
import { renderStatus } from './statusView';

/**
 * The menu a click on the status bar item opens, computed without `vscode` so its rules stay in
 * one readable place: what the state calls for comes first, then the switches, then the rest.
 */

/** One entry: a codicon label, a short description and the command it runs. */
export interface MenuItem {
  label: string;
  description?: string;
  command: string;
  args?: unknown[];
}

/** Everything the menu depends on besides the status bar's own input. */
export interface MenuInput extends StatusInput {
  /** Whether a text editor is active (Summarize this file needs one). */
  hasEditor: boolean;
}

/** The entries for the commands the state can call for first, when they are not switches. */
const ACTIONS: Record<string, string> = {
  'slmAssist.restartServer': '$(debug-restart) Restart the server',
  'slmAssist.loadModel': '$(play) Load the model now',
  'slmAssist.selectModelFile': '$(file) Choose a GGUF model file…',
  'slmAssist.showLogs': '$(output) Show the log',
};

export function statusMenuItems(input: MenuInput): MenuItem[] {
  const items: MenuItem[] = [];
  const add = (item: MenuItem): void => {
    if (!items.some((i) => i.command === item.command)) items.push(item);
  };
  const running = input.phase === 'running';
  const switches: MenuItem[] = running
    ? [
        {
          label: input.completionsEnabled ? '$(circle-slash) Turn inline completions off' : '$(check) Turn inline completions on',
          description: 'everywhere',
          command: 'slmAssist.toggleInlineCompletions',
        },
        ...(input.language && input.completionsEnabled
          ? [
              {
                label: input.language.disabled
                  ? `$(check) Turn them on for ${input.language.id}`
                  : `$(circle-slash) Turn them off for ${input.language.id}`,
                description: 'this language',
                command: 'slmAssist.toggleLanguage',
                args: [input.language.id],
              },
            ]
          : []),
      ]
    : [];

  // What the state calls for comes first: a switch that is off, or an action.
  const { primary } = renderStatus(input);
  const primarySwitch = switches.find((item) => item.command === primary);
  if (primarySwitch) add(primarySwitch);
  else if (ACTIONS[primary]) add({ label: ACTIONS[primary], command: primary });

  for (const item of switches) add(item);
  if (running) {
    const status = input.status;
    if (status?.state === 'noModel' && status.modelPath) add({ label: ACTIONS['slmAssist.loadModel'], command: 'slmAssist.loadModel' });
    add({
      label: status?.state === 'ready' || status?.modelPath ? '$(file) Change the model file…' : ACTIONS['slmAssist.selectModelFile'],
      command: 'slmAssist.selectModelFile',
    });
    add({ label: '$(library) Manage models…', description: 'download, switch, delete', command: 'slmAssist.manageModels' });
    if (input.hasEditor) add({ label: '$(book) Summarize this file', command: 'slmAssist.summarizeFile' });
  }
  add({ label: ACTIONS['slmAssist.showLogs'], command: 'slmAssist.showLogs' });
  add({ label: ACTIONS['slmAssist.restartServer'], command: 'slmAssist.restartServer' });
  add({ label: '$(settings-gear) Settings', command: 'workbench.action.openSettings', args: ['@ext:slm-assist.slm-assist'] });
  return items;
}
