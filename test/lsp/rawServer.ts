import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { StreamMessageReader, type Message } from 'vscode-languageserver-protocol/node';
import { serverPath } from './harness';

/** A JSON-RPC response as the server sent it. */
export interface RawResponse {
  id: number | string | null;
  result?: unknown;
  error?: { code: number; message: string };
}

/**
 * The built server behind a bare pipe: the fuzz tests write whatever they like to its stdin
 * (any JSON value as a message, or raw bytes) and read its answers, with no client library in
 * between to tidy either up. Server → client requests are answered with MethodNotFound.
 */
export class RawServer {
  readonly responses = new Map<number | string, RawResponse>();
  /** `window/logMessage` texts, by type (1 error, 2 warning, 3 info, 4 log/debug). */
  readonly logs: Array<{ type: number; message: string }> = [];
  stderr = '';
  private waiters: Array<() => void> = [];
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;

  private constructor(readonly process: ChildProcess) {
    this.exited = new Promise((done) => process.once('exit', (code, signal) => done({ code, signal })));
    process.stderr!.on('data', (chunk: Buffer) => (this.stderr = (this.stderr + chunk.toString()).slice(-20_000)));
    // The pipe may break when a test kills the server; the write error is not what it tests.
    process.stdin!.on('error', () => undefined);
    const reader = new StreamMessageReader(process.stdout!);
    reader.listen((message) => this.receive(message));
  }

  static start(env: Record<string, string> = {}): RawServer {
    const child = spawn(process.execPath, [serverPath, '--stdio'], {
      stdio: ['pipe', 'pipe', 'pipe'],
      env: { ...process.env, SLM_ASSIST_STATE_DIR: mkdtempSync(join(tmpdir(), 'slm-state-')), ...env },
    });
    return new RawServer(child);
  }

  private receive(message: Message): void {
    const m = message as unknown as {
      id?: number | string | null;
      method?: string;
      params?: { type?: number; message?: string };
    } & RawResponse;
    if (typeof m.method === 'string') {
      if (m.method === 'window/logMessage' && m.params) this.logs.push({ type: m.params.type ?? 0, message: String(m.params.message) });
      if (m.id !== undefined)
        this.send({ jsonrpc: '2.0', id: m.id, error: { code: -32601, message: 'not implemented by the fuzz client' } });
    } else if (m.id !== undefined && m.id !== null) {
      this.responses.set(m.id, m);
    }
    for (const waiter of this.waiters.splice(0)) waiter();
  }

  /** Writes one message: any JSON value, framed correctly. Returns whether the pipe took it without buffering. */
  send(message: unknown): boolean {
    const body = Buffer.from(JSON.stringify(message), 'utf8');
    return this.write(Buffer.concat([Buffer.from(`Content-Length: ${body.length}\r\n\r\n`, 'ascii'), body]));
  }

  /** Writes raw bytes to the server's stdin. */
  write(bytes: Buffer | string): boolean {
    return this.process.stdin!.write(bytes);
  }

  /** Resolves once the pipe has drained what was written. */
  drained(): Promise<void> {
    const stdin = this.process.stdin!;
    return stdin.writableNeedDrain ? new Promise((done) => stdin.once('drain', () => done())) : Promise.resolve();
  }

  /** Resolves once `done()` is true, re-checking as messages arrive; rejects after `timeoutMs`. */
  waitFor(done: () => boolean, what: string, timeoutMs = 60_000): Promise<void> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        reject(new Error(`Timed out after ${timeoutMs} ms waiting for ${what}. stderr: ${this.stderr.slice(-2000)}`));
      }, timeoutMs);
      const check = (): void => {
        if (done()) {
          clearTimeout(timer);
          resolve();
        } else this.waiters.push(check);
      };
      check();
    });
  }

  /** Sends a request and waits for its response. */
  async request(id: number, method: string, params?: unknown, timeoutMs = 60_000): Promise<RawResponse> {
    this.send({ jsonrpc: '2.0', id, method, ...(params === undefined ? {} : { params }) });
    await this.waitFor(() => this.responses.has(id), `the response to ${method} #${id}`, timeoutMs);
    return this.responses.get(id)!;
  }

  /** Initializes the server with these settings, as an editor would. */
  async initialize(settings: unknown): Promise<void> {
    const response = await this.request(0, 'initialize', {
      processId: process.pid,
      rootUri: null,
      capabilities: { textDocument: { inlineCompletion: { dynamicRegistration: false } } },
      initializationOptions: settings,
    });
    if (response.error) throw new Error(`initialize failed: ${response.error.message}`);
    this.send({ jsonrpc: '2.0', method: 'initialized', params: {} });
  }

  get alive(): boolean {
    return this.process.exitCode === null && this.process.signalCode === null;
  }

  /** The server's resident memory, from /proc. */
  rssBytes(): number {
    const kb = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${this.process.pid}/status`, 'utf8'));
    if (!kb) throw new Error('VmRSS not found in /proc status');
    return Number(kb[1]) * 1024;
  }

  async stop(): Promise<void> {
    if (this.alive) {
      this.send({ jsonrpc: '2.0', id: 'shutdown', method: 'shutdown' });
      await this.waitFor(() => this.responses.has('shutdown') || !this.alive, 'the shutdown response', 10_000).catch(() => undefined);
      this.send({ jsonrpc: '2.0', method: 'exit' });
      const timer = setTimeout(() => this.process.kill('SIGKILL'), 5000);
      await this.exited;
      clearTimeout(timer);
    }
  }
}
