import { unwatchFile, watchFile, type Stats } from 'node:fs';

/**
 * What happened to a model file on disk while it was loaded (the weights are in memory, read
 * without mmap, so the loaded model is not affected; what is on disk no longer matches it):
 * - `deleted`: gone.
 * - `replaced`: another file now has the name (a rename over it, as downloaders do).
 * - `modified`: the same file was written in place or truncated.
 */
export type FileChange = { kind: 'deleted' } | { kind: 'replaced' | 'modified'; size: number; previousSize: number };

/** How often the file is checked: one `stat`, nothing read. */
const INTERVAL_MS = 1_000;

/** Classifies one change `fs.watchFile` saw; undefined when nothing that matters changed. */
export function classifyChange(current: Stats, previous: Stats): FileChange | undefined {
  // fs.watchFile reports a missing file as zeroed stats.
  if (current.ino === 0 && current.nlink === 0) return previous.ino === 0 ? undefined : { kind: 'deleted' };
  const sizes = { size: current.size, previousSize: previous.size };
  if (previous.ino === 0 || current.ino !== previous.ino || current.dev !== previous.dev) return { kind: 'replaced', ...sizes };
  if (current.size !== previous.size || current.mtimeMs !== previous.mtimeMs) return { kind: 'modified', ...sizes };
  return undefined;
}

/**
 * Watches a model file by polling its `stat`: the only way that sees renames over the file,
 * in-place writes and deletion alike on every platform. The timer does not keep the process alive.
 */
export function watchModelFile(path: string, onChange: (change: FileChange) => void): () => void {
  const listener = (current: Stats, previous: Stats): void => {
    const change = classifyChange(current, previous);
    if (change) onChange(change);
  };
  watchFile(path, { interval: INTERVAL_MS, persistent: false }, listener);
  return () => unwatchFile(path, listener);
}
