import {
  DidChangeConfigurationNotification,
  ErrorCodes,
  InlineCompletionRequest,
  ResponseError,
  type CancellationToken,
  type Connection,
  type Disposable,
  type DidChangeConfigurationParams,
  type InlineCompletionItem,
  type InlineCompletionParams,
} from 'vscode-languageserver/node';
import type { z } from 'zod';
import type { NotificationSpec, RequestSpec } from '../../common/protocol';
import type { Logger } from './log';
import { checkParams } from './params/check';
import { didChangeParams, didCloseParams, didOpenParams, didSaveParams, willSaveParams } from './params/schemas';

/** The standard LSP messages the server handles itself, as specs like the custom ones. */
export const InlineCompletion: RequestSpec<InlineCompletionParams, InlineCompletionItem[] | null> = {
  method: InlineCompletionRequest.method,
};
export const DidChangeConfiguration: NotificationSpec<DidChangeConfigurationParams> = {
  method: DidChangeConfigurationNotification.method,
};

/** Sends one of the custom notifications declared in `common/protocol.ts`, typed by its spec. */
export function sendNotification<P>(connection: Connection, spec: NotificationSpec<P>, params: P): Promise<void> {
  return connection.sendNotification(spec.method, params);
}

/**
 * Handles a request, typed by its spec, once its params passed `schema`: bad params are answered
 * with InvalidParams naming the field, and the handler never sees them.
 */
export function onRequest<P, R>(
  connection: Connection,
  spec: RequestSpec<P, R>,
  schema: z.ZodType<P>,
  handler: (params: P, token: CancellationToken) => R | Promise<R>,
): void {
  connection.onRequest(spec.method, checkedRequest(spec.method, schema, handler));
}

/** Wraps a request handler so that it only sees params that passed `schema`; others get InvalidParams. */
function checkedRequest<P, R>(
  method: string,
  schema: z.ZodType<P>,
  handler: (params: P, token: CancellationToken) => R | Promise<R>,
): (...args: unknown[]) => Promise<R> {
  return async (...args) => {
    // vscode-jsonrpc passes no params as nothing and spreads params given by position: the
    // cancellation token always comes last.
    const token = args.pop() as CancellationToken;
    const checked = checkParams(schema, paramsOf(args));
    if (!checked.ok) throw new ResponseError(ErrorCodes.InvalidParams, `Invalid params for ${method}: ${checked.message}`);
    return await handler(checked.value, token);
  };
}

/** Handles a notification, typed by its spec, once its params passed `schema`; bad ones are logged and dropped. */
export function onNotification<P>(
  connection: Connection,
  spec: NotificationSpec<P>,
  schema: z.ZodType<P>,
  log: Logger,
  handler: (params: P) => void | Promise<void>,
): void {
  connection.onNotification(spec.method, checkedNotification(spec.method, schema, log, handler));
}

/**
 * Wraps a notification handler so that it only sees params that passed `schema`. The log names
 * the bad fields, never their values: a document's text stays out of it.
 */
export function checkedNotification<P>(
  method: string,
  schema: z.ZodType<P>,
  log: Logger,
  handler: (params: P) => void | Promise<void>,
): (...args: unknown[]) => void | Promise<void> {
  return (...args) => {
    const checked = checkParams(schema, paramsOf(args));
    if (!checked.ok) {
      log.warn(`Dropped ${method} with invalid params: ${checked.message}`);
      return;
    }
    return handler(checked.value);
  };
}

/**
 * The connection `TextDocuments.listen` registers its document-sync handlers on, with each
 * handler behind its params schema: a malformed `didOpen`, `didChange`, `didClose`, `willSave`
 * or `didSave` is logged and dropped before it reaches the documents (`willSaveWaitUntil`, a
 * request, gets InvalidParams).
 */
export function checkedDocumentSync(connection: Connection, log: Logger): Connection {
  const wrap =
    <P>(method: string, schema: z.ZodType<P>, register: (handler: (params: P) => void) => Disposable) =>
    (handler: (params: P) => void): Disposable =>
      register(checkedNotification(method, schema, log, handler) as (params: P) => void);
  const overrides: Partial<Connection> = {
    onDidOpenTextDocument: wrap('textDocument/didOpen', didOpenParams, (h) => connection.onDidOpenTextDocument(h)),
    onDidChangeTextDocument: wrap('textDocument/didChange', didChangeParams, (h) => connection.onDidChangeTextDocument(h)),
    onDidCloseTextDocument: wrap('textDocument/didClose', didCloseParams, (h) => connection.onDidCloseTextDocument(h)),
    onWillSaveTextDocument: wrap('textDocument/willSave', willSaveParams, (h) => connection.onWillSaveTextDocument(h)),
    onDidSaveTextDocument: wrap('textDocument/didSave', didSaveParams, (h) => connection.onDidSaveTextDocument(h)),
    onWillSaveTextDocumentWaitUntil: (handler) =>
      connection.onWillSaveTextDocumentWaitUntil(
        checkedRequest(
          'textDocument/willSaveWaitUntil',
          willSaveParams,
          async (params, token) => await handler(params, token),
        ) as Parameters<Connection['onWillSaveTextDocumentWaitUntil']>[0],
      ),
  };
  return new Proxy(connection, {
    get: (target, property, receiver) =>
      property in overrides ? overrides[property as keyof Connection] : (Reflect.get(target, property, receiver) as unknown),
  });
}

/** The params as the client sent them, from the arguments vscode-jsonrpc calls a handler with. */
function paramsOf(args: unknown[]): unknown {
  return args.length <= 1 ? args[0] : args;
}

/** Sends one of the custom requests declared in `common/protocol.ts`, typed by its spec. */
export function sendRequest<P, R>(connection: Connection, spec: RequestSpec<P, R>, params: P): Promise<R> {
  return connection.sendRequest(spec.method, params);
}
