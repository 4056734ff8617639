import type { ChatWrapper, LlamaContext, LlamaContextSequence, LlamaModel, Token } from 'node-llama-cpp';
import type { ModelInfo } from '../../../common/protocol';
import type { Settings } from '../../../common/settings';
import type { Logger } from '../log';
import { AbortedError } from '../util/abort';
import type { PriorityGate } from '../util/gate';
import { Mutex } from '../util/mutex';
import { chatOnSequence } from './chatOnSequence';
import { contextOptions, contextSequences, modelLoadOptions, threadCandidates } from './contextOptions';
import type { ChatEngine, CompletionEngine, FimTokens, GenerateResult, RepoTokens } from './engines';
import { repoTokens } from './repoTokens';
import type { GgufInfo } from './gguf/ggufHeader';
import { evaluatePrompt } from './evaluatePrompt';
import { generateOnSequence } from './generateOnSequence';
import { PrefillPacer } from './prefillPacer';
import { SequencePool } from './sequencePool';
import { measureThreads, type PhaseCosts, type ThreadPhase, ThreadTuner } from './threadTuner';
import { loadLlama, nodeLlamaCpp } from './llama';

/** What a loaded file is used for: each role gets a lane (its sequences and the queue in front of them). */
export type ModelRole = 'completion' | 'chat';

/** One context sequence and the queue in front of it: it does one thing at a time. */
interface Lane {
  sequence: LlamaContextSequence;
  /**
   * The completion lane's cached places (its first is {@link sequence}), and its quick sequence for
   * short first answers; absent on the chat lane.
   */
  places?: SequencePool<LlamaContextSequence>;
  quick?: LlamaContextSequence;
  /** The quick sequence's own queue: a summary of the same model reads on that sequence too. */
  quickQueue?: Mutex;
  /** Sizes the sequence's prompt batches by its measured speed, so a cancel lands quickly. */
  pacer: PrefillPacer;
  queue: Mutex;
}

/**
 * One GGUF file loaded in llama.cpp, with a context holding the completion's cached places and its
 * quick sequence (on which a summary of the same model reads, so a summary never evicts a cached
 * place), or one sequence for chat alone. It hands out engines for its roles; every job it runs
 * also stops when the model is retired (a model switch), and {@link dispose} waits for them.
 */
export class LoadedModel {
  /** Fires when the model is being replaced: running jobs end as if cancelled. */
  private readonly retired = new AbortController();
  private readonly lanes = new Map<ModelRole, Lane>();

  private constructor(
    private readonly model: LlamaModel,
    private readonly context: LlamaContext,
    private readonly chatWrapper: ChatWrapper,
    readonly info: ModelInfo,
    readonly fim: FimTokens | undefined,
    private readonly repo: RepoTokens | undefined,
    roles: readonly ModelRole[],
    private readonly gate: PriorityGate,
    cachedPlaces: number,
    /** Chooses the thread count of each prompt batch and each generation by measuring them. */
    private readonly threads: ThreadTuner,
  ) {
    // The completion's quick sequence holds a short prompt that is cheap to lose, so a summary of the
    // same model reads on it instead of a sequence of its own: one context's KV memory less (about
    // 48 MiB for 0.5B at 4096 tokens). While a summary holds it, a quick answer runs on a cached place.
    let quick: { sequence: LlamaContextSequence; queue: Mutex } | undefined;
    if (roles.includes('completion')) {
      const places = Array.from({ length: cachedPlaces }, () => context.getSequence());
      quick = { sequence: context.getSequence(), queue: new Mutex() };
      this.lanes.set('completion', {
        sequence: places[0],
        pacer: new PrefillPacer(),
        queue: new Mutex(),
        places: new SequencePool(places),
        quick: quick.sequence,
        quickQueue: quick.queue,
      });
    }
    if (roles.includes('chat')) {
      this.lanes.set(
        'chat',
        quick
          ? { ...quick, pacer: new PrefillPacer() }
          : { sequence: context.getSequence(), pacer: new PrefillPacer(), queue: new Mutex() },
      );
    }
  }

