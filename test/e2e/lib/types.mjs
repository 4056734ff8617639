// @ts-check
/**
 * Types shared by the e2e runner (test/e2e/run.mjs), its helpers and its scenarios. JSDoc only:
 * nothing here runs, and nothing imports this module at run time. A scenario takes one with
 * `@typedef {import('../lib/types.mjs').ScenarioContext} ScenarioContext`.
 */

/** @typedef {import('./model.mjs').KnownModel} KnownModel */
/** @typedef {import('./model.mjs').ChatModel} ChatModel */
/** @typedef {import('./codeServer.mjs').CodeServer} CodeServer */
/** @typedef {import('./workbench.mjs').Browser} Browser */

/**
 * One outcome in the run's report: a scenario, an integration test, a check of the run itself.
 * @typedef {{ title: string, state: 'passed' | 'failed' | 'skipped', durationMs?: number, error?: string }} Result
 */

/**
 * What a scenario's `run(t)` is given (built by runScenario in test/e2e/run.mjs).
 * @typedef {object} ScenarioContext
 * @property {KnownModel | undefined} model The known-output model; undefined without one (the scenarios that say `needs: 'known'` are skipped then).
 * @property {ChatModel | undefined} chatModel The chat model; undefined without one (`needs: 'chat'` scenarios are skipped then).
 * @property {{ origin: string, requests: string[] } | undefined} mirror The model mirror on 127.0.0.1 serving the known model for the run's catalog; undefined without the known model.
 * @property {string} broken A file that is not a model.
 * @property {string} stateDir The extension's global storage folder, where the server keeps its crash markers (`loading/`) and models.
 * @property {() => number} offHostCount How many requests off 127.0.0.1 the browser has made (and had blocked) so far in this run.
 * @property {CodeServer} codeServer
 * @property {string} serverScript The installed extension's server script, as its processes' command lines name it.
 * @property {(name: string, content: string) => string} workspaceFile Creates a file in the workspace and returns its path.
 * @property {(settings: Record<string, unknown>) => void} writeSettings Merges `settings` into the base user settings.
 * @property {() => Promise<import('playwright-core').Page>} open Opens the workbench in a new page and waits until the extension is active.
 * @property {(name: string) => Promise<void>} shot Takes a screenshot of the latest page, `<name>.png`.
 * @property {(id: string) => string} commandTitle The Command Palette title of a command the extension contributes.
 * @property {(condition: unknown, message: string) => void} assert Throws `message` unless `condition` holds.
 * @property {(check: () => boolean, timeoutMs: number, describe: () => string) => Promise<void>} until Polls `check` until it holds; throws `describe()` after `timeoutMs`.
 * @property {(line: string) => void} log
 */

/**
 * A scenario: a scenario module's default export, or each element of it when it is an array.
 * @typedef {object} Scenario
 * @property {string} id
 * @property {string} title
 * @property {'known' | 'chat'} [needs] The model it needs; skipped without it.
 * @property {string} [skip] Why it is skipped, if it is.
 * @property {'untrusted'} [workspaceTrust] Run in a code-server of its own with workspace trust on and the folder untrusted (Restricted Mode).
 * @property {(t: ScenarioContext) => Promise<void>} run
 */

export {};
