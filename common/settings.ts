import { z } from 'zod';

/**
 * The single source of truth for the `slmAssist.*` settings. Types and defaults come from
 * this schema, the manifest's `contributes.configuration` must match it (a unit test checks),
 * and the server only ever sees values that passed through {@link parseSettings}.
 */
export const settingsSchema = z.object({
  model: z
    .object({
      /** Absolute path of the GGUF model file used for inline completion. Empty: no model. */
      path: z.string().default(''),
      /** Context window of the llama.cpp context, in tokens. */
      contextSize: z.number().int().min(512).max(131072).default(4096),
      /** CPU threads for llama.cpp. 0 lets the server choose by measurement, per phase (server/src/model/threadTuner.ts). */
      threads: z.number().int().min(0).max(256).default(0),
      /**
       * Recent places (documents, or distant windows of one) whose KV cache inline completion keeps,
       * so returning to one evaluates only what changed there. Each costs one context's KV memory.
       */
      cachedPlaces: z.number().int().min(1).max(8).default(2),
    })
    .prefault({}),
  inlineCompletion: z
    .object({
      /** Whether the server answers `textDocument/inlineCompletion` at all. */
      enabled: z.boolean().default(true),
      /** Language ids (`markdown`, `plaintext`, ...) whose documents get no inline completion. */
      disabledLanguages: z.array(z.string()).default([]),
      /** Wait this long after the last keystroke before running the model. */
      debounceMs: z.number().int().min(0).max(5000).default(75),
      /** Most tokens generated for one suggestion. */
      maxTokens: z.number().int().min(1).max(512).default(48),
      /** After this many milliseconds of generation the text so far is returned. */
      timeBudgetMs: z.number().int().min(100).max(60000).default(3000),
      /** Tokens of text before the cursor given to the model. */
      prefixTokens: z.number().int().min(16).max(32768).default(1536),
      /** Tokens of text after the cursor given to the model. */
      suffixTokens: z.number().int().min(0).max(8192).default(128),
      /**
       * Fill-in-the-middle prompt layout. `appendable`: the text typed on the current line goes after
       * the middle marker, so keystrokes only append to the prompt and the model's cache is reused.
       * `classic`: the prefix ends at the cursor (prefix-suffix-middle, as most tools send it), so every
       * keystroke evaluates the suffix again.
       */
      promptLayout: z.enum(['appendable', 'classic']).default('appendable'),
      /**
       * After a move, a file switch or a start, answer first from a short window around the cursor
       * while the full window is read in the background; off: the first answer waits for the full window.
       */
      quickFirstAnswer: z.boolean().default(true),
      /**
       * Most tokens of snippets from recently viewed and edited files (32 lines each) put before the
       * window, in the model family's repository-level form; 0: none. Changed only while the user is
       * idle, and read in the background, so typing never waits for it.
       */
      otherFilesTokens: z.number().int().min(0).max(8192).default(512),
      /** Also the clipboard's text as one more snippet (the extension reads it). Read from user settings only. */
      clipboardContext: z.boolean().default(false),
      /**
       * Whether prompts use the model's fill-in-the-middle tokens. `auto`: when the model has them
       * and does not look tuned for chat; `on`: whenever it has them; `off`: never (prefix only).
       */
      fillInTheMiddle: z.enum(['auto', 'on', 'off']).default('auto'),
    })
    .prefault({}),
  chatModel: z
    .object({
      /**
       * GGUF model for summaries and explanations, when the completion model is a base model
       * without a chat template. Empty: the completion model answers. The same file is loaded once.
       */
      path: z.string().default(''),
    })
    .prefault({}),
  models: z
    .object({
      /** Where models are downloaded and imported to. Empty: the extension's global storage (`models/`). */
      directory: z.string().default(''),
      /** A base URL that replaces the public host of every catalog download (an internal artifact server). */
      mirror: z.string().default(''),
    })
    .prefault({}),
  summary: z
    .object({
      /** Most tokens in one answer (a summary, an explanation, or one piece's summary). */
      maxTokens: z.number().int().min(16).max(4096).default(384),
    })
    .prefault({}),
  fallback: z
    .object({
      /**
       * What happens to a summary or explanation too long for the local model: `off` summarizes it
       * locally in pieces; `ask` asks each time; `auto` sends it to the remote model. Inline
       * completion never goes remote. Read from user or machine settings only.
       */
      mode: z.enum(['off', 'ask', 'auto']).default('off'),
      /** Base URL of an OpenAI-compatible API, e.g. `https://host/v1`. `https:` unless loopback. */
      endpoint: z.string().default(''),
      /** Model name sent to the endpoint. */
      model: z.string().default(''),
      /** Context window of the remote model, in tokens; longer requests are summarized locally. */
      maxContextTokens: z.number().int().min(1024).max(2000000).default(32768),
    })
    .prefault({}),
  teamServer: z
    .object({
      /**
       * Base URL of the team's inference server (llama.cpp's llama-server, vLLM, Ollama) that inline
       * completions go to first. Empty: off. `https:` unless on this machine. Read from user or
       * machine settings only.
       */
      url: z.string().default(''),
      /** `llamaServer`: llama.cpp's `/completion` with `cache_prompt`; `openaiCompatible`: `/v1/completions` (vLLM, Ollama). */
      api: z.enum(['llamaServer', 'openaiCompatible']).default('llamaServer'),
      /** Model name sent to the server (vLLM and Ollama need it; llama-server ignores it). */
      model: z.string().default(''),
      /** How long a completion waits for the team server before the local model answers. */
      latencyBudgetMs: z.number().int().min(50).max(10000).default(500),
      /** Whether summaries and explanations go to the team server too (`/v1/chat/completions`), the local model answering when it fails. */
      summaries: z.boolean().default(false),
    })
    .prefault({}),
  network: z
    .object({
      /** `false` turns every remote call off, whatever else is set (for air-gapped enterprises). */
      allowRemote: z.boolean().default(true),
    })
    .prefault({}),
});