  /** Loads `path` (already checked) for the given roles. */
  static async load(
    path: string,
    checked: GgufInfo & { chatModel: boolean },
    settings: Settings['model'],
    roles: readonly ModelRole[],
    gate: PriorityGate,
    log: Logger,
  ): Promise<LoadedModel> {
    const llama = await loadLlama(log);
    const model = await llama.loadModel(modelLoadOptions(path));
    try {
      const candidates = threadCandidates(settings.threads);
      // node-llama-cpp gives each evaluation at most `maxThreads` (0: the context's own count), so
      // the tuner sets it before each one; a context created now may use up to the most of them.
      llama.maxThreads = candidates.length > 1 ? Math.max(...candidates) : 0;
      const context = await model.createContext(contextOptions(settings, contextSequences(roles, settings.cachedPlaces), candidates));
      const threads = new ThreadTuner(
        candidates,
        (count) => {
          llama.maxThreads = count;
        },
        (phase, count, costs) => log.info(`threads: ${count} for ${PHASE_NAMES[phase]} of ${checked.name} (${describeCosts(costs)})`),
      );
      const infill = model.tokens.infill;
      const fim =
        infill.prefix != null && infill.suffix != null && infill.middle != null
          ? { prefix: infill.prefix, suffix: infill.suffix, middle: infill.middle }
          : undefined;
      const info: ModelInfo = {
        path,
        name: checked.name,
        architecture: checked.architecture,
        quantization: checked.quantization,
        fourBit: checked.fourBit,
        contextSize: context.contextSize,
        fim: fim !== undefined,
        fimUnused:
          fim && checked.chatModel
            ? 'the model looks tuned for chat, not trained for fill-in-the-middle; set slmAssist.inlineCompletion.fillInTheMiddle to "on" to use its FIM tokens anyway'
            : undefined,
      };
      const { resolveChatWrapper } = await nodeLlamaCpp();
      const repo = fim ? repoTokens(model) : undefined;
      const loaded = new LoadedModel(
        model,
        context,
        resolveChatWrapper(model),
        info,
        fim,
        repo,
        roles,
        gate,
        settings.cachedPlaces,
        threads,
      );
      await loaded.measureThreads();
      return loaded;
    } catch (error) {
      await model.dispose();
      throw error;
    }
  }

  has(role: ModelRole): boolean {
    return this.lanes.has(role);
  }

  /** The completion engine; only for a model loaded with the `completion` role. */
  completionEngine(): CompletionEngine {
    this.alive();
    const lane = this.lane('completion');
    const { places, quickQueue } = lane;
    if (!places || !lane.quick || !quickQueue) throw new Error('the completion lane has no cached places');
    const model = this.model;
    // Models trained with a beginning-of-sequence token (Gemma, Llama) write nonsense without it
    // (Gemma 3 270M: "{ return { return" instead of "a + b;"); Qwen and SmolLM2 use none.
    const bos = model.tokens.shouldPrependBosToken ? model.tokens.bos : null;
    const withBos = (prompt: readonly number[]): readonly number[] => (bos === null ? prompt : [bos, ...prompt]);
    // A completion ends where another file would begin (llama.cpp ends Qwen's at them, not StarCoder2's).
    const stopTokens = this.repo ? [this.repo.fileSep, this.repo.repoName] : [];
    return {
      info: this.info,
      fim: this.fim,
      repo: this.repo,
      fimByDefault: this.info.fimUnused === undefined,
      tokenize: (text) => {
        this.alive();
        return text ? model.tokenize(text) : [];
      },
      detokenize: (tokens) => model.detokenize(tokens as Token[], true),
      // The gate is held for the whole job, so a summary waits between its batches.
      generate: (prompt, options) =>
        this.gate.hold(() =>
          lane.queue.run(() =>
            this.guard(options.signal, (signal) => {
              const tokens = withBos(prompt);
              const run = (sequence: LlamaContextSequence): Promise<GenerateResult> =>
                generateOnSequence(model, sequence, tokens, { ...options, signal }, lane.pacer, stopTokens, this.threads);
              if (!options.quick) return run(places.take(tokens).sequence);
              if (!quickQueue.busy) return quickQueue.run(() => run(lane.quick!));
              // A summary is reading on the quick sequence: the least recently used place answers.
              return run(places.take(tokens).sequence);
            }),
          ),
        ),
      cachedTokens: (prompt) => {
        const tokens = withBos(prompt);
        return Math.max(0, places.best(tokens).shared - (tokens.length - prompt.length));
      },
      // Background work: it does not hold the gate, so a summary is not held up by it either.
      prefill: (prompt, signal, replacing) =>
        lane.queue.run(() =>
          this.guard(signal, async (signal) => {
            const tokens = withBos(prompt) as Token[];
            const evaluate = async (sequence: LlamaContextSequence, beforeBatch?: () => Promise<void>): Promise<number> =>
              Math.max(
                0,
                tokens.length -
                  1 -
                  (await evaluatePrompt(sequence, tokens, { chunk: lane.pacer, signal, beforeBatch, threads: this.threads })),
              );
            const old = replacing && places.holding(withBos(replacing));
            if (!old) return evaluate(places.take(tokens).sequence);
            // A summary reads on the quick sequence: try again at the next pause.
            if (quickQueue.busy) throw new AbortedError();
            // The new prompt replaces the one `old` holds: it is read on the quick sequence, which
            // then takes old's place, so a stop half-way loses no cached place.
            return quickQueue.run(async () => {
              const scratch = lane.quick!;
              // A summary waiting for the quick sequence goes first: this is background work.
              const evaluated = await evaluate(scratch, async () => {
                if (quickQueue.waiting) throw new AbortedError();
              });
              places.replace(old, scratch);
              lane.quick = old;
              const chat = this.lanes.get('chat');
              if (chat?.sequence === scratch) chat.sequence = old;
              return evaluated;
            });
          }),
        ),
    };
  }

