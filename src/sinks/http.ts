// Serves /metrics (text or OpenMetrics, gzip when asked), /healthz, /readyz and an index page, with timeouts, TLS/mTLS and auth.
import http from 'node:http';
import http2 from 'node:http2';
import https from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import type tls from 'node:tls';
import { promisify } from 'node:util';
import zlib from 'node:zlib';
import type { ListenAddress } from '../config.js';
import { ConfigError } from '../errors.js';
import type { Logger } from '../log.js';
import { BasicAuth } from './basic-auth.js';
import { refusal, serverAuthOptions } from './client-cert.js';
import { LiveWebConfig } from './live-web-config.js';
import type { ExporterMetrics } from './metrics.js';
import { NO_WEB_CONFIG, secureContextOptions, type TlsSettings, type WebConfig } from './web-config.js';

export interface ServerOptions {
  listen: ListenAddress;
  /** An exporter-toolkit web config file, re-read while serving; undefined: plain HTTP, no auth. */
  webConfigFile: string | undefined;
  /** Where the metrics are served (`--web.telemetry-path`). */
  telemetryPath: string;
  /** True while the sources are open and being read. */
  ready: () => boolean;
  log: Logger;
}

export interface RunningServer {
  url: string;
  close(): Promise<void>;
}

/** What both HTTP/1.1 and HTTP/2 (compatibility API) requests and responses offer, and all this file uses. */
interface Request {
  method?: string;
  url?: string;
  headers: http.IncomingHttpHeaders;
}
interface Reply {
  headersSent: boolean;
  setHeader(name: string, value: string | number): unknown;
  writeHead(status: number, headers?: http.OutgoingHttpHeaders): unknown;
  end(): unknown;
  end(body: string | Buffer): unknown;
}

/** The timeouts every server gets (see docs/metrics.md): a slow or silent client never holds a scrape. */
interface Timeouts {
  connectionsCheckingInterval: number;
  headersTimeout: number;
  requestTimeout: number;
  keepAliveTimeout: number;
  maxHeadersCount: number | null;
}

const gzip = promisify(zlib.gzip);

