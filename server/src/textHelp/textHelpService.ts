import type { ConfirmFallbackParams, ConfirmFallbackResult, TextHelpResult } from '../../../common/protocol';
import type { Settings } from '../../../common/settings';
import type { Logger } from '../log';
import type { ChatEngine, ChatMessage } from '../model/engines';
import type { ModelRuntime } from '../model/runtime';
import type { TeamServer } from '../team/teamServer';
import { checkEndpoint } from '../remote/endpoint';
import { RemoteError, streamChatCompletion } from '../remote/openaiClient';
import { redactSecrets } from '../remote/redact';
import { AbortedError } from '../util/abort';
import { Mutex } from '../util/mutex';
import { combinePrompt, kindOf, piecePrompt, systemPrompt, taskPrompt, type TextHelpStyle, type TextHelpTask } from './prompts';
import { splitByStructure } from './split';

/** One summarize or explain request, as the server received it. */
export interface TextHelpJob {
  task: TextHelpTask;
  style: TextHelpStyle;
  text: string;
  languageId: string;
}

/** How the job talks back: streamed text, progress messages, the user's cancel. */
export interface TextHelpIo {
  signal: AbortSignal;
  onDelta(delta: string): void;
  onProgress(message: string, percentage?: number): void;
  /** Asks the user whether to send a long request to the remote model (`fallback.mode: "ask"`). */
  confirmFallback(params: ConfirmFallbackParams): Promise<ConfirmFallbackResult>;
}

/** An error whose message is meant for the user as it is. */
export class TextHelpError extends Error {}

/** Tokens reserved for the chat template and the instruction around the input. */
const PROMPT_OVERHEAD = 160;

/**
 * Summaries and explanations. Short inputs go to the local chat model in one piece. Inputs too
 * long for its context are, by `fallback.mode`, summarized locally in pieces along their
 * structure and then combined (map-reduce), or — only when the user opted in and remote calls
 * are allowed — sent, with secrets redacted, to the configured OpenAI-compatible endpoint.
 */
export class TextHelpService {
  private apiKey?: string;
  private readonly exclusive = new Mutex();

  constructor(
    private readonly runtime: ModelRuntime,
    private readonly settings: () => Settings,
    private readonly log: Logger,
    /** Where requests go first when `teamServer.summaries` is on. */
    private readonly team?: TeamServer,
  ) {}

  /** The API key from the client's SecretStorage; kept in memory only, never logged. */
  setApiKey(apiKey: string | undefined): void {
    this.apiKey = apiKey || undefined;
  }

  /**
   * Answers one request; one at a time. A cancellation (Stop, or Cancel in the dialog) is not an
   * error: the answer so far comes back marked incomplete.
   */
  run(job: TextHelpJob, io: TextHelpIo): Promise<TextHelpResult> {
    return this.exclusive.run(async () => {
      const started = performance.now();
      let streamed = '';
      const tracked: TextHelpIo = { ...io, onDelta: (delta) => ((streamed += delta), io.onDelta(delta)) };
      try {
        return await this.answer(job, tracked);
      } catch (error) {
        if (!(error instanceof AbortedError)) throw error;
        const status = this.runtime.status;
        const name = (status.chat ?? status).model?.name ?? 'local model';
        return {
          text: streamed,
          model: { name, location: 'local' },
          usage: { promptTokens: 0, completionTokens: 0, ms: Math.round(performance.now() - started) },
          chunks: 0,
          incomplete: true,
        };
      }
    });
  }

  private async answer(job: TextHelpJob, io: TextHelpIo): Promise<TextHelpResult> {
    const started = performance.now();
    if (job.text.trim() === '') throw new TextHelpError(`Nothing to ${job.task}: the text is empty.`);
    const engine = await this.runtime.chat();
    if (!engine) throw new TextHelpError(this.runtime.unavailable('chat'));
    const settings = this.settings();
    const kind = kindOf(job.languageId);
    const answerTokens = settings.summary.maxTokens;
    const budget = engine.info.contextSize - answerTokens - PROMPT_OVERHEAD;
    const inputTokens = engine.countTokens(job.text);
    const usage = { promptTokens: 0, completionTokens: 0, ms: 0, generationMs: 0 };
    const local = { name: engine.info.name, location: 'local' as const };
    const finish = (result: Omit<TextHelpResult, 'usage'>): TextHelpResult => ({
      ...result,
      usage: { ...usage, ms: Math.round(performance.now() - started) },
    });

    const team = this.team?.chatRoute();
    if (team) {
      try {
        const result = await this.remote(job, kind, team, io, usage, false);
        this.team?.chatSucceeded();
        return finish(result);
      } catch (error) {
        if (io.signal.aborted || !(error instanceof RemoteError)) throw error;
        this.team?.chatFailed(team.host, error.message);
        this.log.warn(`The team server could not answer the ${job.task} request (${error.message}); the local model answers.`);
      }
    }

    if (inputTokens <= budget) {
      const answer = await this.chat(engine, taskPrompt(job.task, job.style, kind, job.text), answerTokens, io, usage, true, job.task);
      return finish({ text: answer.text, model: local, chunks: 1, incomplete: answer.aborted || undefined });
    }

    const route = await this.route(job, inputTokens, io);
    if (route.kind === 'remote') return finish(await this.remote(job, kind, route, io, usage, true));
    return finish(await this.mapReduce(engine, job, kind, budget, io, usage));
  }

