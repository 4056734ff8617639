import { constants } from 'node:fs';
import { copyFile, mkdir, readdir, rm, stat, symlink } from 'node:fs/promises';
import { availableParallelism, totalmem } from 'node:os';
import { basename, join, relative, resolve } from 'node:path';
import type { InspectModelResult, ModelEntry, ModelRoleName, ModelsResult } from '../../../common/protocol';
import type { Settings } from '../../../common/settings';
import type { Logger } from '../log';
import { downloadFile, type DownloadProgress, type DownloadResult } from '../model/download/downloadFile';
import { applyMirror, checkMirror } from '../model/download/mirror';
import { contextSequences } from '../model/contextOptions';
import { checkModelFile } from '../model/gguf/ggufHeader';
import { availableMemory, inspectModelFile } from '../model/gguf/inspect';
import { loadCatalog, recommend, type CatalogEntry } from './catalog';

/** An error whose message is for the user as it is. */
export class ModelsError extends Error {}

/**
 * The models a user can have: the catalog, the GGUF files in the models folder, which settings
 * use which, downloads (only from a user's click: nothing is fetched at start-up), imports and
 * deletes. The folder is `slmAssist.models.directory`, else `models/` in the server's state folder.
 */
export class ModelsService {
  private entries?: CatalogEntry[];
  private readonly downloading = new Set<string>();

  constructor(
    private readonly settings: () => Settings,
    private readonly stateDir: string,
    private readonly log: Logger,
  ) {}

  /** Read on first use: a broken SLM_ASSIST_CATALOG fails these requests with its reason, never the server. */
  private get catalog(): CatalogEntry[] {
    try {
      this.entries ??= loadCatalog();
    } catch (error) {
      throw new ModelsError(error instanceof Error ? error.message : String(error));
    }
    return this.entries;
  }

  get directory(): string {
    return resolve(this.settings().models.directory || join(this.stateDir, 'models'));
  }

  /** Whether downloads may run: `network.allowRemote`, and a valid mirror when one is set. */
  downloadsAllowed(): { allowed: boolean; reason?: string; mirror?: string } {
    const { network, models } = this.settings();
    if (!network.allowRemote) {
      return {
        allowed: false,
        reason: `downloads are off (slmAssist.network.allowRemote is false). Put a GGUF file in ${this.directory}, or use Import Model File….`,
      };
    }
    if (!models.mirror) return { allowed: true };
    const mirror = checkMirror(models.mirror);
    if (!mirror.ok) return { allowed: false, reason: `slmAssist.models.mirror is not usable: ${mirror.reason}` };
    return { allowed: true, mirror: mirror.url.origin };
  }

  async list(): Promise<ModelsResult> {
    const machine = { totalMemoryBytes: totalmem(), availableMemoryBytes: await availableMemory(), cores: availableParallelism() };
    const files = await this.installedFiles();
    const entries: ModelEntry[] = [];
    for (const item of this.catalog) {
      const installed = files.get(item.fileName);
      files.delete(item.fileName);
      entries.push({
        id: item.id,
        name: item.name,
        role: item.role,
        fileName: item.fileName,
        sizeBytes: installed?.bytes ?? item.sizeBytes,
        sizeExact: installed !== undefined || item.sizeExact,
        verified: item.sha256 !== null,
        license: item.license,
        parameters: item.parameters,
        installedPath: installed?.path,
        inUse: installed ? this.usesOf(installed.path) : [],
        memoryBytes: item.memoryBytes,
        fits: item.memoryBytes <= machine.availableMemoryBytes,
        inCatalog: true,
      });
    }
    for (const [fileName, file] of files) {
      entries.push({
        id: `file:${fileName}`,
        name: fileName.replace(/\.gguf$/i, ''),
        fileName,
        sizeBytes: file.bytes,
        sizeExact: true,
        verified: false,
        installedPath: file.path,
        inUse: this.usesOf(file.path),
        inCatalog: false,
      });
    }
    return {
      directory: this.directory,
      downloads: this.downloadsAllowed(),
      machine,
      recommended: recommend(this.catalog, machine),
      entries,
    };
  }

