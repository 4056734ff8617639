import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

/** `.models/` at the repository root (git-ignored); `SLM_ASSIST_MODELS_DIR` overrides it. */
export function defaultModelDir(): string {
  if (process.env.SLM_ASSIST_MODELS_DIR) return resolve(process.env.SLM_ASSIST_MODELS_DIR);
  let dir = process.cwd();
  for (;;) {
    try {
      const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: string };
      if (pkg.name === 'slm-assist') return join(dir, '.models');
    } catch {
      // no package.json here
    }
    const up = dirname(dir);
    if (up === dir) return join(process.cwd(), '.models');
    dir = up;
  }
}
