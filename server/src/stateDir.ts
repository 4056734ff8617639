import { homedir } from 'node:os';
import { join } from 'node:path';

/**
 * The folder where the server keeps what must outlive its process (crash markers, downloaded
 * models by default). The extension passes its global storage folder in `SLM_ASSIST_STATE_DIR`;
 * a standalone server uses `$XDG_STATE_HOME/slm-assist` (`~/.local/state/slm-assist`).
 */
export function stateDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.SLM_ASSIST_STATE_DIR) return env.SLM_ASSIST_STATE_DIR;
  return join(env.XDG_STATE_HOME || join(homedir(), '.local', 'state'), 'slm-assist');
}