function index(telemetryPath: string): string {
  const metrics = telemetryPath.replace(/^\//, '').replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`);
  return `<!doctype html><html><head><meta charset="utf-8"><title>oss-error-exporter</title></head>
<body><h1>oss-error-exporter</h1><ul><li><a href="${metrics || './'}">metrics</a></li><li><a href="healthz">healthz</a></li>
<li><a href="readyz">readyz</a></li></ul></body></html>
`;
}

/** What a running server cannot switch on the fly, as in exporter-toolkit. */
function liveCheck(next: WebConfig, previous: WebConfig): string | undefined {
  if ((next.tls === undefined) !== (previous.tls === undefined))
    return 'turning TLS on or off needs a restart';
  if (next.tls !== undefined && next.http2 !== previous.http2) return 'changing http2 needs a restart';
  return undefined;
}

/** Starts the server; resolves once it listens, with its URL (the real port when 0 was asked). */
export async function startServer(metrics: ExporterMetrics, options: ServerOptions): Promise<RunningServer> {
  const { log } = options;
  const live = options.webConfigFile ? new LiveWebConfig(options.webConfigFile, log, liveCheck) : undefined;
  const web = (): WebConfig => live?.current() ?? NO_WEB_CONFIG;
  const initial = web();
  const auth = new BasicAuth();
  const limiter = new RateLimiter();
  const handler = (req: Request, res: Reply) => {
    respond(req, res, metrics, options, web(), auth, limiter).catch((error: Error) => {
      log.error({ err: error.message }, 'request failed');
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
      res.end('internal error\n');
    });
  };
  // Node checks the header and request timeouts only every connectionsCheckingInterval (30 s by default):
  // check every second, so a slow-header client is cut off close to the 5 s it is given.
  const base = { connectionsCheckingInterval: 1_000 };
  let server: http.Server | tls.Server;
  const t = initial.tls;
  if (t === undefined) {
    server = http.createServer(base, handler);
  } else {
    const tlsOptions = {
      ...base,
      ...secureContextOptions(t),
      ...serverAuthOptions(t.clientAuth),
      // A client that connects and never finishes the handshake is cut off like a slow-header one (not 120 s).
      handshakeTimeout: 5_000,
    };
    // HTTP/2 by ALPN, HTTP/1.1 for everyone else, as Go's server does; `http2: false` offers HTTP/1.1 only.
    const secure = initial.http2
      ? http2.createSecureServer({ ...tlsOptions, allowHTTP1: true }, handler)
      : https.createServer(tlsOptions, handler);
    // HTTP/2 sessions have no request timeouts of their own: an idle session is closed after 10 s.
    if (initial.http2) secure.setTimeout(10_000);
    watchTls(secure, t, () => web().tls, log);
    server = secure;
  }
  Object.assign(server, {
    // The HTTP/2 server (for its HTTP/1.1 side) reads this property, not the option.
    connectionsCheckingInterval: 1_000,
    headersTimeout: 5_000,
    requestTimeout: 10_000,
    keepAliveTimeout: 5_000,
    maxHeadersCount: 64,
  } satisfies Timeouts);
  // Every connection, TLS or not, HTTP/1.1 or HTTP/2, so closing never waits on an idle keep-alive.
  const sockets = new Set<Socket>();
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  server.on('clientError', (_error, socket) => {
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nconnection: close\r\n\r\n');
    socket.destroy();
  });
  await new Promise<void>((resolve, reject) => {
    // A taken or forbidden address is the operator's to fix: one line, exit 2 (found by the metrics branch).
    server.once('error', (error: NodeJS.ErrnoException) =>
      reject(
        new ConfigError(
          `--listen ${options.listen.host ?? ''}:${options.listen.port}: ${error.code ?? error.message}`,
        ),
      ),
    );
    server.listen(options.listen.port, options.listen.host, () => {
      server.removeAllListeners('error');
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return {
    url: `${t ? 'https' : 'http'}://${host}:${address.port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const socket of sockets) socket.destroy();
        void auth.close();
      }),
  };
}

/**
 * Per connection, as exporter-toolkit does: a changed certificate, key, CA or TLS setting is put in place before
 * the handshake reads it, and the client-certificate policy is checked before any request is read.
 */
function watchTls(
  server: tls.Server,
  initial: TlsSettings,
  current: () => TlsSettings | undefined,
  log: Logger,
): void {
  let applied = initial;
  // Prepended: these run before Node's own listeners create the TLS socket / attach the HTTP parser.
  server.prependListener('connection', () => {
    const now = current();
    if (now === undefined || now === applied) return;
    server.setSecureContext(secureContextOptions(now));
    Object.assign(server, serverAuthOptions(now.clientAuth));
    applied = now;
  });
  server.prependListener('secureConnection', (socket: tls.TLSSocket) => {
    const reason = refusal(socket, applied);
    if (reason === undefined) return;
    log.debug({ remote: socket.remoteAddress, reason }, 'TLS client refused');
    socket.destroy();
  });
}

/** Go's `rate.Limiter` as exporter-toolkit uses it: a bucket of `burst` tokens, one back every `interval`. */
class RateLimiter {
  private tokens = 0;
  private last = 0;
  private config: WebConfig['rateLimit'];

  allow(config: WebConfig['rateLimit'], now = performance.now()): boolean {
    if (config === undefined) return true;
    if (config.intervalMs !== this.config?.intervalMs || config.burst !== this.config?.burst) {
      this.config = config;
      this.tokens = config.burst;
      this.last = now;
    }
    this.tokens = Math.min(config.burst, this.tokens + (now - this.last) / config.intervalMs);
    this.last = now;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}

/** `Accept-Encoding` asks for gzip (or `*`) with a non-zero q; an explicit `gzip;q=0` wins over `*`. */
export function acceptsGzip(header: string | undefined): boolean {
  let star = false;
  for (const part of (header ?? '').split(',')) {
    const [name, ...params] = part.trim().toLowerCase().split(';');
    const q = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
    const wanted = q === undefined || Number(q.slice(2)) > 0;
    if (name === 'gzip' || name === 'x-gzip') return wanted;
    if (name === '*') star = wanted;
  }
  return star;
}

async function respond(
  req: Request,
  res: Reply,
  metrics: ExporterMetrics,
  options: ServerOptions,
  web: WebConfig,
  auth: BasicAuth,
  limiter: RateLimiter,
): Promise<void> {
  for (const [name, value] of Object.entries(web.headers)) res.setHeader(name, value);
  const send = (
    status: number,
    type: string,
    body: string | Buffer,
    extra: http.OutgoingHttpHeaders = {},
  ) => {
    res.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(body), ...extra });
    if (req.method === 'HEAD') res.end();
    else res.end(body);
  };
  const plain = 'text/plain; charset=utf-8';
  if (!limiter.allow(web.rateLimit)) {
    send(429, plain, 'too many requests\n');
    return;
  }
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    send(405, plain, 'method not allowed\n', { allow: 'GET, HEAD' });
    return;
  }
  if (web.users) {
    const verdict = await auth.check(req.headers.authorization, web.users);
    if (verdict === 'busy') {
      send(429, plain, 'too many password checks in progress\n', { 'retry-after': '1' });
      return;
    }
    if (verdict === 'denied') {
      send(401, plain, 'unauthorized\n', { 'www-authenticate': 'Basic realm="oss-error-exporter"' });
      return;
    }
  }
  const path = (req.url ?? '/').split('?')[0];
  if (path === options.telemetryPath) {
    const openMetrics = (req.headers.accept ?? '').includes('application/openmetrics-text');
    const registry = openMetrics ? metrics.openMetrics : metrics.text;
    const body = await registry.metrics();
    if (acceptsGzip(req.headers['accept-encoding'])) {
      send(200, registry.contentType, await gzip(body), {
        'content-encoding': 'gzip',
        vary: 'Accept-Encoding',
      });
    } else {
      send(200, registry.contentType, body, { vary: 'Accept-Encoding' });
    }
    return;
  }
  switch (path) {
    case '/healthz':
      send(200, plain, 'ok\n');
      return;
    case '/readyz':
      if (options.ready()) send(200, plain, 'ready\n');
      else send(503, plain, 'not ready: no source open\n');
      return;
    case '/':
      send(200, 'text/html; charset=utf-8', index(options.telemetryPath));
      return;
    default:
      send(404, plain, 'not found\n');
  }
}
