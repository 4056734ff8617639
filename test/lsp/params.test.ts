import assert from 'node:assert/strict';
import { ErrorCodes, ResponseError } from 'vscode-languageserver-protocol/node';
import { ensureModel } from '../modelgen';
import { endOf, LspClient, testSettings } from './harness';

/** The error a request was answered with; fails when it was answered with a result. */
async function errorOf(answer: Promise<unknown>): Promise<ResponseError<unknown>> {
  try {
    const result = await answer;
    assert.fail(`expected an error, got ${JSON.stringify(result)}`);
  } catch (error) {
    if (!(error instanceof ResponseError)) throw error;
    return error;
  }
}

describe('params are checked at the boundary: InvalidParams names the field', function () {
  let server: LspClient;
  before(async () => {
    server = await LspClient.start({ initializationOptions: testSettings(ensureModel('known')) });
  });
  after(async () => server?.stop());
  afterEach(function () {
    assert.ok(server.alive, 'the server process is still running');
  });

  it('answers an inline completion with {} as params with -32602 naming textDocument', async function () {
    const error = await errorOf(server.connection.sendRequest('textDocument/inlineCompletion', {}));
    assert.equal(error.code, ErrorCodes.InvalidParams);
    assert.match(error.message, /textDocument: expected an object, got nothing/);
    assert.doesNotMatch(error.message, /Cannot read properties/);
  });

  it('names a nested field of the wrong type, and a negative position', async function () {
    const error = await errorOf(
      server.connection.sendRequest('textDocument/inlineCompletion', {
        textDocument: { uri: 5 },
        position: { line: -1, character: 0 },
        context: { triggerKind: 1 },
      }),
    );
    assert.equal(error.code, ErrorCodes.InvalidParams);
    assert.match(error.message, /textDocument\.uri: expected a string, got a number/);
    assert.match(error.message, /position\.line: expected at least 0/);
  });

  it('answers a custom request with a wrong type with -32602 naming the field', async function () {
    const inspect = await errorOf(server.connection.sendRequest('slmAssist/inspectModel', { path: 42, role: 'chat' }));
    assert.equal(inspect.code, ErrorCodes.InvalidParams);
    assert.match(inspect.message, /^Invalid params for slmAssist\/inspectModel: path: expected a string, got a number$/);

    const summarize = await errorOf(
      server.connection.sendRequest('slmAssist/summarize', { textDocument: { uri: 'file:///x.ts' }, style: 'long' }),
    );
    assert.equal(summarize.code, ErrorCodes.InvalidParams);
    assert.match(summarize.message, /style: expected "brief" or "detailed"/);
  });

  it('answers a custom request sent without params with -32602, not a TypeError', async function () {
    const error = await errorOf(server.connection.sendRequest('slmAssist/explain'));
    assert.equal(error.code, ErrorCodes.InvalidParams);
    assert.match(error.message, /params: expected an object, got nothing/);
  });

  it('drops a malformed notification, logs the field without the document text, and completes afterwards', async function () {
    const uri = 'file:///work/params.ts';
    await server.open(uri, 'console');
    const from = server.logs.length;
    await server.connection.sendNotification('textDocument/didOpen', {
      textDocument: { uri, languageId: 'typescript', version: 'two', text: 'SECRET-DOCUMENT-TEXT' },
    });
    await server.connection.sendNotification('textDocument/didChange', {
      textDocument: { uri, version: 2 },
      contentChanges: [{ range: { start: { line: 0 }, end: { line: 0, character: 0 } }, text: 'SECRET-DOCUMENT-TEXT' }],
    });
    await server.connection.sendNotification('workspace/didChangeConfiguration', 'not an object');
    const dropped = (method: string): boolean => server.logs.slice(from).some((l) => l.message.startsWith(`Dropped ${method}`));
    await server.waitFor(
      () =>
        dropped('textDocument/didOpen') && dropped('textDocument/didChange') && dropped('workspace/didChangeConfiguration')
          ? true
          : undefined,
      'three dropped notifications in the log',
    );
    const logged = server.logs.slice(from).map((l) => l.message);
    assert.ok(
      logged.some((m) => m.includes('textDocument.version: expected a number, got a string')),
      logged.join('\n'),
    );
    assert.ok(
      logged.some((m) => m.includes('contentChanges[0].range.start.character: expected a number')),
      logged.join('\n'),
    );
    assert.ok(!logged.some((m) => m.includes('SECRET-DOCUMENT-TEXT')), 'the log never shows the document text');
    // The document is unchanged by the dropped notifications, and the server still completes.
    assert.deepEqual(await server.complete(uri, endOf('console')), ['.log(']);
  });
});
