// A real HTTPS client for TLS tests: reports what was negotiated, the answer, or why the connection failed.
import fs from 'node:fs';
import https from 'node:https';
import type tls from 'node:tls';

export interface ClientOptions {
  /** CA file that signed the server certificate. */
  ca: string;
  cert?: string;
  key?: string;
  minVersion?: tls.SecureVersion;
  maxVersion?: tls.SecureVersion;
  ciphers?: string;
  ecdhCurve?: string;
  /** `user:password` for basic auth */
  auth?: string;
  path?: string;
  headers?: Record<string, string>;
}

export interface Outcome {
  status?: number;
  body?: string;
  headers?: Record<string, string | string[] | undefined>;
  /** Set when no HTTP answer came: the connection was refused, reset or the handshake failed. */
  error?: string;
  protocol?: string | null;
  cipher?: string;
  /** The key-exchange group, e.g. secp384r1. */
  group?: string;
  /** The server certificate's subject CN, to see which certificate was served. */
  serverCn?: string;
}

/** One request on a new connection (no agent: every call is a fresh handshake). */
export function tlsGet(url: string, o: ClientOptions): Promise<Outcome> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const outcome: Outcome = {};
    const req = https.request(
      {
        host: hostname,
        port,
        path: o.path ?? '/metrics',
        servername: 'localhost',
        agent: false,
        ca: fs.readFileSync(o.ca),
        cert: o.cert ? fs.readFileSync(o.cert) : undefined,
        key: o.key ? fs.readFileSync(o.key) : undefined,
        minVersion: o.minVersion,
        maxVersion: o.maxVersion,
        ciphers: o.ciphers,
        ecdhCurve: o.ecdhCurve,
        auth: o.auth,
        headers: o.headers,
      },
      (res) => {
        let body = '';
        res.setEncoding('latin1');
        res.on('data', (d: string) => {
          body += d;
        });
        res.on('end', () => resolve({ ...outcome, status: res.statusCode, body, headers: res.headers }));
        res.on('error', (error: NodeJS.ErrnoException) =>
          resolve({ ...outcome, error: error.code ?? 'error' }),
        );
      },
    );
    req.on('socket', (socket) => {
      socket.on('secureConnect', () => {
        const s = socket as tls.TLSSocket;
        outcome.protocol = s.getProtocol();
        outcome.cipher = s.getCipher()?.name;
        const key = s.getEphemeralKeyInfo() as tls.EphemeralKeyInfo | null;
        outcome.group = key?.name;
        outcome.serverCn = s.getPeerCertificate()?.subject?.CN as string | undefined;
      });
    });
    req.setTimeout(5_000, () => req.destroy(new Error('timeout')));
    req.on('error', (error: NodeJS.ErrnoException) =>
      resolve({ ...outcome, error: error.code ?? error.message }),
    );
    req.end();
  });
}
