/** Where the server writes what it does. In the extension this ends up in the "SLM Assist" log. */
export interface Logger {
  error(message: string): void;
  warn(message: string): void;
  info(message: string): void;
  debug(message: string): void;
}
