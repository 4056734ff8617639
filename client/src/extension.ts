import type * as vscode from 'vscode';
import { registerCommands } from './commands';
import type { SlmAssistApi } from './api';
import { Ctx } from './ctx';
import { registerFallback } from './fallback';
import { registerModelOffer } from './models';

let ctx: Ctx | undefined;

/**
 * Activates SLM Assist: registers the commands and starts the language server. Nothing
 * expensive happens here; the server loads the model when it is first needed.
 */
export async function activate(context: vscode.ExtensionContext): Promise<SlmAssistApi> {
  ctx = new Ctx(context);
  registerCommands(ctx);
  await registerFallback(ctx);
  registerModelOffer(ctx);
  await ctx.start();
  return ctx.api;
}

/** Stops the language server; VS Code waits for the returned promise. */
export async function deactivate(): Promise<void> {
  await ctx?.dispose();
  ctx = undefined;
}
