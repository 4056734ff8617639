import type { ChatHistoryItem, ChatWrapper, LlamaContextSequence, LlamaModel, Token } from 'node-llama-cpp';
import { throwIfAborted } from '../util/abort';
import type { PriorityGate } from '../util/gate';
import type { ChatMessage, ChatOptions, ChatResult } from './engines';
import { evaluatePrompt } from './evaluatePrompt';
import type { PrefillPacer } from './prefillPacer';
import type { ThreadTuner } from './threadTuner';

/** How one answer runs on its sequence. */
export interface ChatRunOptions extends ChatOptions {
  /** Completion has priority: the chat waits on this gate between batches and tokens. */
  gate: PriorityGate;
  /** Prompt tokens per batch; the gate and the signal are checked between batches. */
  promptChunk?: number;
  /** Sizes the batches by measured speed instead (a waiting completion gets in sooner). */
  pacer?: PrefillPacer;
  /** Chooses the thread counts (the prompt's batches are measured; the generation, which waits on the gate, is not). */
  threads?: ThreadTuner;
}

/**
 * Answers a chat with the model's own chat template (read from the GGUF by node-llama-cpp),
 * greedily, on the given sequence. Evaluates the prompt in batches and generates token by
 * token, waiting on the priority gate before each step, so a completion request never waits
 * behind a summary for more than one batch. A signal that fires during the prompt throws
 * AbortedError; during generation it ends the answer, which is returned with `aborted`.
 */
export async function chatOnSequence(
  model: LlamaModel,
  wrapper: ChatWrapper,
  sequence: LlamaContextSequence,
  messages: ChatMessage[],
  options: ChatRunOptions,
): Promise<ChatResult> {
  const history: ChatHistoryItem[] = [
    ...messages.map((m): ChatHistoryItem =>
      m.role === 'system' ? { type: 'system', text: m.content } : { type: 'user', text: m.content },
    ),
    { type: 'model', response: [] },
  ];
  const state = wrapper.generateContextState({ chatHistory: history });
  const prompt = state.contextText.tokenize(model.tokenizer);
  const stopTexts = state.stopGenerationTriggers
    .map((trigger) => trigger.values)
    .filter((values) => values.every((v) => typeof v === 'string'))
    .map((values) => values.join(''))
    .filter((text) => text !== '')
    .concat(options.stopAt ?? []);

  // Smaller batches than a completion's: a completion that arrives waits for at most one of
  // them (about 0.3 s on the 0.5B shape with 1 thread), at a few percent of summary speed.
  const chunk = options.promptChunk ?? options.pacer ?? 64;
  await evaluatePrompt(sequence, prompt, {
    chunk,
    signal: options.signal,
    beforeBatch: () => options.gate.idle(),
    threads: options.threads,
  });

  const generated: Token[] = [];
  let text = '';
  let aborted = false;
  await options.gate.idle();
  throwIfAborted(options.signal);
  const generationStarted = performance.now();
  options.threads?.use('generation', false);
  for await (const token of sequence.evaluate([prompt[prompt.length - 1]], {
    temperature: 0,
    repeatPenalty: { punishTokens: () => generated.slice(-64), penalty: 1.1 },
  })) {
    if (model.isEogToken(token)) break;
    generated.push(token);
    const full = model.detokenize(generated);
    const stop = stopTexts.map((s) => full.indexOf(s)).filter((i) => i >= 0);
    // A character whose UTF-8 bytes are split across tokens decodes as U+FFFD until its last
    // token arrives: hold it back rather than stream a replacement character.
    const visible = (stop.length > 0 ? full.slice(0, Math.min(...stop)) : full).replace(/\uFFFD+$/, '');
    if (visible.length > text.length && visible.startsWith(text)) {
      options.onDelta?.(visible.slice(text.length));
      text = visible;
    }
    if (stop.length > 0 || generated.length >= options.maxTokens) break;
    // Give way to a completion between two tokens; stop if the user pressed Stop.
    await options.gate.idle();
    if (options.signal.aborted) {
      aborted = true;
      break;
    }
    // A completion that ran meanwhile may have set another count for its prompt.
    options.threads?.use('generation', false);
  }
  return {
    text,
    promptTokens: prompt.length,
    completionTokens: generated.length,
    aborted,
    generationMs: Math.round(performance.now() - generationStarted),
  };
}
