// @ts-check
import { mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';

/**
 * Starts the llama-server-format test server (test/support/llamaServer.ts) in this process, on
 * 127.0.0.1, serving `modelPath` with node-llama-cpp. The TypeScript is bundled with esbuild into
 * `.e2e/build/` (inside the repository, so that node-llama-cpp resolves from its node_modules).
 * @param {string} root the repository @param {string} modelPath
 * @returns {Promise<import('../../support/llamaServer').LlamaTestServer>}
 */
export async function startTeamServer(root, modelPath) {
  const esbuild = await import('esbuild');
  const dir = join(root, '.e2e', 'build');
  mkdirSync(dir, { recursive: true });
  const outfile = join(dir, 'llamaServer.cjs');
  await esbuild.build({
    entryPoints: [join(root, 'test/support/llamaServer.ts')],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    external: ['node-llama-cpp'],
    logLevel: 'error',
  });
  /** @type {typeof import('../../support/llamaServer')} */
  const module = createRequire(import.meta.url)(outfile);
  return module.startLlamaServer({ modelPath });
}
