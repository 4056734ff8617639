import assert from 'node:assert/strict';
import { ensureModel } from '../modelgen';
import { endOf, LspClient } from './harness';

describe('memory', function () {
  it('stays under 1 GiB of RSS with a Qwen2.5-Coder-0.5B-shaped 4-bit model, a 4096-token context and its cached places', async function () {
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
      // The first answer comes from the quick window; the full one is then evaluated in the background.
      const fill = await server.waitFor(() => server.backgroundTraces.find((t) => t.kind === 'fill'), 'the full window filled in');
      assert.ok((fill.evaluatedTokens ?? 0) > 1000, `the fill evaluated ${fill.evaluatedTokens} tokens`);
      const rss = server.rssBytes();
      assert.ok(rss < 1024 ** 3, `RSS ${(rss / 1048576).toFixed(0)} MiB`);
    } finally {
      await server.stop();
    }
  });
});
