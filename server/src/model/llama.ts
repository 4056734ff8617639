import type { Llama } from 'node-llama-cpp';
import type { Logger } from '../log';

let llama: Promise<Llama> | undefined;

/** The node-llama-cpp module, imported once (ESM, so with a dynamic import). */
export function nodeLlamaCpp(): Promise<typeof import('node-llama-cpp')> {
  return import('node-llama-cpp');
}

/**
 * The llama.cpp binding, loaded once per process. node-llama-cpp is ESM and native, so it is
 * imported at run time and never bundled. `build: 'never'`: a missing prebuilt binary is an
 * error, never a silent multi-minute compile from source.
 */
export function loadLlama(log: Logger): Promise<Llama> {
  llama ??= (async () => {
    const { getLlama, LlamaLogLevel } = await nodeLlamaCpp();
    return getLlama({
      gpu: false,
      build: 'never',
      logLevel: LlamaLogLevel.warn,
      logger: (level, message) => {
        const text = message.trim();
        if (!text) return;
        if (level === LlamaLogLevel.error || level === LlamaLogLevel.fatal) log.error(`llama.cpp: ${text}`);
        else if (level === LlamaLogLevel.warn) log.warn(`llama.cpp: ${text}`);
        else log.debug(`llama.cpp: ${text}`);
      },
    });
  })();
  llama.catch(() => (llama = undefined));
  return llama;
}
