import type { CancellationToken, Connection } from 'vscode-languageserver/node';
import type { NotificationSpec, RequestSpec } from '../../common/protocol';

/** Sends one of the custom notifications declared in `common/protocol.ts`, typed by its spec. */
export function sendNotification<P>(connection: Connection, spec: NotificationSpec<P>, params: P): Promise<void> {
  return connection.sendNotification(spec.method, params);
}

/** Handles one of the custom requests declared in `common/protocol.ts`, typed by its spec. */
export function onRequest<P, R>(
  connection: Connection,
  spec: RequestSpec<P, R>,
  handler: (params: P, token: CancellationToken) => R | Promise<R>,
): void {
  connection.onRequest(spec.method, async (params: P, token: CancellationToken): Promise<R> => await handler(params, token));
}

/** Handles one of the custom notifications declared in `common/protocol.ts`, typed by its spec. */
export function onNotification<P>(connection: Connection, spec: NotificationSpec<P>, handler: (params: P) => void): void {
  connection.onNotification(spec.method, (params: P) => handler(params));
}

/** Sends one of the custom requests declared in `common/protocol.ts`, typed by its spec. */
export function sendRequest<P, R>(connection: Connection, spec: RequestSpec<P, R>, params: P): Promise<R> {
  return connection.sendRequest(spec.method, params);
}
