import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * A file that says "llama.cpp is loading this model right now", written before the load and
 * removed after it, whatever its outcome. Some malformed models make llama.cpp abort the whole
 * process (GGML_ASSERT), which no catch block survives; the client then restarts the server. A
 * marker still there at the next start means the last load of that file took the process down,
 * so the server refuses the file instead of crash-looping. The marker remembers the file's size
 * and modification time: a replaced file is tried again. So is any file the user asks for
 * explicitly (Load Model).
 */
export class CrashMarkers {
  private readonly dir: string;
  /** Markers of loads running in this process, with how many loads of that file are running. */
  private readonly live = new Map<string, number>();

  constructor(stateDir: string) {
    this.dir = join(stateDir, 'loading');
    // A normal exit (shutdown, SIGTERM through the LSP exit) is not a crash; an abort skips this.
    process.once('exit', () => {
      for (const file of this.live.keys()) rmSync(file, { force: true });
    });
  }

  /** Whether the last load of this file, as it is now on disk, ended the process. */
  crashed(path: string): boolean {
    const file = this.fileFor(path);
    // A marker this process is still holding is a load in flight (one the settings already
    // dropped, say), not a crash.
    if (this.live.has(file)) return false;
    try {
      const marker = JSON.parse(readFileSync(file, 'utf8')) as { path?: string; size?: number; mtimeMs?: number };
      const stats = statSync(path);
      return marker.path === path && marker.size === stats.size && marker.mtimeMs === stats.mtimeMs;
    } catch {
      return false;
    }
  }

  /** Forgets an earlier crash, so the file is loaded again. */
  clear(path: string): void {
    rmSync(this.fileFor(path), { force: true });
  }

  /** Runs `load` with the marker set; the marker goes once `load` settles. */
  async around<T>(path: string, load: () => Promise<T>): Promise<T> {
    const file = this.fileFor(path);
    try {
      const stats = statSync(path);
      mkdirSync(this.dir, { recursive: true });
      writeFileSync(
        file,
        JSON.stringify({ path, size: stats.size, mtimeMs: stats.mtimeMs, pid: process.pid, at: new Date().toISOString() }),
      );
      this.live.set(file, (this.live.get(file) ?? 0) + 1);
    } catch {
      // No marker (a read-only state folder): loading still works, only the crash guard is off.
    }
    try {
      return await load();
    } finally {
      // Two loads of one file can overlap (a reload while the dropped one finishes): the last one out removes the marker.
      const count = (this.live.get(file) ?? 1) - 1;
      if (count > 0) this.live.set(file, count);
      else {
        this.live.delete(file);
        rmSync(file, { force: true });
      }
    }
  }

  private fileFor(path: string): string {
    return join(this.dir, `${createHash('sha256').update(path).digest('hex').slice(0, 24)}.json`);
  }
}
