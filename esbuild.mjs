// @ts-check
// Bundles the client, the server, the tools and the tests. esbuild does not type-check:
// `npm run typecheck` does.
import * as esbuild from 'esbuild';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const args = process.argv.slice(2);
const only = args
  .find((a) => a.startsWith('--only='))
  ?.slice('--only='.length)
  .split(',');
const watch = args.includes('--watch');
const production = args.includes('--production');
// Where the client and server bundles go (`npm run package` builds them into its staging folder).
const out = args.find((a) => a.startsWith('--out='))?.slice('--out='.length) ?? 'dist';

/**
 * Every `*.test.ts` below a folder, for the test bundles.
 * @param {string} dir @returns {string[]}
 */
function testFiles(dir) {
  /** @type {string[]} */
  let out = [];
  /** @type {string[]} */
  let entries = [];
  try {
    entries = readdirSync(dir);
  } catch {
    return out;
  }
  for (const name of entries) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out = out.concat(testFiles(path));
    else if (name.endsWith('.test.ts') || name === 'index.ts') out.push(path);
  }
  return out;
}

/** @satisfies {import('esbuild').BuildOptions} */
const common = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  sourcemap: !production,
  minify: production,
  logLevel: 'warning',
  // node-llama-cpp is ESM with native binaries: it is loaded at run time with import(), never bundled.
  external: ['vscode', 'node-llama-cpp'],
};

/** @satisfies {Record<string, import('esbuild').BuildOptions>} */
const builds = {
  client: { ...common, entryPoints: ['client/src/extension.ts'], outfile: join(out, 'client/extension.js') },
  server: { ...common, entryPoints: ['server/src/server.ts'], outfile: join(out, 'server/server.js') },
  tools: {
    ...common,
    entryPoints: { makeModel: 'test/modelgen/cli.ts' },
    outdir: 'dist/tools',
  },
  bench: { ...common, entryPoints: { bench: 'bench/bench.ts', soak: 'bench/soak.ts' }, outdir: 'dist/bench' },
  eval: { ...common, entryPoints: { eval: 'eval/eval.ts' }, outdir: 'dist/eval' },
  tests: {
    ...common,
    entryPoints: [
      ...testFiles('test/unit'),
      ...testFiles('test/lsp'),
      ...testFiles('test/package'),
      ...testFiles('test/real'),
      ...testFiles('test/integration'),
    ],
    outdir: 'dist/test',
    outbase: 'test',
    // Tests import mocha's globals; mocha itself is loaded by the runner.
    external: [...common.external, 'mocha'],
  },
};

const selected = Object.entries(builds).filter(([name, options]) => {
  if (only && !only.includes(name)) return false;
  return !Array.isArray(options.entryPoints) || options.entryPoints.length > 0;
});

if (watch) {
  for (const [, options] of selected) await (await esbuild.context(options)).watch();
} else {
  await Promise.all(selected.map(([, options]) => esbuild.build(options)));
}
