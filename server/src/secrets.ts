/** The environment variable the extension passes the fallback API key in. */
export const FALLBACK_API_KEY_ENV = 'SLM_ASSIST_FALLBACK_API_KEY';
/** The environment variable the extension passes the team server's API key in. */
export const TEAM_API_KEY_ENV = 'SLM_ASSIST_TEAM_SERVER_API_KEY';

/**
 * Reads a secret the client put in this process's environment and removes it from there. The
 * key never travels in an LSP message, so no message trace (vscode-jsonrpc's, at any level) can
 * print it; removed from `process.env`, it is not inherited by child processes either
 * (node-llama-cpp starts one to test its binary).
 */
export function takeSecret(name: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  const value = env[name];
  delete env[name];
  return value ? value : undefined;
}
