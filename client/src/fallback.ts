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

/**
 * Wires the remote fallback: answers the server's `slmAssist/confirmFallback` question, and puts
 * the API key from SecretStorage into the server's environment before it starts. The key is never
 * sent in an LSP message, so no trace level can print it; a changed key restarts the server.
 * Call (and await) before the client starts.
 */
export async function registerFallback(ctx: Ctx): Promise<void> {
  await loadApiKey(ctx);
  ctx.push(
    onRequest(ctx.client, ConfirmFallbackRequest, (params) => confirmFallback(params)),
    ctx.secrets.onDidChange((event) => {
      if (event.key !== API_KEY_SECRET) return;
      void loadApiKey(ctx).then(() => {
        if (ctx.client.state !== State.Running) return;
        ctx.log.info('The fallback API key changed: restarting the server so that it reads the new key.');
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
export async function setFallbackApiKey(ctx: Ctx): Promise<void> {
  const input = await vscode.window.showInputBox({
    title: 'SLM Assist: Fallback API Key',
    prompt: "API key for slmAssist.fallback.endpoint, kept in VS Code's secret storage. Leave empty to delete the stored key.",
    placeHolder: 'API key',
    password: true,
    ignoreFocusOut: true,
  });
  if (input === undefined) return;
  const key = input.trim();
  if (key) {
    await ctx.secrets.store(API_KEY_SECRET, key);
    void vscode.window.showInformationMessage('SLM Assist: the fallback API key is stored.');
  } else {
    await ctx.secrets.delete(API_KEY_SECRET);
    void vscode.window.showInformationMessage('SLM Assist: the fallback API key is deleted.');
  }
}

/** Puts the stored key (or its absence) into the environment the next server start gets. The key itself is never logged. */
async function loadApiKey(ctx: Ctx): Promise<void> {
  try {
    const apiKey = await ctx.secrets.get(API_KEY_SECRET);
    if (apiKey) ctx.serverEnv[FALLBACK_API_KEY_ENV] = apiKey;
    else delete ctx.serverEnv[FALLBACK_API_KEY_ENV];
  } catch (error) {
    ctx.log.warn(
      `The fallback API key could not be read from the secret storage: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
}

/** Asks, in a modal dialog, whether a request too long for the local model may go to the remote one. */
async function confirmFallback(params: ConfirmFallbackParams): Promise<ConfirmFallbackResult> {
  const { message, detail } = confirmFallbackPrompt(params);
  const picked = await vscode.window.showWarningMessage(message, { modal: true, detail }, FALLBACK_CHOICES.remote, FALLBACK_CHOICES.local);
  return fallbackChoice(picked);
}
