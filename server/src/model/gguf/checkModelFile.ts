import { constants } from 'node:fs';
import { access, stat } from 'node:fs/promises';
import type { GgufFileInfo } from 'node-llama-cpp';
import { nodeLlamaCpp } from '../llama';
import { type GgufCheck, GgufError, type GgufInfo, type GgufScan } from './ggufTypes';
import { scanGgufHeader } from './preScan';
import { validateGguf } from './validateGguf';

/** A file that passed the check, with node-llama-cpp's parse of its header. */
export interface CheckedModelFile {
  ok: true;
  info: GgufInfo;
  fileInfo: GgufFileInfo;
  scan: GgufScan;
}

/**
 * Checks that `path` names a GGUF model that llama.cpp can load, reading only its header. Never
 * throws: every problem (no path, no file, a folder, unreadable, empty, not GGUF, truncated,
 * corrupt, missing metadata, unsupported architecture) is a reason without the path, for a
 * message like `Cannot load the model PATH: REASON`.
 */
export async function checkModelFile(path: string): Promise<GgufCheck> {
  const checked = await readModelFile(path);
  return checked.ok ? { ok: true, info: checked.info } : checked;
}

/**
 * {@link checkModelFile}, keeping node-llama-cpp's parse for whoever goes on with it. Three steps:
 * the file system; the bounded pre-scan, so that node-llama-cpp's parser (which allocates what a
 * header claims) only ever reads a header whose every length fits the file; node-llama-cpp's
 * `readGgufFileInfo`, then the checks that guard llama.cpp's aborts. Nothing here calls into
 * llama.cpp: `readGgufFileInfo` is JavaScript.
 */
export async function readModelFile(path: string): Promise<CheckedModelFile | { ok: false; reason: string }> {
  if (path.trim() === '') return { ok: false, reason: 'no model file is set. Choose a .gguf file in the settings.' };
  try {
    const stats = await stat(path);
    if (stats.isDirectory()) return { ok: false, reason: 'it is a folder, not a file. Choose the .gguf file inside it.' };
    if (!stats.isFile()) return { ok: false, reason: 'it is not a regular file. Choose a .gguf model file.' };
    await access(path, constants.R_OK);
    if (stats.size === 0) return { ok: false, reason: 'the file is empty (0 bytes). Download it again.' };
  } catch (error) {
    return { ok: false, reason: fileErrorReason(error) };
  }
  let scan: GgufScan;
  try {
    scan = await scanGgufHeader(path);
  } catch (error) {
    if (error instanceof GgufError) return { ok: false, reason: error.reason };
    return { ok: false, reason: fileErrorReason(error) };
  }
  let fileInfo: GgufFileInfo;
  let lib: typeof import('node-llama-cpp');
  try {
    lib = await nodeLlamaCpp();
    // spliceSplitFiles: false: the file that was scanned is the one read (a split model's other
    // parts are llama.cpp's to find). logWarnings: false: a server on stdio must not print.
    fileInfo = await lib.readGgufFileInfo(path, { readTensorInfo: true, spliceSplitFiles: false, logWarnings: false });
  } catch (error) {
    return { ok: false, reason: `node-llama-cpp could not read the header (${error instanceof Error ? error.message : String(error)}).` };
  }
  let checked: GgufCheck;
  try {
    checked = validateGguf(fileInfo, scan, lib, path);
  } catch (error) {
    // A value of a shape the checks did not expect: refused rather than handed to llama.cpp.
    return { ok: false, reason: `the header could not be checked (${error instanceof Error ? error.message : String(error)}).` };
  }
  return checked.ok ? { ok: true, info: checked.info, fileInfo, scan } : checked;
}

function fileErrorReason(error: unknown): string {
  const code = typeof error === 'object' && error !== null && 'code' in error ? String(error.code) : '';
  switch (code) {
    case 'ENOENT':
      return 'the file does not exist. Check the path in the settings.';
    case 'ENOTDIR':
      return 'the path does not exist (a part of it is a file, not a folder). Check the path in the settings.';
    case 'EACCES':
    case 'EPERM':
      return 'the file cannot be read: permission denied.';
    case 'EISDIR':
      return 'it is a folder, not a file. Choose the .gguf file inside it.';
    case 'ELOOP':
      return 'the path is a loop of symbolic links.';
    case 'ENAMETOOLONG':
      return 'the path is too long.';
    default: {
      const message = error instanceof Error ? error.message : String(error);
      return `the file cannot be read (${message}).`;
    }
  }
}
