import assert from 'node:assert/strict';
import { SummarizeRequest } from '../../common/protocol';
import { ensureModel } from '../modelgen';
import { startOpenAiServer, type OpenAiTestServer } from '../support/openaiServer';
import { LspClient } from './harness';

/**
 * The fallback API key reaches no log at any trace level: the extension passes it in the server's
 * environment, never in an LSP message. A message trace (vscode-jsonrpc's `verbose` prints every
 * message with its params, on either side) can only print what crossed the pipes, and the test
 * reads every byte that did, both ways, besides the server's logs and stderr.
 */
describe('the fallback API key reaches no log at any trace level', function () {
  const key = 'sk-test-9f8e7d6c5b4a39281706f5e4d3c2b1a0';
  let remote: OpenAiTestServer;
  before(async () => {
    remote = await startOpenAiServer({ modelPath: ensureModel('tiny'), requireApiKey: key, contextSize: 8192 });
  });
  after(async () => remote?.close());

  it('is used for the remote call, and is in no message, log, trace or stderr', async function () {
    const server = await LspClient.start({
      env: { SLM_ASSIST_FALLBACK_API_KEY: key },
      initializationOptions: {
        model: { path: ensureModel('tiny'), threads: 1, contextSize: 1024 },
        summary: { maxTokens: 16 },
        fallback: { mode: 'auto', endpoint: remote.url, model: remote.model },
      },
    });
    try {
      const text = Array.from({ length: 150 }, (_, i) => `export const value${i} = compute(${i});`).join('\n');
      await server.open('file:///work/long.ts', text);
      const { result } = await server.textHelp(SummarizeRequest, { textDocument: { uri: 'file:///work/long.ts' } });
      assert.equal(result.model.location, 'remote', 'the request went to the remote model');
      assert.equal(remote.requests.at(-1)?.headers.authorization, `Bearer ${key}`, 'with the key');
    } finally {
      await server.stop();
    }
    const everything = {
      'client → server messages': server.wire.toServer,
      'server → client messages': server.wire.fromServer,
      'server logs': server.logs.map((l) => l.message).join('\n'),
      'server stderr': server.stderr,
    };
    for (const [where, text] of Object.entries(everything)) {
      assert.ok(text.length > 0 || where === 'server stderr', `${where} recorded nothing`);
      assert.ok(!text.includes(key), `the key is in the ${where}`);
      assert.ok(!text.includes(key.slice(3, 20)), `part of the key is in the ${where}`);
    }
  });
});
