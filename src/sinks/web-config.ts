// Reads a Prometheus exporter-toolkit web config (TLS, mTLS, headers, basic auth, rate limit) so operators reuse what they know.
import { X509Certificate } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import tls from 'node:tls';
import { parse } from 'yaml';
import { ConfigError } from '../errors.js';
import {
  CIPHER_SUITES,
  CLIENT_AUTH_TYPES,
  type ClientAuthType,
  CURVES,
  EXTRA_HEADERS,
  TLS_VERSIONS,
  TLS13_SUITES,
} from './go-tls-names.js';

export interface TlsSettings {
  cert: Buffer;
  key: Buffer;
  /** Client CAs (PEM); Node's bundled roots verify clients when absent, as Go's system pool does. */
  ca: Buffer | undefined;
  clientAuth: ClientAuthType;
  /** The client certificate must carry one of these SANs (DNS, IP, e-mail or URI), exactly. */
  allowedSans: readonly string[] | undefined;
  minVersion: tls.SecureVersion;
  maxVersion: tls.SecureVersion;
  /** OpenSSL cipher list for TLS ≤ 1.2; undefined: Node's default. */
  ciphers: string | undefined;
  /** OpenSSL group list; undefined: Node's default. */
  ecdhCurve: string | undefined;
  honorCipherOrder: boolean;
}

export interface WebConfig {
  tls: TlsSettings | undefined;
  http2: boolean;
  headers: Readonly<Record<string, string>>;
  /** user → bcrypt hash */
  users: ReadonlyMap<string, string> | undefined;
  rateLimit: { intervalMs: number; burst: number } | undefined;
  /** The config file and every file it names: a change to any of them is re-read while serving. */
  files: readonly string[];
}

export const NO_WEB_CONFIG: WebConfig = Object.freeze({
  tls: undefined,
  http2: true,
  headers: {},
  users: undefined,
  rateLimit: undefined,
  files: [],
});

const TOP_KEYS = ['tls_server_config', 'http_server_config', 'basic_auth_users', 'rate_limit'];
const TLS_KEYS = [
  'cert',
  'key',
  'client_ca',
  'cert_file',
  'key_file',
  'client_auth_type',
  'client_ca_file',
  'client_allowed_sans',
  'min_version',
  'max_version',
  'cipher_suites',
  'curve_preferences',
  'prefer_server_cipher_suites',
];
const HTTP_KEYS = ['http2', 'headers'];
const RATE_KEYS = ['interval', 'burst'];

/**
 * Reads and checks the whole file at once, as exporter-toolkit's strict YAML decoding does: a key it does not
 * know, a value of the wrong type, a name Go would not accept, or a key that does not match its certificate is
 * a ConfigError naming it. Paths are relative to the config file. Nothing is silently ignored.
 *
 * @example loadWebConfig('/etc/oss-error-exporter/web.yml').tls?.clientAuth // 'RequireAndVerifyClientCert'
 */
export function loadWebConfig(file: string): WebConfig {
  const fail = (what: string): never => {
    throw new ConfigError(`--web-config ${file}: ${what}`);
  };
  let doc: unknown;
  try {
    doc = parse(fs.readFileSync(file, 'utf8'));
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    fail(code ?? (error as Error).message.split('\n')[0] ?? 'unreadable');
  }
  const top = mapping(doc ?? {}, '', fail, TOP_KEYS);
  const files = [file];
  const dir = path.dirname(file);
  const readFile = (key: string, p: unknown): Buffer => {
    const resolved = path.resolve(dir, str(p, key, fail));
    files.push(resolved);
    try {
      return fs.readFileSync(resolved);
    } catch (error) {
      return fail(`${key} ${String(p)}: ${(error as NodeJS.ErrnoException).code ?? 'unreadable'}`);
    }
  };

  const tlsDoc = mapping(top.tls_server_config ?? {}, 'tls_server_config.', fail, TLS_KEYS);
  const tlsSettings = Object.keys(tlsDoc).length > 0 ? tlsConfig(tlsDoc, readFile, fail) : undefined;

  const httpDoc = mapping(top.http_server_config ?? {}, 'http_server_config.', fail, HTTP_KEYS);
  const http2 = httpDoc.http2 === undefined ? true : bool(httpDoc.http2, 'http_server_config.http2', fail);
  const headerDoc = mapping(httpDoc.headers ?? {}, 'http_server_config.headers.', fail, [
    ...EXTRA_HEADERS.keys(),
  ]);
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(headerDoc)) {
    const text = str(value, `http_server_config.headers.${name}`, fail);
    const allowed = EXTRA_HEADERS.get(name) ?? [];
    if (allowed.length > 0 && !allowed.includes(text)) {
      fail(`http_server_config.headers.${name}: expected one of ${allowed.join(', ')}, got '${text}'`);
    }
    // exporter-toolkit: "Unset if blank."
    if (text !== '') headers[name] = text;
  }

  let users: Map<string, string> | undefined;
  if (top.basic_auth_users !== undefined && top.basic_auth_users !== null) {
    users = new Map();
    for (const [user, hash] of Object.entries(mapping(top.basic_auth_users, 'basic_auth_users.', fail))) {
      if (typeof hash !== 'string' || !/^\$2[aby]?\$\d\d\$[./A-Za-z0-9]{53}$/.test(hash)) {
        fail(`basic_auth_users.${user} is not a bcrypt hash`);
      }
      users.set(user, hash as string);
    }
  }

  let rateLimit: WebConfig['rateLimit'];
  const rateDoc = mapping(top.rate_limit ?? {}, 'rate_limit.', fail, RATE_KEYS);
  const intervalMs = rateDoc.interval === undefined ? 0 : goDuration(rateDoc.interval, fail);
  if (intervalMs > 0) {
    const burst = rateDoc.burst;
    if (typeof burst !== 'number' || !Number.isInteger(burst) || burst < 1) {
      fail(`rate_limit.burst: expected a whole number of at least 1, got '${String(burst)}'`);
    }
    rateLimit = { intervalMs, burst: burst as number };
  } else if (rateDoc.burst !== undefined) {
    fail('rate_limit.burst without rate_limit.interval');
  }

  return Object.freeze({
    tls: tlsSettings,
    http2,
    headers: Object.freeze(headers),
    users,
    rateLimit,
    files: Object.freeze(files),
  });
}

