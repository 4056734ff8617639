import { setTimeout as wait } from 'node:timers/promises';
import type { TeamStatus } from '../../../common/protocol';
import type { Settings } from '../../../common/settings';
import type { Logger } from '../log';
import type { CompletionEngine, GenerateOptions, GenerateResult } from '../model/engines';
import { checkBaseUrl } from '../remote/endpoint';
import { AbortedError } from '../util/abort';
import { teamComplete, TeamServerError, type TeamRequest } from './teamClient';

export const TEAM_URL_SETTING = 'slmAssist.teamServer.url';

/** A completion and where it came from. */
export type RoutedResult = GenerateResult & { backend: 'team' | 'local' };

/** Consecutive failures after which the server is left alone for a while. */
const FAILURES_BEFORE_BACKOFF = 2;
/** The first pause after repeated failures; each further failure doubles it, up to {@link MAX_BACKOFF_MS}. */
const FIRST_BACKOFF_MS = 5_000;
const MAX_BACKOFF_MS = 5 * 60_000;

/**
 * Sends completions to the team's inference server (`slmAssist.teamServer.*`) and falls back to the
 * local model: when the server has not answered within `latencyBudgetMs`, fails, or is backed off
 * after repeated failures (retried later, with the status saying "team server unreachable, using
 * the local model"). Off unless the URL is set in the user's settings and `network.allowRemote` is
 * true; the URL obeys the fallback's endpoint rules (`https:` unless on this machine, no
 * credentials, no redirects).
 */
export class TeamServer {
  private failures = 0;
  private retryAt = 0;
  private lastError?: string;
  private loggedOff?: string;

  constructor(
    private readonly settings: () => Settings,
    private readonly log: Logger,
    private readonly onStatus: () => void,
    private readonly apiKey?: string,
    private readonly call: typeof teamComplete = teamComplete,
    private readonly now: () => number = Date.now,
  ) {}

  /** The team server's state for the status bar; undefined when it is off. */
  status(): TeamStatus | undefined {
    const target = this.target();
    if (!target.ok) return target.reason ? { host: '', reachable: false, message: target.reason } : undefined;
    if (this.failures < FAILURES_BEFORE_BACKOFF) return { host: target.host, reachable: true };
    return {
      host: target.host,
      reachable: false,
      message: `team server ${target.host} unreachable, using the local model (${this.lastError ?? 'it failed'}; next try in ${Math.max(0, Math.ceil((this.retryAt - this.now()) / 1000))} s)`,
    };
  }

  /** Whether a completion asked for now goes to the team server first (set, allowed, not backed off). */
  routes(): boolean {
    return this.target().ok && this.now() >= this.retryAt;
  }

  /** Forgets failures (the settings changed: a new URL deserves a fresh start). */
  reset(): void {
    const had = this.failures > 0;
    this.failures = 0;
    this.retryAt = 0;
    this.lastError = undefined;
    this.loggedOff = undefined;
    if (had) this.onStatus();
  }

