import * as vscode from 'vscode';

/**
 * The walkthrough's sample: an untitled TypeScript file that stops where a completion is easy to
 * judge, with the cursor at the end of the last line.
 */
export const SAMPLE_TEXT = `// Try SLM Assist: put the cursor at the end of the last line and type a space,
// or press Alt+\\ to ask for a suggestion. Tab accepts it.

interface Order {
  id: string;
  items: { price: number; quantity: number }[];
}

/** The total price of an order: each item's price times its quantity. */
export function orderTotal(order: Order): number {
  return order.items.reduce(`;

/** "SLM Assist: Open a Sample File": opens the sample with the cursor at its end. */
export async function openSample(): Promise<void> {
  const document = await vscode.workspace.openTextDocument({ language: 'typescript', content: SAMPLE_TEXT });
  const editor = await vscode.window.showTextDocument(document);
  const end = document.lineAt(document.lineCount - 1).range.end;
  editor.selection = new vscode.Selection(end, end);
}