  /** Where a long request goes, by `fallback.mode`, `network.allowRemote` and the user's answer. */
  private async route(
    job: TextHelpJob,
    inputTokens: number,
    io: TextHelpIo,
  ): Promise<{ kind: 'local' } | { kind: 'remote'; url: URL; host: string; model: string; apiKey?: string }> {
    const { fallback, network } = this.settings();
    if (fallback.mode === 'off') return { kind: 'local' };
    const why = (reason: string): { kind: 'local' } => {
      this.log.info(`Long ${job.task} request (${inputTokens} tokens) stays local: ${reason}`);
      return { kind: 'local' };
    };
    if (!network.allowRemote) return why('slmAssist.network.allowRemote is false.');
    if (!fallback.model) return why('slmAssist.fallback.model is not set.');
    const endpoint = checkEndpoint(fallback.endpoint);
    if (!endpoint.ok) return why(endpoint.reason);
    if (inputTokens + this.settings().summary.maxTokens > fallback.maxContextTokens)
      return why(`it is longer than slmAssist.fallback.maxContextTokens (${fallback.maxContextTokens}).`);
    const remote = { kind: 'remote' as const, url: endpoint.url, host: endpoint.host, model: fallback.model, apiKey: this.apiKey };
    if (fallback.mode === 'auto') return remote;
    const redactions = redactSecrets(job.text).count;
    const { choice } = await io.confirmFallback({ host: endpoint.host, model: fallback.model, tokens: inputTokens, redactions });
    if (choice === 'cancel') throw new AbortedError();
    return choice === 'remote' ? remote : { kind: 'local' };
  }

  private async remote(
    job: TextHelpJob,
    kind: string,
    route: { url: URL; host: string; model: string; apiKey?: string },
    io: TextHelpIo,
    usage: TextHelpResult['usage'],
    /** The fallback redacts; the team server (the organisation's own) gets the text as it is, as for completions. */
    redact: boolean,
  ): Promise<Omit<TextHelpResult, 'usage'>> {
    const redacted = redact ? redactSecrets(job.text) : { text: job.text, count: 0 };
    this.log.info(
      `Sending a ${job.task} request to ${route.host} (model ${route.model || "the server's"})` +
        (redact ? `; ${redacted.count} secrets redacted.` : ' (the team server).'),
    );
    io.onProgress(`Sending to ${route.host}`);
    const answer = await streamChatCompletion(
      {
        url: route.url,
        model: route.model,
        apiKey: route.apiKey,
        messages: [
          { role: 'system', content: systemPrompt },
          { role: 'user', content: taskPrompt(job.task, job.style, kind, redacted.text) },
        ],
        maxTokens: this.settings().summary.maxTokens,
      },
      { signal: io.signal, onDelta: (delta) => io.onDelta(delta), log: this.log },
    );
    usage.promptTokens += answer.usage?.promptTokens ?? 0;
    usage.completionTokens += answer.usage?.completionTokens ?? 0;
    if (answer.incomplete) this.log.warn(`The answer from ${route.host} is incomplete: ${answer.reason ?? 'the stream ended early'}.`);
    return {
      text: answer.text,
      model: { name: route.model, location: 'remote', host: route.host },
      chunks: 1,
      incomplete: answer.incomplete || undefined,
      ...(redact ? { redactions: redacted.count } : {}),
    };
  }

  /** Summarizes each piece, then the summaries, until the result fits; streams the last step. */
  private async mapReduce(
    engine: ChatEngine,
    job: TextHelpJob,
    kind: string,
    budget: number,
    io: TextHelpIo,
    usage: TextHelpResult['usage'],
  ): Promise<Omit<TextHelpResult, 'usage'>> {
    const count = (text: string): number => engine.countTokens(text);
    const local = { name: engine.info.name, location: 'local' as const };
    const pieceTokens = this.settings().summary.maxTokens;
    let pieces = splitByStructure(job.text, budget, count);
    const chunks = pieces.length;
    for (let level = 1; ; level++) {
      const summaries: string[] = [];
      for (const [index, piece] of pieces.entries()) {
        io.onProgress(
          level === 1 ? `reading chunk ${index + 1} of ${pieces.length}` : `combining: part ${index + 1} of ${pieces.length}`,
          Math.round((100 * index) / pieces.length),
        );
        const answer = await this.chat(
          engine,
          piecePrompt(index + 1, pieces.length, kind, piece),
          pieceTokens,
          io,
          usage,
          false,
          'summarize',
        );
        if (answer.aborted) return { text: '', model: local, chunks, incomplete: true };
        summaries.push(answer.text);
      }
      const combined = combinePrompt(job.task, job.style, kind, summaries);
      if (count(combined) <= budget) {
        io.onProgress('writing the summary', 100);
        const answer = await this.chat(engine, combined, this.settings().summary.maxTokens, io, usage, true, job.task);
        return { text: answer.text, model: local, chunks, incomplete: answer.aborted || undefined };
      }
      // The summaries together are still too long: summarize them in pieces again.
      pieces = splitByStructure(summaries.join('\n\n'), budget, count);
      this.log.info(`${job.task}: level ${level + 1} of map-reduce over ${pieces.length} pieces`);
    }
  }

  private async chat(
    engine: ChatEngine,
    prompt: string,
    maxTokens: number,
    io: TextHelpIo,
    usage: TextHelpResult['usage'],
    stream: boolean,
    task: TextHelpTask,
  ): Promise<{ text: string; aborted: boolean }> {
    const messages: ChatMessage[] = [
      { role: 'system', content: systemPrompt },
      { role: 'user', content: prompt },
    ];
    const result = await engine.answer(messages, {
      maxTokens,
      signal: io.signal,
      onDelta: stream ? (delta) => io.onDelta(delta) : undefined,
      // A summary is prose: small models go on to rewrite the code in a fenced block after it.
      stopAt: task === 'summarize' ? ['\n```', '\n~~~'] : undefined,
    });
    usage.promptTokens += result.promptTokens;
    usage.completionTokens += result.completionTokens;
    usage.generationMs = (usage.generationMs ?? 0) + result.generationMs;
    return result;
  }
}
