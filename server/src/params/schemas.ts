import { z } from 'zod';

/**
 * The params of every request and notification the server handles, checked at the boundary
 * (`server/src/protocol.ts`) before a handler sees them. Each schema follows its message's params
 * type, and unknown fields are dropped. Each is registered as a `z.ZodType` of that type
 * (`onRequest`, `onNotification`), so a schema that stops matching the protocol type breaks the
 * build there.
 */

/** LSP's `uinteger`: positions, versions and the like. */
const uinteger = z
  .number()
  .int()
  .min(0)
  .max(2 ** 31 - 1);
const progressToken = z.union([z.number().int(), z.string()]);

const position = z.object({ line: uinteger, character: uinteger });
const range = z.object({ start: position, end: position });
const textDocumentIdentifier = z.object({ uri: z.string() });

export const inlineCompletionParams = z.object({
  textDocument: textDocumentIdentifier,
  position,
  context: z.object({
    triggerKind: z.literal([1, 2]),
    selectedCompletionInfo: z.object({ range, text: z.string() }).optional(),
  }),
  workDoneToken: progressToken.optional(),
});

export const didOpenParams = z.object({
  textDocument: z.object({ uri: z.string(), languageId: z.string(), version: z.number().int(), text: z.string() }),
});

export const didChangeParams = z.object({
  textDocument: z.object({ uri: z.string(), version: z.number().int() }),
  contentChanges: z.array(
    // A change without a range replaces the whole text: one with a malformed range must not pass as that.
    z.union([
      z.object({ range, rangeLength: uinteger.optional(), text: z.string() }),
      z.object({ range: z.undefined().optional(), text: z.string() }),
    ]),
  ),
});

/** `slmAssist/viewed`. */
export const viewedParams = z.object({ textDocument: textDocumentIdentifier, line: uinteger });

/** `slmAssist/clipboard`: the extension sends at most 32 lines; anything far longer is refused. */
export const clipboardParams = z.object({ text: z.string().max(1_000_000) });

export const didCloseParams = z.object({ textDocument: textDocumentIdentifier });

export const willSaveParams = z.object({
  textDocument: textDocumentIdentifier,
  reason: z.literal([1, 2, 3]),
});

export const didSaveParams = z.object({ textDocument: textDocumentIdentifier, text: z.string().optional() });

/** `settings` may be anything: the settings store salvages what it can, field by field. */
export const didChangeConfigurationParams = z.object({ settings: z.unknown() });

/** Requests without params: absent, `null`, an object (its fields are ignored) or an empty array. */
export const noParams = z
  .union([z.undefined(), z.null(), z.object({}), z.array(z.never()).length(0)], { error: 'expected no params' })
  .transform(() => undefined);

export const textHelpParams = z.object({
  textDocument: textDocumentIdentifier,
  range: range.optional(),
  style: z.enum(['brief', 'detailed']).optional(),
  workDoneToken: progressToken.optional(),
  partialResultToken: progressToken.optional(),
});

const modelRole = z.enum(['completion', 'chat']);

export const downloadModelParams = z.object({ id: z.string(), workDoneToken: progressToken.optional() });
export const deleteModelParams = z.object({ path: z.string() });
export const importModelParams = z.object({ source: z.string(), link: z.boolean().optional() });
export const inspectModelParams = z.object({ path: z.string(), role: modelRole });
