import { createReadStream } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { FederaError } from '@federa/core';
import { type AssetSource, assetSize, checkAssetName, contentType, dashboardFiles } from './static-assets.js';
import type { DashboardEvent, DashboardSource } from './types.js';

export interface DashboardOptions {
  /** URL prefix the dashboard lives under (default '' = the site root), e.g. '/dashboard'. */
  readonly basePath?: string;
  /**
   * Extra files served under `<basePath>/assets/<name>`: bytes, or a file path read on each
   * request (e.g. the browser client bundle and TF.js's .wasm files).
   */
  readonly assets?: Readonly<Record<string, AssetSource>>;
  /** Milliseconds between SSE keep-alive comments (default 15000). */
  readonly heartbeatMs?: number;
  /** An SSE client whose unsent buffer grows past this many bytes is dropped (default 8 MiB). */
  readonly maxBufferedBytes?: number;
}

/** A request handler (true when it answered) that can also end its open event streams. */
export interface DashboardHandler {
  (req: IncomingMessage, res: ServerResponse): boolean;
  /** Ends every open `/api/events` stream (call before `server.close()`, which waits for them). */
  close(): void;
  /** Open `/api/events` streams. */
  readonly streams: number;
}

const PAGE_HEADERS = {
  'Content-Security-Policy':
    "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
};

/**
 * Serves the live dashboard: GET `/` (the page), `/assets/*` (its script and style, plus
 * `options.assets`), `/api/status`, `/api/rounds`, `/api/clients` (JSON) and `/api/events`
 * (Server-Sent Events: a `snapshot` event `{ status, rounds, clients }`, then `status`,
 * `round` and `client` events as the source pushes them). All under `options.basePath`.
 * Returns true when it answered the request, false for paths it does not own.
 *
 * @example
 * const dashboard = dashboardHandler(source);
 * const server = http.createServer((req, res) => dashboard(req, res) || metrics(req, res) || notFound(res));
 * // on shutdown: dashboard.close(); server.close();
 */
export function dashboardHandler(source: DashboardSource, options: DashboardOptions = {}): DashboardHandler {
  const base = (options.basePath ?? '').replace(/\/+$/, '');
  if (base !== '' && !/^\/[A-Za-z0-9._~/-]*$/.test(base)) {
    throw new FederaError('E_ARG', `basePath '${options.basePath}' must start with '/' and be a plain path`);
  }
  const heartbeatMs = options.heartbeatMs ?? 15_000;
  const maxBuffered = options.maxBufferedBytes ?? 8 * 1024 * 1024;
  const files = dashboardFiles();
  const assets = new Map<string, AssetSource>([
    ['dashboard.js', files.js],
    ['dashboard.css', files.css],
  ]);
  for (const [name, src] of Object.entries(options.assets ?? {})) {
    checkAssetName(name);
    assets.set(name, src);
  }
  const open = new Set<() => void>();

  const handler = ((req: IncomingMessage, res: ServerResponse): boolean => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    let path = url.pathname;
    if (base !== '') {
      if (path === base) {
        res.writeHead(308, { Location: `${base}/${url.search}` });
        res.end();
        return true;
      }
      if (!path.startsWith(`${base}/`)) return false;
      path = path.slice(base.length);
    }
    const known =
      path === '/' || path === '/index.html' || path.startsWith('/assets/') || API.has(path) || path === '/api/events';
    if (!known) return false;
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { Allow: 'GET, HEAD', 'Content-Type': 'text/plain; charset=utf-8' });
      res.end('method not allowed\n');
      return true;
    }
    if (path === '/' || path === '/index.html') {
      send(req, res, 200, files.html, { 'Content-Type': 'text/html; charset=utf-8', ...PAGE_HEADERS });
    } else if (path.startsWith('/assets/')) {
      serveAsset(req, res, assets.get(path.slice('/assets/'.length)), path);
    } else if (path === '/api/events' && req.method === 'HEAD') {
      res.writeHead(200, { 'Content-Type': 'text/event-stream; charset=utf-8', 'Cache-Control': 'no-store' });
      res.end();
    } else if (path === '/api/events') {
      streamEvents(res, source, heartbeatMs, maxBuffered, open);
    } else {
      const body = JSON.stringify(API.get(path)!(source));
      send(req, res, 200, body, { 'Content-Type': 'application/json; charset=utf-8', 'Cache-Control': 'no-store' });
    }
    return true;
  }) as DashboardHandler;
  handler.close = () => {
    for (const end of [...open]) end();
  };
  Object.defineProperty(handler, 'streams', { get: () => open.size });
  return handler;
}

const API = new Map<string, (s: DashboardSource) => unknown>([
  ['/api/status', (s) => s.status()],
  ['/api/rounds', (s) => s.rounds()],
  ['/api/clients', (s) => s.clients()],
]);

function send(
  req: IncomingMessage,
  res: ServerResponse,
  status: number,
  body: string | Uint8Array,
  headers: Record<string, string>,
): void {
  res.writeHead(status, { ...headers, 'Content-Length': Buffer.byteLength(body) });
  res.end(req.method === 'HEAD' ? undefined : body);
}

function serveAsset(req: IncomingMessage, res: ServerResponse, src: AssetSource | undefined, path: string): void {
  const notFound = () => send(req, res, 404, 'not found\n', { 'Content-Type': 'text/plain; charset=utf-8' });
  if (src === undefined) {
    notFound();
    return;
  }
  const headers = {
    'Content-Type': contentType(path),
    'Cache-Control': 'no-cache',
    'X-Content-Type-Options': 'nosniff',
  };
  if (typeof src !== 'string') {
    send(req, res, 200, src, headers);
    return;
  }
  void assetSize(src).then((size) => {
    if (size === undefined) return notFound();
    res.writeHead(200, { ...headers, 'Content-Length': size });
    if (req.method === 'HEAD') return res.end();
    createReadStream(src)
      .on('error', () => res.destroy())
      .pipe(res);
  });
}

/** Opens one SSE stream and registers the function that ends it in `open`. */
function streamEvents(
  res: ServerResponse,
  source: DashboardSource,
  heartbeatMs: number,
  maxBuffered: number,
  open: Set<() => void>,
): void {
  // An event stream's connection is never reused: ending the stream closes the socket, so
  // `server.close()` need not wait for a keep-alive timeout.
  res.shouldKeepAlive = false;
  res.writeHead(200, {
    'Content-Type': 'text/event-stream; charset=utf-8',
    'Cache-Control': 'no-store',
    'X-Accel-Buffering': 'no',
  });
  let id = 0;
  let ended = false;
  let unsubscribe = () => {};
  let timer: ReturnType<typeof setInterval> | undefined;
  const end = () => {
    if (ended) return;
    ended = true;
    unsubscribe();
    clearInterval(timer);
    open.delete(end);
    res.end();
  };
  open.add(end);
  res.on('close', end);
  res.on('error', end);
  const write = (event: string, data: unknown) => {
    if (ended) return;
    res.write(`id: ${++id}\nevent: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
    if (res.writableLength > maxBuffered) end();
  };
  res.write('retry: 2000\n\n');
  write('snapshot', { status: source.status(), rounds: source.rounds(), clients: source.clients() });
  if (ended) return;
  unsubscribe = source.subscribe((e: DashboardEvent) => write(e.type, payload(e)));
  timer = setInterval(() => {
    if (!ended) res.write(': ping\n\n');
  }, heartbeatMs);
  timer.unref?.();
}

function payload(e: DashboardEvent): unknown {
  switch (e.type) {
    case 'status':
      return e.status;
    case 'round':
      return e.round;
    case 'client':
      return e.client;
  }
}
