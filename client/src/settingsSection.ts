/**
 * Builds the `slmAssist` section the server receives, without `vscode` so the security rule can be
 * unit-tested: the settings that decide whether and where code leaves the machine are taken from
 * the user's own (user or machine) settings only. A repository's `.vscode/settings.json` is
 * written by whoever wrote the repository; it must not be able to turn the remote fallback on or
 * point it at another host.
 */

/**
 * The settings read from user/machine settings only, matching their `application` and `machine`
 * scopes in the manifest (a unit test checks the two agree).
 */
export const USER_ONLY_SETTINGS: readonly string[] = [
  'models.directory',
  'models.mirror',
  'fallback.mode',
  'fallback.endpoint',
  'fallback.model',
  'fallback.maxContextTokens',
  'teamServer.url',
  'teamServer.api',
  'teamServer.model',
  'teamServer.latencyBudgetMs',
  'teamServer.summaries',
  'network.allowRemote',
  'inlineCompletion.clipboardContext',
];

/**
 * The settings a workspace may set only once the user trusts it (Restricted Mode). Each names a
 * file llama.cpp would parse: a cloned repository must not make it load a file the repository
 * ships. They match `capabilities.untrustedWorkspaces.restrictedConfigurations` in the manifest.
 */
export const TRUSTED_ONLY_SETTINGS: readonly string[] = ['model.path', 'chatModel.path'];

/** The parts of `WorkspaceConfiguration.inspect()` that matter here. */
export interface InspectedSetting {
  defaultValue?: unknown;
  globalValue?: unknown;
  workspaceValue?: unknown;
  workspaceFolderValue?: unknown;
  defaultLanguageValue?: unknown;
  globalLanguageValue?: unknown;
  workspaceLanguageValue?: unknown;
  workspaceFolderLanguageValue?: unknown;
}

/** How to read one setting (a key below `slmAssist`, e.g. `fallback.endpoint`). */
export interface SettingsReader {
  /** The effective value, as `WorkspaceConfiguration.get` returns it. */
  get(key: string): unknown;
  /** Every layer of the value, as `WorkspaceConfiguration.inspect` returns it. */
  inspect(key: string): InspectedSetting | undefined;
}

/** The section to send, and the user-only settings whose workspace values were ignored. */
export interface BuiltSection {
  section: Record<string, unknown>;
  /** Keys below `slmAssist` (e.g. `fallback.endpoint`) that a workspace or folder tried to set. */
  ignored: string[];
  /**
   * Set in Restricted Mode (an untrusted workspace): the {@link TRUSTED_ONLY_SETTINGS} keys whose
   * workspace value was ignored, and the fact that every remote feature is off.
   */
  restricted?: { ignored: string[] };
}

/** Whether the user trusts the workspace (`vscode.workspace.isTrusted`). */
export interface BuildOptions {
  trusted: boolean;
}

/**
 * Walks the keys of `shape` (the settings defaults, `{ model: { path, ... }, ... }`) and reads
 * every leaf, keeping the nesting. A {@link USER_ONLY_SETTINGS} key takes the user value, or the
 * default from `shape` when there is none; the effective value is never used for it.
 */
export function buildSection(shape: object, reader: SettingsReader, options: BuildOptions = { trusted: true }): BuiltSection {
  const ignored: string[] = [];
  const restricted: string[] = [];
  const read = (key: string, fallback: unknown): unknown => {
    const userOnly = USER_ONLY_SETTINGS.includes(key);
    const trustedOnly = !options.trusted && TRUSTED_ONLY_SETTINGS.includes(key);
    if (!userOnly && !trustedOnly) return reader.get(key);
    const inspected = reader.inspect(key);
    if (inspected && hasWorkspaceValue(inspected)) (userOnly ? ignored : restricted).push(key);
    return userValue(inspected, fallback);
  };
  const section = collect(shape, read, '');
  if (options.trusted) return { section, ignored };
  // Restricted Mode: whatever the user set, nothing leaves the machine (the fallback, downloads and
  // any remote endpoint all obey network.allowRemote).
  (section.network as Record<string, unknown>).allowRemote = false;
  return { section, ignored, restricted: { ignored: restricted } };
}

/** The value a user-only setting takes: the user's own value, else the default. */
export function userValue(inspected: InspectedSetting | undefined, fallback: unknown): unknown {
  if (inspected?.globalValue !== undefined) return inspected.globalValue;
  if (inspected?.defaultValue !== undefined) return inspected.defaultValue;
  return fallback;
}

/** Whether a workspace, a workspace folder or their language-specific blocks set the value. */
export function hasWorkspaceValue(inspected: InspectedSetting): boolean {
  return (
    inspected.workspaceValue !== undefined ||
    inspected.workspaceFolderValue !== undefined ||
    inspected.workspaceLanguageValue !== undefined ||
    inspected.workspaceFolderLanguageValue !== undefined
  );
}

/**
 * The value at a dotted path inside a section (`fallback.endpoint`); `''` is the section itself.
 * Used to answer `workspace/configuration` pulls of a sub-section from the filtered section.
 */
export function valueAt(section: Record<string, unknown>, path: string): unknown {
  if (!path) return section;
  let current: unknown = section;
  for (const part of path.split('.')) {
    if (!isPlainObject(current)) return undefined;
    current = (current as Record<string, unknown>)[part];
  }
  return current;
}

/** The message shown once per ignored workspace value. */
export function ignoredWorkspaceMessage(key: string): string {
  return `SLM Assist ignores slmAssist.${key} from this workspace's settings: a repository cannot redirect your code. Set it in your user settings.`;
}

function collect(shape: object, read: (key: string, fallback: unknown) => unknown, prefix: string): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(shape)) {
    const key = prefix + name;
    out[name] = isPlainObject(value) ? collect(value, read, `${key}.`) : read(key, value);
  }
  return out;
}

function isPlainObject(value: unknown): value is object {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * The {@link TRUSTED_ONLY_SETTINGS} keys that workspace settings files set. In Restricted Mode
 * VS Code hides those values from `inspect()`, so the extension reads the files themselves to
 * tell the user what was ignored (the values are never used).
 */
export function restrictedKeysIn(settingsFiles: readonly string[]): string[] {
  return TRUSTED_ONLY_SETTINGS.filter((key) => {
    const pattern = new RegExp(`"slmAssist\\.${key.replace(/\./g, '\\.')}"\\s*:`);
    return settingsFiles.some((text) => pattern.test(text));
  });
}

/** The message shown once per workspace value that Restricted Mode ignores. */
export function restrictedWorkspaceMessage(key: string): string {
  return `SLM Assist ignores slmAssist.${key} from this workspace in Restricted Mode: an untrusted folder cannot choose the file llama.cpp loads. Trust the folder, or set it in your user settings.`;
}

/** What the status tooltip says Restricted Mode turned off. */
export function restrictedModeLines(restricted: { ignored: string[] }): string[] {
  return [
    'Restricted Mode: remote features are off until you trust this workspace.',
    ...(restricted.ignored.length
      ? [`Ignored from this workspace: ${restricted.ignored.map((key) => `slmAssist.${key}`).join(', ')}.`]
      : []),
  ];
}
