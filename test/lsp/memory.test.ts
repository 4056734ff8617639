import assert from 'node:assert/strict';
import { ensureModel } from '../modelgen';
import { endOf, LspClient } from './harness';

describe('memory', function () {
  it('stays under 1 GiB of RSS with a Qwen2.5-Coder-0.5B-shaped 4-bit model and a 4096-token context', async function () {
    const path = ensureModel('qwen2.5-coder-0.5b');
    const server = await LspClient.start({
      initializationOptions: { model: { path, contextSize: 4096, threads: 2 }, inlineCompletion: { debounceMs: 0, maxTokens: 16 } },
    });
    try {
      const text = Array.from({ length: 120 }, (_, i) => `function step${i}(input: number): number {\n  return input * ${i} + 1;\n}`).join(
        '\n',
      );
      await server.open('file:///work/memory.ts', text);
      await server.complete('file:///work/memory.ts', endOf(text));
      const trace = server.traces[server.traces.length - 1];
      assert.ok((trace.generation?.promptTokens ?? 0) > 1000, `prompt of ${trace.generation?.promptTokens} tokens`);
      const rss = server.rssBytes();
      assert.ok(rss < 1024 ** 3, `RSS ${(rss / 1048576).toFixed(0)} MiB`);
    } finally {
      await server.stop();
    }
  });
});
