import { constants } from 'node:fs';
import { access, stat } from 'node:fs/promises';
import { readGgufHeader } from './ggufReader';
import { type GgufCheck, GgufError } from './ggufTypes';
import { validateGguf } from './validateGguf';

/**
 * Checks that `path` names a GGUF model that llama.cpp can load, reading only its header. Never
 * throws: every problem (no path, no file, a folder, unreadable, empty, not GGUF, truncated,
 * corrupt, missing metadata, unsupported architecture) is a reason without the path, for a
 * message like `Cannot load the model PATH: REASON`.
 */
export async function checkModelFile(path: string): Promise<GgufCheck> {
  if (path.trim() === '') return { ok: false, reason: 'no model file is set. Choose a .gguf file in the settings.' };
  let size: number;
  try {
    const stats = await stat(path);
    if (stats.isDirectory()) return { ok: false, reason: 'it is a folder, not a file. Choose the .gguf file inside it.' };
    if (!stats.isFile()) return { ok: false, reason: 'it is not a regular file. Choose a .gguf model file.' };
    size = stats.size;
    await access(path, constants.R_OK);
  } catch (error) {
    return { ok: false, reason: fileErrorReason(error) };
  }
  if (size === 0) return { ok: false, reason: 'the file is empty (0 bytes). Download it again.' };
  try {
    const header = await readGgufHeader(path);
    return validateGguf(header, path);
  } catch (error) {
    if (error instanceof GgufError) return { ok: false, reason: error.reason };
    return { ok: false, reason: fileErrorReason(error) };
  }
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
