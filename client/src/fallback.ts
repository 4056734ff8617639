import * as vscode from 'vscode';
import { State } from 'vscode-languageclient/node';
import {
  ConfirmFallbackRequest,
  FallbackApiKeyNotification,
  type ConfirmFallbackParams,
  type ConfirmFallbackResult,
} from '../../common/protocol';
import { confirmFallbackPrompt, FALLBACK_CHOICES, fallbackChoice } from './answerView';
import type { Ctx } from './ctx';
import { onRequest, sendNotification } from './protocol';

/** The SecretStorage key of the fallback API key. Secrets are already per extension. */
const API_KEY_SECRET = 'fallbackApiKey';

/**
 * Wires the remote fallback: answers the server's `slmAssist/confirmFallback` question, and sends
 * the API key from SecretStorage after every (re)start of the server and whenever it changes.
 * Call before the client starts, so the first start sends the key too.
 */
export function registerFallback(ctx: Ctx): void {
  ctx.push(
    onRequest(ctx.client, ConfirmFallbackRequest, (params) => confirmFallback(params)),
    ctx.client.onDidChangeState(({ newState }) => {
      if (newState === State.Running) void sendApiKey(ctx);
    }),
    ctx.secrets.onDidChange((event) => {
      if (event.key === API_KEY_SECRET) void sendApiKey(ctx);
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

/** Sends the stored key (or its absence) to a running server. The key itself is never logged. */
async function sendApiKey(ctx: Ctx): Promise<void> {
  if (ctx.client.state !== State.Running) return;
  try {
    const apiKey = await ctx.secrets.get(API_KEY_SECRET);
    await sendNotification(ctx.client, FallbackApiKeyNotification, apiKey ? { apiKey } : {});
  } catch (error) {
    ctx.log.warn(`The fallback API key could not be sent to the server: ${error instanceof Error ? error.message : String(error)}`);
  }
}

/** Asks, in a modal dialog, whether a request too long for the local model may go to the remote one. */
async function confirmFallback(params: ConfirmFallbackParams): Promise<ConfirmFallbackResult> {
  const { message, detail } = confirmFallbackPrompt(params);
  const picked = await vscode.window.showWarningMessage(message, { modal: true, detail }, FALLBACK_CHOICES.remote, FALLBACK_CHOICES.local);
  return fallbackChoice(picked);
}