export type Settings = z.infer<typeof settingsSchema>;

/** Defaults of every setting, derived from the schema. */
export const defaultSettings: Settings = settingsSchema.parse({});

/** One setting that was rejected, named by its full setting name (`slmAssist.model.path`). */
export interface SettingProblem {
  setting: string;
  message: string;
}

export interface ParsedSettings {
  settings: Settings;
  problems: SettingProblem[];
}

/** The settings whose change means a model must be loaded again (their descriptions say so). */
export const modelReloadSettings = ['model.path', 'model.contextSize', 'model.threads', 'model.cachedPlaces', 'chatModel.path'] as const;

const SECTION = 'slmAssist';

/**
 * Validates a raw `slmAssist` settings object. Valid fields are kept; each invalid field is
 * reported by its full setting name and falls back to its default, so one typo never
 * switches the whole extension off.
 */
export function parseSettings(raw: unknown): ParsedSettings {
  const whole = settingsSchema.safeParse(raw ?? {});
  if (whole.success) return { settings: whole.data, problems: [] };

  const problems: SettingProblem[] = [];
  const source = isRecord(raw) ? raw : {};
  if (!isRecord(raw) && raw !== undefined && raw !== null) {
    problems.push({ setting: SECTION, message: `expected an object, got ${describe(raw)}` });
  }
  const salvaged: Record<string, unknown> = {};
  for (const [groupName, groupSchema] of Object.entries(settingsSchema.shape)) {
    const group = source[groupName];
    if (group === undefined) continue;
    if (!isRecord(group)) {
      problems.push({ setting: `${SECTION}.${groupName}`, message: `expected an object, got ${describe(group)}` });
      continue;
    }
    const kept: Record<string, unknown> = {};
    const fields = (groupSchema as unknown as { unwrap(): z.ZodObject }).unwrap().shape as Record<string, z.ZodType>;
    for (const [field, value] of Object.entries(group)) {
      const fieldSchema = fields[field];
      if (!fieldSchema) continue; // Unknown keys are ignored, as VS Code does for unknown settings.
      const checked = fieldSchema.safeParse(value);
      if (checked.success) kept[field] = checked.data;
      else
        problems.push({
          setting: `${SECTION}.${groupName}.${field}`,
          message: `${checked.error.issues.map((i) => i.message).join('; ')} (got ${describe(value)}); using the default ${JSON.stringify(
            fieldSchema.parse(undefined),
          )}`,
        });
    }
    salvaged[groupName] = kept;
  }
  return { settings: settingsSchema.parse(salvaged), problems };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function describe(value: unknown): string {
  const text = JSON.stringify(value);
  return text === undefined ? String(value) : text.length > 60 ? `${text.slice(0, 57)}...` : text;
}
