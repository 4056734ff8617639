import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve, sep } from 'node:path';
import { ensureModel, knownEntries } from '../modelgen';
import { endOf, LspClient, testSettings } from '../lsp/harness';

/**
 * The VSIX that `npm run package` built, checked as a user would get it: unpacked, its size and
 * contents, and its own server run from the unpacked folder with nothing from the repository's
 * node_modules. `npm run test:package` builds the VSIX first.
 */

const root = resolve(__dirname, '../../..');
const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { name: string; version: string };
const target = 'linux-x64';
const vsix = join(root, '.package', `${manifest.name}-${manifest.version}-${target}.vsix`);
/** The size budget of the linux-x64 CPU package (issue "Ship it"). */
const BUDGET_BYTES = 60 * 2 ** 20;

/** Every file below `dir`, relative and `/`-separated. */
function files(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((name) => statSync(join(dir, name)).isFile())
    .map((name) => name.split(sep).join('/'));
}

/** Unpacks the VSIX (a zip) into a new temporary folder. */
function unpack(): string {
  const dir = mkdtempSync(join(tmpdir(), 'slm-vsix-'));
  execFileSync('python3', ['-m', 'zipfile', '-e', vsix, dir]);
  return dir;
}

describe(`the packaged VSIX (${target})`, function () {
  let dir: string;
  let listing: string[];

  before(function () {
    if (!existsSync(vsix))
      throw new Error(`${relative(root, vsix)} does not exist: run \`npm run package\` first (npm run test:package does)`);
    dir = unpack();
    listing = files(join(dir, 'extension'));
  });

  after(function () {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('is at most 60 MiB', function () {
    const size = statSync(vsix).size;
    console.log(`      ${relative(root, vsix)}: ${(size / 2 ** 20).toFixed(1)} MiB, ${listing.length} files`);
    assert.ok(size <= BUDGET_BYTES, `${(size / 2 ** 20).toFixed(1)} MiB is over the 60 MiB budget`);
  });

  it(`says it is for ${target} and holds the two bundles, the manifest and node-llama-cpp's CPU binary`, function () {
    const vsixManifest = readFileSync(join(dir, 'extension.vsixmanifest'), 'utf8');
    assert.match(vsixManifest, new RegExp(`TargetPlatform="${target}"`));
    for (const file of [
      'package.json',
      'dist/client/extension.js',
      'dist/server/server.js',
      'media/icon.png',
      'node_modules/node-llama-cpp/dist/index.js',
    ]) {
      assert.ok(listing.includes(file), `${file} is missing from the VSIX`);
    }
    assert.ok(
      listing.includes(`node_modules/@node-llama-cpp/${target}/bins/${target}/llama-addon.node`),
      'the CPU build of llama.cpp is missing',
    );
    const shipped = JSON.parse(readFileSync(join(dir, 'extension/package.json'), 'utf8')) as Record<string, unknown>;
    assert.deepEqual(Object.keys(shipped.dependencies as object), ['node-llama-cpp']);
    assert.equal(shipped.scripts, undefined);
    assert.equal(shipped.devDependencies, undefined);
  });

  it('leaves out the llama.cpp sources, every other binary package, sources, maps, tests and models', function () {
    const binaryPackages = new Set(listing.filter((f) => f.startsWith('node_modules/@node-llama-cpp/')).map((f) => f.split('/')[2]));
    assert.deepEqual([...binaryPackages], [target], 'only the target CPU binary package belongs in the VSIX (no CUDA, no Vulkan)');
    const forbidden: Array<[RegExp, string]> = [
      [/gitRelease\.bundle$/, "node-llama-cpp's llama.cpp source bundle"],
      [/\.map$/, 'source maps'],
      [/\.ts$/, 'TypeScript sources or declarations'],
      [/^node_modules\/typescript\//, 'TypeScript (an optional peer of node-llama-cpp)'],
      [/^(client|server|common|test|bench|scripts|\.e2e|\.models|\.package)\//, 'the repository'],
      [/\.gguf$/, 'models'],
      [/\.vsix$/, 'another VSIX'],
    ];
    for (const [pattern, what] of forbidden) {
      const found = listing.filter((f) => pattern.test(f));
      assert.deepEqual(found.slice(0, 5), [], `${what} must not be in the VSIX`);
    }
    const top = new Set(listing.map((f) => f.split('/')[0]));
    assert.deepEqual([...top].sort(), [
      'LICENSE.txt',
      'changelog.md',
      'dist',
      'docs',
      'media',
      'node_modules',
      'package.json',
      'readme.md',
    ]);
  });

  it('runs its own server from the unpacked folder: it loads a model and completes, with no network and no build', async function () {
    const entry = knownEntries.find((e) => e.prompt === 'console');
    assert.ok(entry, 'the known model has a "console" entry');
    const packagedServer = join(dir, 'extension/dist/server/server.js');
    const server = await LspClient.start({
      serverPath: packagedServer,
      netSpy: true,
      initializationOptions: testSettings(ensureModel('known')),
    });
    try {
      await server.open('file:///work/a.ts', entry.prompt);
      assert.deepEqual(await server.complete('file:///work/a.ts', endOf(entry.prompt)), [entry.continuation]);
    } finally {
      await server.stop();
    }
    assert.deepEqual(server.networkAttempts, []);
    // node-llama-cpp builds from source into llama/localBuilds; a download would land in llama/llama.cpp.
    const llamaDir = join(dir, 'extension/node_modules/node-llama-cpp/llama');
    assert.deepEqual(
      readdirSync(llamaDir).filter((name) => ['localBuilds', 'llama.cpp'].includes(name)),
      [],
    );
  });

  it("says llama.cpp cannot run on this machine, with the loader's reason, when the binary does not load; the server keeps running", async function () {
    writeFileSync(join(dir, `extension/node_modules/@node-llama-cpp/${target}/bins/${target}/llama-addon.node`), 'not a shared library');
    const packagedServer = join(dir, 'extension/dist/server/server.js');
    const server = await LspClient.start({ serverPath: packagedServer, initializationOptions: testSettings(ensureModel('known')) });
    try {
      const status = await server.loadModel();
      console.log(`      status: ${status.message}`);
      assert.equal(status.state, 'error');
      assert.match(status.message ?? '', /llama\.cpp cannot run on this machine \(linux-x64\)/);
      // The dynamic loader's own words about the damaged file.
      assert.match(status.message ?? '', /llama-addon\.node does not load: .*(invalid ELF header|file too short)/);
      await server.open('file:///work/a.ts', 'console');
      assert.deepEqual(await server.complete('file:///work/a.ts', endOf('console')), []);
      assert.ok(server.alive, 'the server must keep running');
    } finally {
      await server.stop();
    }
  });
});