  /**
   * The completion for `prompt`: from the team server when it answers within the budget, else
   * from `local` (the local model). Cancellation rejects with AbortedError.
   */
  async generate(
    engine: CompletionEngine,
    prompt: readonly number[],
    options: GenerateOptions,
    local: () => Promise<GenerateResult>,
  ): Promise<RoutedResult> {
    const target = this.target();
    if (!target.ok || this.now() < this.retryAt) return { ...(await local()), backend: 'local' };
    const { teamServer } = this.settings();
    const request: TeamRequest = {
      base: target.url,
      api: teamServer.api,
      model: teamServer.model,
      apiKey: this.apiKey,
      prompt: engine.detokenize(prompt),
      maxTokens: options.maxTokens,
      stop: options.stopAtNewline ? ['\n'] : [],
    };
    const controller = new AbortController();
    const onAbort = (): void => controller.abort();
    options.signal.addEventListener('abort', onAbort, { once: true });
    const budget = teamServer.latencyBudgetMs;
    try {
      const answer = await Promise.race([
        this.call(request, controller.signal, this.log),
        wait(budget, undefined, { signal: controller.signal }).then(() => {
          throw new TeamServerError(`no answer within ${budget} ms (slmAssist.teamServer.latencyBudgetMs)`);
        }),
      ]);
      this.succeeded();
      return {
        text: answer.text,
        stopReason: answer.generatedTokens !== undefined && answer.generatedTokens >= options.maxTokens ? 'maxTokens' : 'eog',
        promptTokens: prompt.length,
        evaluatedTokens: answer.evaluatedTokens ?? prompt.length,
        generatedTokens: answer.generatedTokens ?? 0,
        totalMs: answer.ms,
        backend: 'team',
      };
    } catch (error) {
      if (options.signal.aborted) throw new AbortedError();
      if (!(error instanceof TeamServerError)) throw error;
      this.failed(target.host, error.message);
    } finally {
      options.signal.removeEventListener('abort', onAbort);
      // Ends the request when the budget ran out first, and the budget's timer when the answer did.
      controller.abort();
    }
    return { ...(await local()), backend: 'local' };
  }

  /**
   * Where summaries and explanations go when `teamServer.summaries` is on and the server is not
   * backed off: its OpenAI-compatible chat completions URL. Report the outcome with
   * {@link chatSucceeded} or {@link chatFailed}.
   */
  chatRoute(): { url: URL; host: string; model: string; apiKey?: string } | undefined {
    const { teamServer } = this.settings();
    if (!teamServer.summaries) return undefined;
    const target = this.target();
    if (!target.ok || this.now() < this.retryAt) return undefined;
    const url = new URL(target.url.href);
    const path = url.pathname.replace(/\/+$/, '');
    url.pathname = path.endsWith('/v1') ? `${path}/chat/completions` : `${path}/v1/chat/completions`;
    return { url, host: target.host, model: teamServer.model, apiKey: this.apiKey };
  }

  chatSucceeded(): void {
    this.succeeded();
  }

  chatFailed(host: string, reason: string): void {
    this.failed(host, reason);
  }

  private target(): { ok: true; url: URL; host: string } | { ok: false; reason?: string } {
    const { teamServer, network } = this.settings();
    if (!teamServer.url.trim()) return { ok: false };
    if (!network.allowRemote) return this.off('slmAssist.network.allowRemote is false');
    const checked = checkBaseUrl(
      teamServer.url,
      TEAM_URL_SETTING,
      "the team's llama-server, vLLM or Ollama, e.g. https://gpu.example.com:8080",
    );
    if (!checked.ok) return this.off(checked.reason);
    return { ok: true, url: checked.url, host: checked.host };
  }

  private off(reason: string): { ok: false; reason: string } {
    if (this.loggedOff !== reason) {
      this.loggedOff = reason;
      this.log.warn(`The team server is off: ${reason}`);
    }
    return { ok: false, reason: `team server off: ${reason}` };
  }

  private succeeded(): void {
    const was = this.failures >= FAILURES_BEFORE_BACKOFF;
    this.failures = 0;
    this.retryAt = 0;
    this.lastError = undefined;
    if (was) {
      this.log.info('The team server answers again.');
      this.onStatus();
    }
  }

  private failed(host: string, reason: string): void {
    this.failures++;
    this.lastError = reason;
    if (this.failures < FAILURES_BEFORE_BACKOFF) {
      this.log.warn(`Team server ${host}: ${reason}; this completion comes from the local model.`);
      return;
    }
    const pause = Math.min(MAX_BACKOFF_MS, FIRST_BACKOFF_MS * 2 ** (this.failures - FAILURES_BEFORE_BACKOFF));
    this.retryAt = this.now() + pause;
    this.log.warn(`Team server ${host}: ${reason}; failed ${this.failures} times in a row, using the local model for ${pause / 1000} s.`);
    this.onStatus();
  }
}
