import { ErrorCodes, ProgressType, ResponseError, type Connection, type TextDocuments } from 'vscode-languageserver/node';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import {
  ConfirmFallbackRequest,
  type ConfirmFallbackResult,
  type RequestSpec,
  type TextHelpParams,
  type TextHelpPartial,
  type TextHelpResult,
} from '../../../common/protocol';
import type { Logger } from '../log';
import { textHelpParams } from '../params/schemas';
import { onRequest, sendRequest } from '../protocol';
import { abortSignalOf } from '../util/abort';
import type { TextHelpTask } from './prompts';
import { TextHelpError, type TextHelpService } from './textHelpService';

const partialResult = new ProgressType<TextHelpPartial>();

/**
 * Serves `slmAssist/summarize` or `slmAssist/explain`: the answer streams as LSP partial results
 * on the request's `partialResultToken`, progress ("reading chunk 3 of 12") goes to its
 * `workDoneToken`, and `$/cancelRequest` stops the model.
 */
export function registerTextHelp(
  connection: Connection,
  documents: TextDocuments<TextDocument>,
  service: TextHelpService,
  log: Logger,
  spec: RequestSpec<TextHelpParams, TextHelpResult>,
  task: TextHelpTask,
): void {
  onRequest(connection, spec, textHelpParams, async (params, token) => {
    const document = documents.get(params.textDocument.uri);
    if (!document) throw new ResponseError(ErrorCodes.InvalidParams, `The document ${params.textDocument.uri} is not open.`);
    const text = params.range ? document.getText(params.range) : document.getText();
    const progress = params.workDoneToken !== undefined ? connection.window.attachWorkDoneProgress(params.workDoneToken) : undefined;
    progress?.begin(task === 'summarize' ? 'Summarizing' : 'Explaining', 0, undefined, true);
    try {
      return await service.run(
        { task, style: params.style ?? 'brief', text, languageId: document.languageId },
        {
          signal: abortSignalOf(token),
          onDelta: (delta) => {
            if (params.partialResultToken !== undefined) void connection.sendProgress(partialResult, params.partialResultToken, { delta });
          },
          onProgress: (message, percentage) => progress?.report(percentage ?? 0, message),
          confirmFallback: async (question) => {
            try {
              return await sendRequest(connection, ConfirmFallbackRequest, question);
            } catch (error) {
              // A client that cannot ask the user gets the local answer: nothing leaves the machine.
              log.info(`The client did not answer slmAssist/confirmFallback (${String(error)}); summarizing locally.`);
              return { choice: 'local' } satisfies ConfirmFallbackResult;
            }
          },
        },
      );
    } catch (error) {
      if (error instanceof TextHelpError) throw new ResponseError(ErrorCodes.InvalidRequest, error.message);
      const message = error instanceof Error ? error.message : String(error);
      log.error(`${task} failed: ${message}`);
      throw new ResponseError(ErrorCodes.InternalError, `SLM Assist could not ${task}: ${message}`);
    } finally {
      progress?.done();
    }
  });
}