  /** Downloads a catalog model into the folder; resumes a partial file; never two of one at once. */
  async download(id: string, signal: AbortSignal, onProgress: (progress: DownloadProgress) => void): Promise<DownloadResult> {
    const item = this.catalog.find((e) => e.id === id);
    if (!item) throw new ModelsError(`There is no model "${id}" in the catalog.`);
    const allowed = this.downloadsAllowed();
    if (!allowed.allowed) throw new ModelsError(`${item.name} cannot be downloaded: ${allowed.reason}`);
    if (this.downloading.has(id)) throw new ModelsError(`${item.name} is already being downloaded.`);
    this.downloading.add(id);
    try {
      const url = applyMirror(new URL(item.url), this.settings().models.mirror);
      this.log.info(
        `Downloading ${item.name} from ${url.host} into ${this.directory} (${item.sha256 ? 'sha256 pinned' : 'unverified: size and GGUF header only'}).`,
      );
      const result = await downloadFile({
        url,
        destination: join(this.directory, item.fileName),
        expectedBytes: item.sizeExact ? item.sizeBytes : undefined,
        sha256: item.sha256 ?? undefined,
        signal,
        onProgress,
        log: this.log,
      });
      this.log.info(
        `${item.name} is at ${result.path} (${result.bytes} bytes, sha256 ${result.sha256}${result.verified ? ', verified' : ''}).`,
      );
      return result;
    } finally {
      this.downloading.delete(id);
    }
  }

  /** Deletes a model file, and its partial download, from the models folder; nothing outside it. */
  async delete(path: string): Promise<boolean> {
    const target = this.insideFolder(path);
    await rm(`${target}.partial`, { force: true });
    try {
      await rm(target);
      this.log.info(`Deleted ${target}.`);
      return true;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
      throw error;
    }
  }

  /** Copies (or links) a checked GGUF file into the models folder. */
  async import(source: string, link: boolean): Promise<string> {
    const from = resolve(source);
    const checked = await checkModelFile(from);
    if (!checked.ok) throw new ModelsError(`${from} cannot be imported: ${checked.reason}`);
    await mkdir(this.directory, { recursive: true }).catch((error: NodeJS.ErrnoException) => {
      // A folder name the file system refuses (too long, a file in the way, no permission) is the
      // user's setting, not a server fault.
      throw new ModelsError(
        `The models folder ${this.directory} (slmAssist.models.directory) cannot be created: ${error.code ?? error.message}.`,
      );
    });
    const to = join(this.directory, basename(from));
    if (resolve(to) === from) return to;
    try {
      if (link) await symlink(from, to);
      else await copyFile(from, to, constants.COPYFILE_EXCL | constants.COPYFILE_FICLONE);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'EEXIST') throw new ModelsError(`${basename(from)} is already in ${this.directory}.`);
      throw new ModelsError(`${from} cannot be ${link ? 'linked' : 'copied'} into ${this.directory}: ${code ?? String(error)}.`);
    }
    this.log.info(`${link ? 'Linked' : 'Copied'} ${from} into ${this.directory}.`);
    return to;
  }

  /** What the user should know about a file before choosing it for a role. */
  async inspect(path: string, role: ModelRoleName): Promise<InspectModelResult> {
    const { contextSize, cachedPlaces } = this.settings().model;
    const sequences = contextSequences(role === 'chat' ? ['chat'] : ['completion'], cachedPlaces);
    const found = await inspectModelFile(resolve(path), { contextSize, sequences, role });
    if (!found.ok) return { ok: false, reason: found.reason, warnings: [] };
    return {
      ok: true,
      name: found.name,
      quantization: found.quantization,
      parameters: found.parameters,
      memoryBytes: found.memory.total,
      warnings: found.warnings,
    };
  }

  /** The `.gguf` files in the folder by name (no partial downloads). */
  private async installedFiles(): Promise<Map<string, { path: string; bytes: number }>> {
    const files = new Map<string, { path: string; bytes: number }>();
    let names: string[];
    try {
      names = await readdir(this.directory);
    } catch {
      return files; // no folder yet: nothing installed
    }
    for (const name of names.filter((n) => n.toLowerCase().endsWith('.gguf')).sort()) {
      const path = join(this.directory, name);
      const stats = await stat(path).catch(() => undefined);
      if (stats?.isFile()) files.set(name, { path, bytes: stats.size });
    }
    return files;
  }

  private usesOf(path: string): ModelRoleName[] {
    const { model, chatModel } = this.settings();
    const same = (p: string): boolean => p !== '' && resolve(p) === resolve(path);
    const uses: ModelRoleName[] = [];
    if (same(model.path)) uses.push('completion');
    if (same(chatModel.path || model.path)) uses.push('chat');
    return uses;
  }

  private insideFolder(path: string): string {
    const target = resolve(path);
    const rel = relative(this.directory, target);
    if (rel === '' || rel.startsWith('..') || resolve(this.directory, rel) !== target || !target.toLowerCase().endsWith('.gguf')) {
      throw new ModelsError(`Only model files in ${this.directory} can be deleted; ${target} is not one.`);
    }
    return target;
  }
}
