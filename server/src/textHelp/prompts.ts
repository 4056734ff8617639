/**
 * The instructions given to the chat model, as data. `{kind}` is "code" or "text", chosen from
 * the document's language.
 */
export type TextHelpTask = 'summarize' | 'explain';
export type TextHelpStyle = 'brief' | 'detailed';

export const systemPrompt =
  'You are a concise assistant inside a code editor. Answer in plain prose or Markdown. Do not repeat the input back.';

const instructions: Record<TextHelpTask, Record<TextHelpStyle, string>> = {
  summarize: {
    brief: 'Summarize the following {kind} in two or three sentences, naming its main classes, functions or sections.',
    detailed: 'Summarize the following {kind}: its purpose, its main parts and anything notable, as a short list.',
  },
  explain: {
    brief: 'Explain what the following {kind} does, briefly, for a developer reading it for the first time.',
    detailed: 'Explain the following {kind} step by step for a developer reading it for the first time: what it does, how, and why.',
  },
};

/** Instruction for one piece of a long input (the "map" step). */
const pieceInstruction =
  'This is part {index} of {count} of a longer {kind}. Summarize this part in a few sentences, keeping names of functions, types and headings.';

/** Instruction to combine piece summaries (the "reduce" step). */
const combineInstruction: Record<TextHelpTask, string> = {
  summarize: 'These are summaries of consecutive parts of one {kind}. Write one summary of the whole {kind} from them.',
  explain:
    'These are summaries of consecutive parts of one {kind}. Explain the whole {kind} from them, for a developer reading it for the first time.',
};

const proseLanguages = new Set(['markdown', 'plaintext', 'restructuredtext', 'latex', 'asciidoc', 'org', 'text']);

export function kindOf(languageId: string | undefined): 'code' | 'text' {
  return languageId && !proseLanguages.has(languageId) ? 'code' : 'text';
}

function fill(template: string, values: Record<string, string | number>): string {
  return template.replace(/\{(\w+)\}/g, (_, key: string) => String(values[key] ?? `{${key}}`));
}

export function taskPrompt(task: TextHelpTask, style: TextHelpStyle, kind: string, input: string): string {
  return `${fill(instructions[task][style], { kind })}\n\n${fenced(kind, input)}`;
}

/**
 * Code goes between Markdown fences: small chat models then tell the code from the instruction and
 * name what it defines (SmolLM2-135M named the class of a fixture with the fences, not without).
 */
function fenced(kind: string, input: string): string {
  if (kind !== 'code') return input;
  const fence = input.includes('```') ? '~~~~' : '```';
  return `${fence}\n${input.replace(/\n?$/, '\n')}${fence}`;
}

export function piecePrompt(index: number, count: number, kind: string, piece: string): string {
  return `${fill(pieceInstruction, { index, count, kind })}\n\n${fenced(kind, piece)}`;
}

export function combinePrompt(task: TextHelpTask, style: TextHelpStyle, kind: string, summaries: string[]): string {
  const numbered = summaries.map((s, i) => `Part ${i + 1}: ${s.trim()}`).join('\n\n');
  return `${fill(combineInstruction[task], { kind })} ${fill(instructions[task][style], { kind })}\n\n${numbered}`;
}
