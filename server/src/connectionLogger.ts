import type { Connection } from 'vscode-languageserver/node';
import type { Logger } from './log';

/** A logger that writes through LSP `window/logMessage`, which the client shows in its log. */
export function connectionLogger(connection: Connection): Logger {
  return {
    error: (message) => connection.console.error(message),
    warn: (message) => connection.console.warn(message),
    info: (message) => connection.console.info(message),
    debug: (message) => connection.console.debug(message),
  };
}