function tlsConfig(
  doc: Record<string, unknown>,
  readFile: (key: string, p: unknown) => Buffer,
  fail: (what: string) => never,
): TlsSettings {
  const pem = (inline: string, fileKey: string, required: boolean): Buffer | undefined => {
    const text = doc[inline];
    const file = doc[fileKey];
    if (text !== undefined && file !== undefined)
      fail(`tls_server_config: give ${inline} or ${fileKey}, not both`);
    if (file !== undefined) return readFile(`tls_server_config.${fileKey}`, file);
    if (text !== undefined) return Buffer.from(str(text, `tls_server_config.${inline}`, fail));
    if (required) fail(`tls_server_config needs ${fileKey} (or ${inline})`);
    return undefined;
  };
  const cert = pem('cert', 'cert_file', true) as Buffer;
  const key = pem('key', 'key_file', true) as Buffer;
  const ca = pem('client_ca', 'client_ca_file', false);

  let clientAuth: ClientAuthType = 'NoClientCert';
  if (doc.client_auth_type !== undefined) {
    const text = str(doc.client_auth_type, 'tls_server_config.client_auth_type', fail);
    const value = text === 'RequireClientCert' ? 'RequireAnyClientCert' : text;
    if (!(CLIENT_AUTH_TYPES as readonly string[]).includes(value)) {
      fail(
        `tls_server_config.client_auth_type: expected one of ${CLIENT_AUTH_TYPES.join(', ')}, got '${text}'`,
      );
    }
    clientAuth = value as ClientAuthType;
  }
  if (ca !== undefined) {
    if (clientAuth === 'NoClientCert')
      fail('tls_server_config: client CAs are configured without a client_auth_type');
    if (pemCertificates(ca).length === 0) fail('tls_server_config: client CA holds no certificate');
  }
  let allowedSans: string[] | undefined;
  if (doc.client_allowed_sans !== undefined) {
    allowedSans = strings(doc.client_allowed_sans, 'tls_server_config.client_allowed_sans', fail);
    if (clientAuth !== 'RequireAnyClientCert' && clientAuth !== 'RequireAndVerifyClientCert') {
      fail(
        'tls_server_config.client_allowed_sans needs client_auth_type RequireAnyClientCert or RequireAndVerifyClientCert',
      );
    }
  }

  const version = (k: string, fallback: string): tls.SecureVersion => {
    const text = doc[k] === undefined ? fallback : str(doc[k], `tls_server_config.${k}`, fail);
    const v = TLS_VERSIONS.get(text);
    if (v === undefined)
      fail(`tls_server_config.${k}: expected one of ${[...TLS_VERSIONS.keys()].join(', ')}, got '${text}'`);
    return v as tls.SecureVersion;
  };
  const minVersion = version('min_version', 'TLS12');
  const maxVersion = version('max_version', 'TLS13');
  const order = [...TLS_VERSIONS.values()];
  if (order.indexOf(minVersion) > order.indexOf(maxVersion))
    fail('tls_server_config: min_version is above max_version');

  let suites: string[] | undefined;
  if (doc.cipher_suites !== undefined) {
    suites = strings(doc.cipher_suites, 'tls_server_config.cipher_suites', fail).map((name) => {
      if (TLS13_SUITES.has(name))
        fail(`tls_server_config.cipher_suites: ${name} is a TLS 1.3 suite, which cannot be chosen`);
      const openssl = CIPHER_SUITES.get(name);
      if (openssl === undefined)
        fail(`tls_server_config.cipher_suites: unknown or insecure cipher '${name}'`);
      return openssl as string;
    });
  }
  // OpenSSL 3's default security level forbids TLS 1.0/1.1 handshakes: a config that asks for them gets them.
  const legacy = order.indexOf(minVersion) < order.indexOf('TLSv1.2');
  const ciphers =
    suites && suites.length > 0
      ? `${suites.join(':')}${legacy ? ':@SECLEVEL=0' : ''}`
      : legacy
        ? `${tls.DEFAULT_CIPHERS}:@SECLEVEL=0`
        : undefined;

  let ecdhCurve: string | undefined;
  if (doc.curve_preferences !== undefined) {
    const names = strings(doc.curve_preferences, 'tls_server_config.curve_preferences', fail).map((name) => {
      const group = CURVES.get(name);
      if (group === undefined)
        fail(`tls_server_config.curve_preferences: expected ${[...CURVES.keys()].join(', ')}, got '${name}'`);
      return group as string;
    });
    if (names.length > 0) ecdhCurve = names.join(':');
  }

  const settings: TlsSettings = {
    cert,
    key,
    ca,
    clientAuth,
    allowedSans,
    minVersion,
    maxVersion,
    ciphers,
    ecdhCurve,
    honorCipherOrder:
      doc.prefer_server_cipher_suites === undefined
        ? true
        : bool(doc.prefer_server_cipher_suites, 'tls_server_config.prefer_server_cipher_suites', fail),
  };
  checkKeyPair(settings, doc, fail);
  return Object.freeze(settings);
}

