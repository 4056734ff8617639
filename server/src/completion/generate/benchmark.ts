import type { BenchmarkCapability } from '../../../../common/protocol';

/**
 * Reads the benchmark switch from the initialize request's `capabilities.experimental.slmAssist.benchmark`.
 * Anything malformed leaves it off: a client that did not mean it must never get fixed-length completions.
 */
export function parseBenchmarkCapability(raw: unknown): BenchmarkCapability | undefined {
  if (typeof raw !== 'object' || raw === null) return undefined;
  const { ignoreEog, fixedTokens } = raw as Record<string, unknown>;
  if (typeof fixedTokens !== 'number' || !Number.isInteger(fixedTokens) || fixedTokens < 1 || fixedTokens > 512) return undefined;
  return { ignoreEog: ignoreEog === true, fixedTokens };
}
