import type { ModelInfo, StatusParams, TeamStatus } from '../../common/protocol';
import { restrictedModeLines } from './settingsSection';

/**
 * What the status bar item shows, computed from the client's state without `vscode` so the
 * rules stay in one readable table.
 */

/** Where the language client's lifecycle is; the model's own state comes from the server. */
export type ClientPhase =
  /** First start after activation. */
  | 'starting'
  /** Started again after a stop or a crash. */
  | 'restarting'
  | 'running'
  /** Stopped on purpose, or shut down after connection errors. */
  | 'stopped'
  /** Crashed too often and was not restarted. */
  | 'crashed'
  /** The server process could not be started at all. */
  | 'failed';

/** Everything the status bar item depends on. */
export interface StatusInput {
  phase: ClientPhase;
  /** Last status the server sent; kept across restarts. */
  status?: StatusParams;
  /** `slmAssist.inlineCompletion.enabled`. */
  completionsEnabled: boolean;
  /** Set while restarting after a crash. */
  crash?: { attempt: number; maxRestarts: number };
  /** Why the server stopped or failed to start, when known. */
  detail?: string;
  /** The active editor's language, and whether `inlineCompletion.disabledLanguages` lists it. */
  language?: { id: string; disabled: boolean };
  /** Set in Restricted Mode: what it turned off (see `restrictedModeLines`). */
  restricted?: { ignored: string[] };
}

/** The rendered item: text with codicons, tooltip, click command and whether it is an error. */
export interface StatusView {
  text: string;
  tooltip: string;
  /** What a click does: always the menu. */
  command: string;
  /** The command the state calls for (restart, load, choose a file, ...): the menu lists it first. */
  primary: string;
  error: boolean;
}

const SELECT_HINT = 'SLM Assist: no model yet. Choose a GGUF model file to get completions.';

/** What a click on the item does, in every state: the menu (`statusMenu.ts`), whose first entries fit the state. */
export const STATUS_COMMAND = 'slmAssist.showMenu';

/** Computes the status bar item for the given state. */
export function renderStatus(input: StatusInput): StatusView {
  const view = renderPhase(input);
  const extra = input.restricted ? restrictedModeLines(input.restricted) : [];
  return { ...view, tooltip: join([view.tooltip, ...extra, 'Click for the SLM Assist menu.']), command: STATUS_COMMAND };
}

function renderPhase(input: StatusInput): StatusView {
  switch (input.phase) {
    case 'starting':
      return view('$(loading~spin) SLM', 'SLM Assist: starting the server…', 'slmAssist.showLogs');
    case 'restarting': {
      const count = input.crash ? ` (${input.crash.attempt}/${input.crash.maxRestarts})` : '';
      const why = input.crash ? ' after a crash' : '';
      const lines = [`SLM Assist: restarting the server${why}${count}…`, lastStatusLine(input.status)];
      return view(`$(sync~spin) SLM: restarting${count}`, join(lines), 'slmAssist.showLogs');
    }
    case 'stopped': {
      const lines = ['SLM Assist: the server is stopped.', input.detail, lastStatusLine(input.status)];
      return view('$(debug-stop) SLM: stopped', join(lines), 'slmAssist.restartServer');
    }
    case 'crashed':
    case 'failed': {
      const lines = [input.detail ?? 'SLM Assist: the server is not running.'];
      return view('$(error) SLM: server stopped', join(lines), 'slmAssist.restartServer', true);
    }
    case 'running':
      return renderRunning(input);
  }
}

function renderRunning(input: StatusInput): StatusView {
  if (!input.completionsEnabled) {
    return view(
      '$(circle-slash) SLM: inline completions off',
      'SLM Assist: inline completions are off.',
      'slmAssist.toggleInlineCompletions',
    );
  }
  if (input.language?.disabled) {
    return view(
      `$(circle-slash) SLM: off for ${input.language.id}`,
      `SLM Assist: inline completions are off for ${input.language.id} files (slmAssist.inlineCompletion.disabledLanguages).`,
      'slmAssist.toggleLanguage',
    );
  }
  const status = input.status;
  if (!status) return view('$(loading~spin) SLM', 'SLM Assist: waiting for the server…', 'slmAssist.showLogs');
  switch (status.state) {
    case 'noModel':
      if (status.modelPath)
        return view(
          `$(circle-outline) SLM: ${fileName(status.modelPath)}`,
          `SLM Assist: ${status.modelPath} loads on first use.`,
          'slmAssist.loadModel',
        );
      return view('$(circle-slash) SLM', SELECT_HINT, 'slmAssist.selectModelFile');
    case 'loading': {
      const name = status.model?.name ?? (status.modelPath ? fileName(status.modelPath) : 'model');
      return view(
        `$(loading~spin) SLM: loading ${name}`,
        join([`SLM Assist: loading ${status.model?.path ?? 'the model'}…`, status.message]),
        'slmAssist.showLogs',
      );
    }
    case 'ready': {
      const model = status.model;
      const team = status.team;
      const icon = status.message || (team && !team.reachable) ? '$(warning)' : '$(sparkle)';
      const tooltip = join([...(model ? modelLines(model) : []), status.message && `⚠ ${status.message}`, team && teamLine(team)]);
      return view(`${icon} ${model?.name ?? 'SLM'}`, tooltip, 'slmAssist.toggleInlineCompletions');
    }
    case 'error':
      return view('$(error) SLM', status.message ?? 'SLM Assist: the model could not be loaded.', 'slmAssist.showLogs', true);
  }
}

/** The team server's line in the tooltip. */
function teamLine(team: TeamStatus): string {
  if (team.reachable) return `Team server: ${team.host} (completions go there first; the local model answers when it is slow)`;
  return `⚠ ${team.message ?? `team server ${team.host} unreachable, using the local model`}`;
}

/** The last part of a path, on any platform. */
function fileName(path: string): string {
  return path.split(/[\\/]/).pop() || path;
}

function modelLines(model: ModelInfo): string[] {
  return [
    `SLM Assist: ${model.name}`,
    `Quantization: ${model.quantization}${model.fourBit ? '' : ' (not 4-bit)'}`,
    `Context size: ${model.contextSize} tokens`,
    `FIM: ${model.fim ? (model.fimUnused ? `tokens present, not used: ${model.fimUnused}` : 'yes') : 'no (prefix only)'}`,
    `Path: ${model.path}`,
  ];
}

/** One line recalling the last known model state, shown while the server is away. */
function lastStatusLine(status: StatusParams | undefined): string | undefined {
  if (!status) return undefined;
  const name = status.model ? ` (${status.model.name})` : '';
  return `Last status: ${status.state}${name}${status.message ? `: ${status.message}` : ''}`;
}

function join(lines: (string | undefined)[]): string {
  return lines.filter((line): line is string => !!line).join('\n');
}

function view(text: string, tooltip: string, primary: string, error = false): StatusView {
  return { text, tooltip, command: STATUS_COMMAND, primary, error };
}
