import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import {
  acceptInlineSuggestion,
  closeAllEditors,
  nextEvent,
  openTypeScriptEditor,
  typeAtEnd,
  withKnownModel,
  withTimeout,
  type KnownModel,
  type SlmAssistTestApi,
} from './helpers';

/** A file the user reads before typing in another one. */
const VIEWED = `export interface Invoice {
  id: string;
  total: number;
}

export function totalOf(invoices: Invoice[]): number {
  return invoices.reduce((sum, invoice) => sum + invoice.total, 0);
}
`;

/**
 * Other-file context in a real workbench: the extension reports the place the user looked at
 * (client/src/viewTracker.ts, after an editor switch settles), and once the server has read it in
 * while the user was idle, the next completion in another file carries it in its prompt.
 */
describe('other-file context from a file the user viewed', function () {
  let model: KnownModel;
  let api: SlmAssistTestApi | undefined;

  before(async function () {
    ({ model, api } = await withKnownModel(this));
  });

  afterEach(closeAllEditors);

  it('reports the viewed file, then completes in another file with its snippet in the prompt', async () => {
    const { onDidReportView, onDidCompleteRequest, onDidBackgroundWork } = api ?? {};
    assert.ok(
      onDidReportView && onDidCompleteRequest && onDidBackgroundWork,
      'the extension exposes no traces: is SLM_ASSIST_COMPLETION_TRACES=1 set?',
    );
    const viewedEvent = nextEvent(onDidReportView, (params) => params.textDocument.uri.startsWith('untitled:'));
    const viewedEditor = await openTypeScriptEditor(VIEWED);
    const viewed = await withTimeout(viewedEvent, 10_000, 'no slmAssist/viewed after opening a file');
    assert.equal(viewed.textDocument.uri, viewedEditor.document.uri.toString());
    assert.ok(viewed.line >= 0 && viewed.line < viewedEditor.document.lineCount, `line ${viewed.line}`);

    const editor = await openTypeScriptEditor();
    const uri = editor.document.uri.toString();
    const first = nextEvent(onDidCompleteRequest, (trace) => trace.uri === uri && trace.source === 'model');
    const read = nextEvent(
      onDidBackgroundWork,
      (trace) => trace.uri === uri && trace.kind === 'otherFiles' && (trace.evaluatedTokens ?? 0) > 0,
    );
    // A line of its own, so that no earlier test's suggestion answers from the cache.
    await typeAtEnd(editor, `// invoices report\n${model.prompt}`);
    await vscode.commands.executeCommand('editor.action.inlineSuggest.trigger');
    // The document's first prompt keeps the snippets it was built with (none yet); the viewed file's
    // is read in after a second without requests.
    assert.equal((await withTimeout(first, 30_000, 'no completion trace')).otherFiles, 0);
    await withTimeout(read, 30_000, 'the server never read the viewed file in');

    const next = nextEvent(onDidCompleteRequest, (trace) => trace.uri === uri && trace.source === 'model');
    const inserted = await acceptInlineSuggestion(editor);
    const trace = await withTimeout(next, 30_000, 'no completion trace after the read');
    assert.equal(trace.otherFiles, 1, `trace: ${JSON.stringify(trace)}`);
    assert.equal(inserted, model.continuation);
  });
});
