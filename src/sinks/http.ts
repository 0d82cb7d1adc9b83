// Serves /metrics (Prometheus text or OpenMetrics), /healthz, /readyz and an index page, with timeouts and optional TLS/auth.
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import type { ListenAddress } from '../config.js';
import { ConfigError } from '../errors.js';
import type { ExporterMetrics } from './metrics.js';
import { BasicAuth, type WebConfig } from './web-config.js';

export interface ServerOptions {
  listen: ListenAddress;
  web: WebConfig;
  /** True while the sources are open and being read. */
  ready: () => boolean;
}

export interface RunningServer {
  url: string;
  close(): Promise<void>;
}

const INDEX = `<!doctype html><html><head><meta charset="utf-8"><title>oss-error-exporter</title></head>
<body><h1>oss-error-exporter</h1><ul><li><a href="metrics">metrics</a></li><li><a href="healthz">healthz</a></li>
<li><a href="readyz">readyz</a></li></ul></body></html>
`;

/** Starts the server; resolves once it listens, with its URL (the real port when 0 was asked). */
export async function startServer(metrics: ExporterMetrics, options: ServerOptions): Promise<RunningServer> {
  const auth = options.web.users ? new BasicAuth(options.web.users) : undefined;
  const handler = (req: http.IncomingMessage, res: http.ServerResponse) => {
    respond(req, res, metrics, options, auth).catch(() => {
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
      res.end('internal error\n');
    });
  };
  // Node checks the header and request timeouts only every connectionsCheckingInterval (30 s by default):
  // check every second, so a slow-header client is cut off close to the 5 s it is given.
  const serverOptions = { connectionsCheckingInterval: 1_000 };
  const server = options.web.tls
    ? https.createServer({ ...serverOptions, ...options.web.tls }, handler)
    : http.createServer(serverOptions, handler);
  // A slow or silent client is cut off; it never holds the process or other scrapes.
  server.headersTimeout = 5_000;
  server.requestTimeout = 10_000;
  server.keepAliveTimeout = 5_000;
  server.maxHeadersCount = 64;
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
    url: `${options.web.tls ? 'https' : 'http'}://${host}:${address.port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

async function respond(
  req: http.IncomingMessage,
  res: http.ServerResponse,
  metrics: ExporterMetrics,
  options: ServerOptions,
  auth: BasicAuth | undefined,
): Promise<void> {
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.writeHead(405, { allow: 'GET, HEAD', 'content-type': 'text/plain' }).end('method not allowed\n');
    return;
  }
  if (auth && !(await auth.check(req.headers.authorization))) {
    res.writeHead(401, {
      'www-authenticate': 'Basic realm="oss-error-exporter"',
      'content-type': 'text/plain',
    });
    res.end('unauthorized\n');
    return;
  }
  const path = (req.url ?? '/').split('?')[0];
  const send = (status: number, type: string, body: string) => {
    res.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(body) });
    res.end(req.method === 'HEAD' ? undefined : body);
  };
  switch (path) {
    case '/metrics': {
      const openMetrics = (req.headers.accept ?? '').includes('application/openmetrics-text');
      const registry = openMetrics ? metrics.openMetrics : metrics.text;
      send(200, registry.contentType, await registry.metrics());
      return;
    }
    case '/healthz':
      send(200, 'text/plain; charset=utf-8', 'ok\n');
      return;
    case '/readyz':
      if (options.ready()) send(200, 'text/plain; charset=utf-8', 'ready\n');
      else send(503, 'text/plain; charset=utf-8', 'not ready: no source open\n');
      return;
    case '/':
      send(200, 'text/html; charset=utf-8', INDEX);
      return;
    default:
      send(404, 'text/plain; charset=utf-8', 'not found\n');
  }
}
