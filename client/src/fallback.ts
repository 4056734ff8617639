import * as vscode from 'vscode';
import { State } from 'vscode-languageclient/node';
import { ConfirmFallbackRequest, type ConfirmFallbackParams, type ConfirmFallbackResult } from '../../common/protocol';
import { confirmFallbackPrompt, FALLBACK_CHOICES, fallbackChoice } from './answerView';
import type { Ctx } from './ctx';
import { onRequest } from './protocol';

/** The SecretStorage key of the fallback API key. Secrets are already per extension. */
const API_KEY_SECRET = 'fallbackApiKey';

/** The server's environment variable for the key (server/src/secrets.ts reads and removes it). */
export const FALLBACK_API_KEY_ENV = 'SLM_ASSIST_FALLBACK_API_KEY';

/** The team server's API key: its SecretStorage key and the server's environment variable. */
const TEAM_KEY_SECRET = 'teamServerApiKey';
export const TEAM_API_KEY_ENV = 'SLM_ASSIST_TEAM_SERVER_API_KEY';

/** Each stored key and the environment variable the server reads it from. */
const KEYS: ReadonlyArray<{ secret: string; env: string; what: string }> = [
  { secret: API_KEY_SECRET, env: FALLBACK_API_KEY_ENV, what: 'fallback API key' },
  { secret: TEAM_KEY_SECRET, env: TEAM_API_KEY_ENV, what: 'team server API key' },
];

/**
 * Wires the remote fallback: answers the server's `slmAssist/confirmFallback` question, and puts
 * the API key from SecretStorage into the server's environment before it starts. The key is never
 * sent in an LSP message, so no trace level can print it; a changed key restarts the server.
 * Call (and await) before the client starts.
 */
export async function registerFallback(ctx: Ctx): Promise<void> {
  await Promise.all(KEYS.map((key) => loadApiKey(ctx, key)));
  ctx.push(
    onRequest(ctx.client, ConfirmFallbackRequest, (params) => confirmFallback(params)),
    ctx.secrets.onDidChange((event) => {
      const key = KEYS.find((k) => k.secret === event.key);
      if (!key) return;
      void loadApiKey(ctx, key).then(() => {
        if (ctx.client.state !== State.Running) return;
        ctx.log.info(`The ${key.what} changed: restarting the server so that it reads the new key.`);
        return ctx.restart();
      });
    }),
  );
}

/**
 * "SLM Assist: Set Fallback API Key": stores the key in SecretStorage, never in settings. An
 * empty input deletes it; Escape changes nothing. The change reaches the server through
 * `secrets.onDidChange`.
 */
export function setFallbackApiKey(ctx: Ctx): Promise<void> {
  return askForKey(ctx, KEYS[0], 'Fallback API Key', 'slmAssist.fallback.endpoint');
}

/** "SLM Assist: Set Team Server API Key": the same, for `slmAssist.teamServer.url`. */
export function setTeamServerApiKey(ctx: Ctx): Promise<void> {
  return askForKey(ctx, KEYS[1], 'Team Server API Key', 'slmAssist.teamServer.url');
}

async function askForKey(ctx: Ctx, key: (typeof KEYS)[number], title: string, setting: string): Promise<void> {
  const input = await vscode.window.showInputBox({
    title: `SLM Assist: ${title}`,
    prompt: `API key for ${setting}, kept in VS Code's secret storage. Leave empty to delete the stored key.`,
    placeHolder: 'API key',
    password: true,
    ignoreFocusOut: true,
  });
  if (input === undefined) return;
  const value = input.trim();
  if (value) {
    await ctx.secrets.store(key.secret, value);
    void vscode.window.showInformationMessage(`SLM Assist: the ${key.what} is stored.`);
  } else {
    await ctx.secrets.delete(key.secret);
    void vscode.window.showInformationMessage(`SLM Assist: the ${key.what} is deleted.`);
  }
}

/** Puts the stored key (or its absence) into the environment the next server start gets. The key itself is never logged. */
async function loadApiKey(ctx: Ctx, key: (typeof KEYS)[number]): Promise<void> {
  try {
    const apiKey = await ctx.secrets.get(key.secret);
    if (apiKey) ctx.serverEnv[key.env] = apiKey;
    else delete ctx.serverEnv[key.env];
  } catch (error) {
    ctx.log.warn(`The ${key.what} could not be read from the secret storage: ${error instanceof Error ? error.message : String(error)}`);
  }
}

/** Asks, in a modal dialog, whether a request too long for the local model may go to the remote one. */
async function confirmFallback(params: ConfirmFallbackParams): Promise<ConfirmFallbackResult> {
  const { message, detail } = confirmFallbackPrompt(params);
  const picked = await vscode.window.showWarningMessage(message, { modal: true, detail }, FALLBACK_CHOICES.remote, FALLBACK_CHOICES.local);
  return fallbackChoice(picked);
}
