import { existsSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { Llama } from 'node-llama-cpp';
import type { Logger } from '../log';

let llama: Promise<Llama> | undefined;

/** The node-llama-cpp module, imported once (ESM, so with a dynamic import). */
export function nodeLlamaCpp(): Promise<typeof import('node-llama-cpp')> {
  return import('node-llama-cpp');
}

/** llama.cpp cannot run on this machine: the prebuilt binary is missing or does not load. */
export class LlamaUnavailableError extends Error {}

/**
 * The GPU backend to ask node-llama-cpp for. The extension ships one prebuilt binary per
 * platform: the CPU build, except on macOS on Apple silicon, where node-llama-cpp's only prebuilt
 * binary is the Metal build.
 */
export function gpuFor(platform: NodeJS.Platform = process.platform, arch: string = process.arch): 'metal' | false {
  return platform === 'darwin' && arch === 'arm64' ? 'metal' : false;
}

/** The prebuilt binary package node-llama-cpp loads for {@link gpuFor}'s choice on this platform. */
export function binaryPackageFor(platform: NodeJS.Platform = process.platform, arch: string = process.arch): string | undefined {
  const names: Record<string, string> = {
    'linux-x64': 'linux-x64',
    'linux-arm64': 'linux-arm64',
    'linux-arm': 'linux-armv7l',
    'darwin-arm64': 'mac-arm64-metal',
    'darwin-x64': 'mac-x64',
    'win32-x64': 'win-x64',
    'win32-arm64': 'win-arm64',
  };
  const name = names[`${platform}-${arch}`];
  return name ? `@node-llama-cpp/${name}` : undefined;
}

/**
 * The llama.cpp binding, loaded once per process. node-llama-cpp is ESM and native, so it is
 * imported at run time and never bundled. `build: 'never'`: a missing or unusable prebuilt binary
 * is an error that says why, never a silent multi-minute compile from source or a download.
 */
export function loadLlama(log: Logger): Promise<Llama> {
  llama ??= (async () => {
    const { getLlama, LlamaLogLevel } = await nodeLlamaCpp();
    try {
      return await getLlama({
        gpu: gpuFor(),
        build: 'never',
        usePrebuiltBinaries: true,
        progressLogs: false,
        logLevel: LlamaLogLevel.warn,
        logger: (level, message) => {
          const text = message.trim();
          if (!text) return;
          if (level === LlamaLogLevel.error || level === LlamaLogLevel.fatal) log.error(`llama.cpp: ${text}`);
          else if (level === LlamaLogLevel.warn) log.warn(`llama.cpp: ${text}`);
          else log.debug(`llama.cpp: ${text}`);
        },
      });
    } catch (error) {
      throw new LlamaUnavailableError(
        `llama.cpp cannot run on this machine (${process.platform}-${process.arch}): ${diagnoseBinary(error)}`,
      );
    }
  })();
  llama.catch(() => (llama = undefined));
  return llama;
}

/**
 * Why the prebuilt binary did not load. node-llama-cpp says only "NoBinaryFoundError" (its
 * self-test runs the binary in a child process and keeps the reason), so the binary is loaded
 * here once more, in this process, to get the loader's own words: a missing library, a libc
 * version, a damaged file.
 */
function diagnoseBinary(error: unknown): string {
  const original = error instanceof Error ? error.message : String(error);
  const pkg = binaryPackageFor();
  if (!pkg) return `no prebuilt llama.cpp binary exists for this platform (${original}).`;
  // Found as Node would import it from node-llama-cpp's folder; their `exports` hide package.json.
  const nodeLlamaCppDir = packageDir('node-llama-cpp', __dirname);
  const binaryDir = nodeLlamaCppDir && packageDir(pkg, nodeLlamaCppDir);
  if (!binaryDir)
    return `the prebuilt binary package ${pkg} is not installed (${original}). Install the SLM Assist package built for this platform.`;
  const binsDir = join(binaryDir, 'bins');
  const addon = (existsSync(binsDir) ? readdirSync(binsDir) : [])
    .map((folder) => join(binsDir, folder, 'llama-addon.node'))
    .find((file) => existsSync(file));
  if (!addon) return `the prebuilt binary package ${pkg} has no llama-addon.node (${original}).`;
  try {
    // Loading the addon runs no llama.cpp code yet; it only links it. A plain `require`: this is
    // a native file at a path known only at run time, not a module to bundle.
    createRequire(__filename)(addon);
  } catch (loadError) {
    // The loader's message starts with the file's path; the sentence names it once.
    const reason = (loadError instanceof Error ? loadError.message : String(loadError)).replace(`${addon}: `, '');
    return `the prebuilt binary ${addon} does not load: ${reason}`;
  }
  return `the prebuilt binary ${addon} loads but failed node-llama-cpp's self-test (${original}); this CPU may lack an instruction set llama.cpp needs.`;
}

/** The folder of package `name` as Node would find it from `fromDir`: the nearest `node_modules/<name>` above. */
function packageDir(name: string, fromDir: string): string | undefined {
  for (let dir = fromDir; ; dir = dirname(dir)) {
    const candidate = join(dir, 'node_modules', name);
    if (existsSync(join(candidate, 'package.json'))) return candidate;
    if (dirname(dir) === dir) return undefined;
  }
}
