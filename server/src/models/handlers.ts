import { ErrorCodes, LSPErrorCodes, ResponseError, type Connection } from 'vscode-languageserver/node';
import { DeleteModelRequest, DownloadModelRequest, ImportModelRequest, InspectModelRequest, ModelsRequest } from '../../../common/protocol';
import type { Logger } from '../log';
import { DownloadError, type DownloadProgress } from '../model/download/downloadFile';
import { formatBytes } from '../model/download/downloadError';
import { deleteModelParams, downloadModelParams, importModelParams, inspectModelParams, noParams } from '../params/schemas';
import { onRequest } from '../protocol';
import { abortSignalOf } from '../util/abort';
import { ModelsError, type ModelsService } from './modelsService';

/** "412 MiB of 986 MiB, 12 MiB/s, 47 s left": what the progress notification says. */
export function progressMessage(progress: DownloadProgress): string {
  const parts = [
    progress.totalBytes
      ? `${formatBytes(progress.receivedBytes)} of ${formatBytes(progress.totalBytes)}`
      : formatBytes(progress.receivedBytes),
  ];
  if (progress.bytesPerSecond > 0) parts.push(`${formatBytes(progress.bytesPerSecond)}/s`);
  if (progress.secondsLeft !== undefined && progress.secondsLeft > 0) parts.push(`${duration(progress.secondsLeft)} left`);
  return parts.join(', ');
}

function duration(seconds: number): string {
  if (seconds < 60) return `${Math.ceil(seconds)} s`;
  if (seconds < 3600) return `${Math.round(seconds / 60)} min`;
  return `${(seconds / 3600).toFixed(1)} h`;
}

/** Serves the model-management requests (`slmAssist/models`, downloads, imports, deletes, inspections). */
export function registerModels(connection: Connection, service: ModelsService, log: Logger): void {
  const userError = (error: unknown): never => {
    if (error instanceof DownloadError && error.code === 'cancelled')
      throw new ResponseError(LSPErrorCodes.RequestCancelled, error.message);
    if (error instanceof DownloadError || error instanceof ModelsError) throw new ResponseError(LSPErrorCodes.RequestFailed, error.message);
    const message = error instanceof Error ? error.message : String(error);
    log.error(`Model management failed: ${message}`);
    throw new ResponseError(ErrorCodes.InternalError, `SLM Assist: ${message}`);
  };

  onRequest(connection, ModelsRequest, noParams, () => service.list().catch(userError));

  onRequest(connection, DownloadModelRequest, downloadModelParams, async ({ id, workDoneToken }, token) => {
    const progress = workDoneToken !== undefined ? connection.window.attachWorkDoneProgress(workDoneToken) : undefined;
    progress?.begin('Downloading', 0, undefined, true);
    try {
      const result = await service.download(id, abortSignalOf(token), (p) =>
        progress?.report(p.totalBytes ? Math.min(100, Math.floor((100 * p.receivedBytes) / p.totalBytes)) : 0, progressMessage(p)),
      );
      return { path: result.path, verified: result.verified };
    } catch (error) {
      return userError(error);
    } finally {
      progress?.done();
    }
  });

  onRequest(connection, DeleteModelRequest, deleteModelParams, async ({ path }) => ({
    deleted: await service.delete(path).catch(userError),
  }));
  onRequest(connection, ImportModelRequest, importModelParams, async ({ source, link }) => ({
    path: await service.import(source, link === true).catch(userError),
  }));
  onRequest(connection, InspectModelRequest, inspectModelParams, ({ path, role }) => service.inspect(path, role).catch(userError));
}