  /** The chat engine; only for a model loaded with the `chat` role. */
  chatEngine(): ChatEngine {
    this.alive();
    const lane = this.lane('chat');
    const model = this.model;
    return {
      info: this.info,
      countTokens: (text) => {
        this.alive();
        return model.tokenize(text).length;
      },
      answer: (messages, options) =>
        lane.queue.run(() =>
          this.guard(options.signal, (signal) =>
            chatOnSequence(model, this.chatWrapper, lane.sequence, messages, {
              ...options,
              signal,
              gate: this.gate,
              pacer: lane.pacer,
              threads: this.threads,
            }),
          ),
        ),
    };
  }

  /**
   * Measures each thread count the tuner may choose on a sequence nobody uses yet (a short prompt
   * and a few generation steps each, about half a second on a slow 2-core CPU), so that the first
   * requests already use the faster ones; the tuner goes on measuring every request.
   */
  private async measureThreads(): Promise<void> {
    if (this.threads.candidates.length < 2) return;
    const lane = this.lanes.get('completion') ?? this.lanes.get('chat')!;
    const sequence = lane.quick ?? lane.sequence;
    let tokens = this.model.tokenize(THREADS_SAMPLE);
    while (tokens.length < THREADS_SAMPLE_TOKENS) tokens = [...tokens, ...tokens];
    await measureThreads(sequence, tokens.slice(0, THREADS_SAMPLE_TOKENS), this.threads);
  }

  /**
   * Stops every job (they end as if cancelled), waits for them to leave their sequences, and frees
   * the model's memory.
   */
  async dispose(): Promise<void> {
    this.retired.abort();
    await Promise.all([...this.lanes.values()].map((lane) => lane.queue.run(async () => undefined)));
    await this.context.dispose();
    await this.model.dispose();
  }

  private lane(role: ModelRole): Lane {
    const lane = this.lanes.get(role);
    if (!lane) throw new Error(`The model ${this.info.path} was not loaded for ${role}.`);
    return lane;
  }

  /**
   * Throws AbortedError once the model is retired: a job that got its engine (or the model) before
   * a model switch ends as if cancelled when it next tokenizes, instead of calling into a freed
   * model ("Object is disposed", found by the message fuzz).
   */
  private alive(): void {
    if (this.retired.signal.aborted) throw new AbortedError();
  }

  /** Runs a job with a signal that fires on the caller's cancel or when the model is retired. */
  private guard<T>(signal: AbortSignal, job: (signal: AbortSignal) => Promise<T>): Promise<T> {
    if (this.retired.signal.aborted) return Promise.reject(new AbortedError());
    return job(AbortSignal.any([signal, this.retired.signal]));
  }
}

const PHASE_NAMES: Record<ThreadPhase, string> = { prompt: 'reading prompts', generation: 'generating' };

function describeCosts(costs: PhaseCosts): string {
  return [...costs].map(([count, ms]) => `${count}: ${ms.toPrecision(2)} ms/token`).join(', ');
}

/** Code the thread counts are measured on (its tokens, repeated to {@link THREADS_SAMPLE_TOKENS}). */
const THREADS_SAMPLE = `export function sum(values: number[]): number {
  let total = 0;
  for (const value of values) total += value;
  return total;
}
`;
const THREADS_SAMPLE_TOKENS = 64;
