import { readFileSync } from 'node:fs';
import { z } from 'zod';
import builtIn from './catalog.json';

/** One downloadable model. The data lives in catalog.json; this is its shape. */
const entrySchema = z.object({
  id: z.string().regex(/^[a-z0-9][a-z0-9.-]*$/),
  name: z.string().min(1),
  role: z.enum(['completion', 'chat']),
  fileName: z.string().regex(/^[^/\\]+\.gguf$/),
  url: z.url({ protocol: /^https?$/ }),
  sizeBytes: z.number().int().positive(),
  /** False when only the file page's rounded size is known: the download then checks the hash only. */
  sizeExact: z.boolean(),
  /** Lower-case hex; null when it could not be pinned (the download checks size and GGUF header only). */
  sha256: z
    .string()
    .regex(/^[0-9a-f]{64}$/)
    .nullable(),
  license: z.string(),
  licenseUrl: z.url(),
  /** The fill-in-the-middle format of the model family; null without one. */
  fim: z.enum(['qwen', 'starcoder', 'deepseek', 'codellama']).nullable(),
  parameters: z.string(),
  contextSize: z.number().int().positive(),
  /** Resident memory at a 4096-token context with two sequences, in bytes (see catalog.json). */
  memoryBytes: z.number().int().positive(),
});

const catalogSchema = z.object({ entries: z.array(entrySchema).min(1) });

export type CatalogEntry = z.infer<typeof entrySchema>;

/**
 * The catalog: catalog.json, bundled into the server, or the JSON file `SLM_ASSIST_CATALOG` names
 * (for the tests, which serve generated models, and for an administrator with models of their own).
 * A catalog that does not match the schema is an error that names the file and the field.
 */
export function loadCatalog(env: NodeJS.ProcessEnv = process.env): CatalogEntry[] {
  const file = env.SLM_ASSIST_CATALOG;
  const raw: unknown = file ? JSON.parse(readFileSync(file, 'utf8')) : builtIn;
  const parsed = catalogSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(`The model catalog ${file ?? 'catalog.json'} is invalid at ${issue.path.join('.')}: ${issue.message}`);
  }
  return parsed.data.entries;
}

/**
 * The completion model to offer first: 1.5B on a machine with at least 8 GiB of memory and 4
 * cores, else 0.5B (on fewer cores the larger model answers each keystroke about twice as slowly;
 * `npm run bench` measured 932 against 424 ms on 2 cores). Falls back to the first completion entry.
 */
export function recommend(
  entries: readonly CatalogEntry[],
  machine: { totalMemoryBytes: number; cores: number },
): { id: string; reason: string } {
  const completion = entries.filter((e) => e.role === 'completion');
  const big = completion.find((e) => e.id === 'qwen2.5-coder-1.5b');
  const small = completion.find((e) => e.id === 'qwen2.5-coder-0.5b');
  const gib = Math.round(machine.totalMemoryBytes / 2 ** 30);
  const roomy = machine.totalMemoryBytes >= 8 * 2 ** 30 && machine.cores >= 4;
  if (roomy && big) return { id: big.id, reason: `this machine has ${gib} GiB of memory and ${machine.cores} cores` };
  if (small) {
    const short = machine.cores < 4 ? `${machine.cores} cores` : `${gib} GiB of memory`;
    return { id: small.id, reason: `this machine has ${short}: the 0.5B model answers each keystroke about twice as fast as the 1.5B` };
  }
  const first = completion[0] ?? entries[0];
  return { id: first.id, reason: 'the catalog offers it for completions' };
}
