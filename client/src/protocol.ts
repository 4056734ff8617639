import type { CancellationToken, Disposable } from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';
import type { NotificationSpec, RequestSpec } from '../../common/protocol';

/** Handles one of the custom notifications declared in `common/protocol.ts`, typed by its spec. */
export function onNotification<P>(client: LanguageClient, spec: NotificationSpec<P>, handler: (params: P) => void): Disposable {
  return client.onNotification(spec.method, (params: P) => handler(params));
}

/** Sends one of the custom parameterless requests declared in `common/protocol.ts`, typed by its spec. */
export function sendRequest0<R>(client: LanguageClient, spec: RequestSpec<void, R>, token?: CancellationToken): Promise<R> {
  return token ? client.sendRequest<R>(spec.method, token) : client.sendRequest<R>(spec.method);
}
