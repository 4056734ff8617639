import {
  createServer as createHttpServer,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';

/**
 * A real HTTP server for download tests, on 127.0.0.1 (or `host`) and a free port, serving files
 * from memory with the misbehaviours real hosts and mirrors have: ignoring Range, dropping the
 * connection, sending slowly or not at all, redirecting, refusing. Every request is recorded.
 */
export interface FileRoute {
  body: Buffer;
  /** `honour` (default): a Range gets 206 with Content-Range (416 past the end); `ignore`: always 200 and the whole file. */
  range?: 'honour' | 'ignore';
  /** Destroys the connection after this many body bytes, on the first `dropTimes` requests (default 1; Infinity: every time). */
  dropAfterBytes?: number;
  dropTimes?: number;
  /** Sends `chunkBytes` every `everyMs` instead of as fast as the socket takes it. */
  slow?: { chunkBytes: number; everyMs: number };
  /** Sends the headers and this many bytes (0 when set without a number), then nothing, with the connection left open. */
  stallAfterBytes?: number;
  contentType?: string;
}

export interface RedirectRoute {
  /** The Location: a path on this server or an absolute URL. */
  redirect: string;
  status?: 301 | 302 | 303 | 307 | 308;
}

export interface StatusRoute {
  status: number;
  text?: string;
}

export type Route = FileRoute | RedirectRoute | StatusRoute;

export interface RecordedRequest {
  method: string;
  /** Path and query as sent. */
  path: string;
  /** The Range header, if any. */
  range: string | undefined;
  headers: IncomingHttpHeaders;
}

export interface ModelServerOptions {
  /** Where to listen (default 127.0.0.1); `localhost` gives a second host name for redirect tests. */
  host?: string;
  /** Serves https with this key and certificate instead of http. */
  tls?: { key: string; cert: string };
}

export interface ModelServer {
  /** `http://127.0.0.1:PORT`. */
  origin: string;
  url(path: string): URL;
  /** Adds or replaces the route for a path (without query). */
  route(path: string, route: Route): void;
  requests: RecordedRequest[];
  /** The requests for one path (without query). */
  requestsTo(path: string): RecordedRequest[];
  close(): Promise<void>;
}

/** Body bytes per write when not sending slowly. */
const CHUNK_BYTES = 64 * 1024;

export async function startModelServer(routes: Record<string, Route>, options: ModelServerOptions = {}): Promise<ModelServer> {
  const table = new Map<string, Route>(Object.entries(routes));
  const drops = new Map<string, number>();
  const requests: RecordedRequest[] = [];
  const handle = (req: IncomingMessage, res: ServerResponse): void => {
    const path = req.url ?? '/';
    const pathname = new URL(path, 'http://x').pathname;
    requests.push({ method: req.method ?? 'GET', path, range: req.headers.range, headers: req.headers });
    const route = table.get(pathname);
    if (!route) return void res.writeHead(404, { 'Content-Type': 'text/plain' }).end('Not found');
    if ('redirect' in route) return void res.writeHead(route.status ?? 302, { Location: route.redirect }).end();
    if ('status' in route)
      return void res.writeHead(route.status, { 'Content-Type': 'text/plain' }).end(route.text ?? `HTTP ${route.status}`);
    const dropsSoFar = drops.get(pathname) ?? 0;
    const drop = route.dropAfterBytes !== undefined && dropsSoFar < (route.dropTimes ?? 1);
    if (drop) drops.set(pathname, dropsSoFar + 1);
    sendFile(req, res, route, drop);
  };
  const server: Server = options.tls ? createHttpsServer(options.tls, handle) : createHttpServer(handle);
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, host, resolve);
  });
  const port = (server.address() as AddressInfo).port;
  const origin = `${options.tls ? 'https' : 'http'}://${host}:${port}`;
  return {
    origin,
    url: (path) => new URL(path, origin),
    route: (path, route) => void table.set(path, route),
    requests,
    requestsTo: (path) => requests.filter((r) => new URL(r.path, 'http://x').pathname === path),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function sendFile(req: IncomingMessage, res: ServerResponse, route: FileRoute, drop: boolean): void {
  const size = route.body.length;
  let body = route.body;
  const headers: Record<string, string | number> = {
    'Content-Type': route.contentType ?? 'application/octet-stream',
    'Accept-Ranges': route.range === 'ignore' ? 'none' : 'bytes',
  };
  let status = 200;
  const range = /^bytes=(\d+)-(\d*)$/.exec(req.headers.range ?? '');
  if (range && route.range !== 'ignore') {
    const start = Number(range[1]);
    if (start >= size) return void res.writeHead(416, { 'Content-Range': `bytes */${size}` }).end();
    const end = range[2] ? Math.min(Number(range[2]), size - 1) : size - 1;
    body = route.body.subarray(start, end + 1);
    status = 206;
    headers['Content-Range'] = `bytes ${start}-${end}/${size}`;
  }
  res.writeHead(status, { ...headers, 'Content-Length': body.length });
  res.flushHeaders();
  const stall = route.stallAfterBytes !== undefined;
  let limit = body.length;
  if (stall) limit = Math.min(route.stallAfterBytes ?? 0, limit);
  else if (drop) limit = Math.min(route.dropAfterBytes ?? 0, limit);
  const chunkBytes = route.slow?.chunkBytes ?? CHUNK_BYTES;
  let sent = 0;
  let timer: NodeJS.Timeout | undefined;
  res.on('close', () => clearTimeout(timer));
  const next = (): void => {
    if (res.destroyed) return;
    if (sent >= limit) {
      if (drop) res.socket?.destroy();
      else if (!stall) res.end();
      return;
    }
    const piece = body.subarray(sent, Math.min(sent + chunkBytes, limit));
    sent += piece.length;
    res.write(piece, () => {
      if (route.slow) timer = setTimeout(next, route.slow.everyMs);
      else next();
    });
  };
  next();
}