/** The options Node's TLS server takes for these settings (client auth is applied on the server itself). */
export function secureContextOptions(t: TlsSettings): tls.SecureContextOptions {
  return {
    cert: t.cert,
    key: t.key,
    ca: t.ca,
    minVersion: t.minVersion,
    maxVersion: t.maxVersion,
    ciphers: t.ciphers,
    ecdhCurve: t.ecdhCurve,
    honorCipherOrder: t.honorCipherOrder,
  };
}

/** Builds the context once now, so a key that is not the certificate's is a start-up error, not a handshake one. */
function checkKeyPair(t: TlsSettings, doc: Record<string, unknown>, fail: (what: string) => never): void {
  const certName = doc.cert_file !== undefined ? `cert_file ${String(doc.cert_file)}` : 'cert';
  const keyName = doc.key_file !== undefined ? `key_file ${String(doc.key_file)}` : 'key';
  try {
    tls.createSecureContext(secureContextOptions(t));
  } catch (error) {
    const reason = (error as Error).message.replace(/^error:[0-9A-F]+:[^:]*:[^:]*:/, '');
    if (/key values mismatch/.test(reason)) fail(`tls_server_config: ${keyName} does not match ${certName}`);
    fail(`tls_server_config: ${certName}, ${keyName}: ${reason}`);
  }
}

function pemCertificates(pem: Buffer): X509Certificate[] {
  const blocks = pem.toString('utf8').match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g);
  const out: X509Certificate[] = [];
  for (const block of blocks ?? []) {
    try {
      out.push(new X509Certificate(block));
    } catch {
      // Go's AppendCertsFromPEM skips blocks it cannot parse; only "none at all" is an error.
    }
  }
  return out;
}

function mapping(
  value: unknown,
  where: string,
  fail: (what: string) => never,
  keys?: readonly string[],
): Record<string, unknown> {
  if (value === null) return {};
  if (typeof value !== 'object' || Array.isArray(value))
    fail(`${where === '' ? 'the file' : where.slice(0, -1)} must be a mapping`);
  const record = value as Record<string, unknown>;
  const unknown = keys ? Object.keys(record).find((k) => !keys.includes(k)) : undefined;
  if (unknown !== undefined) fail(`unsupported key '${where}${unknown}'`);
  return record;
}

function str(value: unknown, where: string, fail: (what: string) => never): string {
  if (typeof value !== 'string') fail(`${where}: expected a string, got ${JSON.stringify(value)}`);
  return value as string;
}

function bool(value: unknown, where: string, fail: (what: string) => never): boolean {
  if (typeof value !== 'boolean') fail(`${where}: expected true or false, got ${JSON.stringify(value)}`);
  return value as boolean;
}

function strings(value: unknown, where: string, fail: (what: string) => never): string[] {
  if (value === null) return [];
  if (!Array.isArray(value)) fail(`${where}: expected a list, got ${JSON.stringify(value)}`);
  return (value as unknown[]).map((v) => str(v, where, fail));
}

const GO_DURATION_UNITS: Readonly<Record<string, number>> = {
  ns: 1e-6,
  us: 1e-3,
  µs: 1e-3,
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
};

/** Go's `time.ParseDuration` syntax (`1s`, `1m30s`, `250ms`, `0`), in milliseconds. */
function goDuration(value: unknown, fail: (what: string) => never): number {
  const text = typeof value === 'number' && value === 0 ? '0' : str(value, 'rate_limit.interval', fail);
  if (text === '0') return 0;
  if (!/^(\d+(\.\d+)?(ns|us|µs|ms|s|m|h))+$/.test(text))
    fail(`rate_limit.interval: expected a duration such as 1s or 100ms, got '${text}'`);
  let ms = 0;
  for (const m of text.matchAll(/(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/g)) {
    ms += Number(m[1]) * (GO_DURATION_UNITS[m[2] as string] as number);
  }
  return ms;
}
