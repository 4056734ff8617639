import type { CancellationToken, Disposable } from 'vscode';
import type { GenericRequestHandler, LanguageClient } from 'vscode-languageclient/node';
import type { NotificationSpec, RequestSpec } from '../../common/protocol';

/** Handles one of the custom notifications declared in `common/protocol.ts`, typed by its spec. */
export function onNotification<P>(client: LanguageClient, spec: NotificationSpec<P>, handler: (params: P) => void): Disposable {
  return client.onNotification(spec.method, (params: P) => handler(params));
}

/** Sends one of the custom parameterless requests declared in `common/protocol.ts`, typed by its spec. */
export function sendRequest0<R>(client: LanguageClient, spec: RequestSpec<void, R>, token?: CancellationToken): Promise<R> {
  return token ? client.sendRequest<R>(spec.method, token) : client.sendRequest<R>(spec.method);
}

/** Sends one of the custom requests declared in `common/protocol.ts`, typed by its spec. */
export function sendRequest<P, R>(client: LanguageClient, spec: RequestSpec<P, R>, params: P, token?: CancellationToken): Promise<R> {
  return client.sendRequest<R>(spec.method, params, token);
}

/** Sends one of the custom notifications declared in `common/protocol.ts`, typed by its spec. */
export function sendNotification<P>(client: LanguageClient, spec: NotificationSpec<P>, params: P): Promise<void> {
  return client.sendNotification(spec.method, params);
}

/**
 * Answers one of the custom server → client requests declared in `common/protocol.ts`. Like
 * {@link onNotification}, the handler is kept across restarts of the client.
 */
export function onRequest<P, R>(
  client: LanguageClient,
  spec: RequestSpec<P, R>,
  handler: (params: P, token: CancellationToken) => R | Promise<R>,
): Disposable {
  // vscode-jsonrpc's `HandlerResult` is a conditional type that a generic `R` cannot satisfy.
  const generic = (async (params: P, token: CancellationToken) => handler(params, token)) as unknown as GenericRequestHandler<R, void>;
  return client.onRequest(spec.method, generic);
}
