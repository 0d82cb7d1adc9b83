// Reads a Prometheus exporter-toolkit web config (TLS and basic auth) so operators reuse what they know.
import { createHash, timingSafeEqual } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import bcrypt from 'bcryptjs';
import { parse } from 'yaml';
import { ConfigError } from '../errors.js';

export interface WebConfig {
  tls?: { cert: Buffer; key: Buffer };
  /** user → bcrypt hash */
  users?: ReadonlyMap<string, string>;
}

/**
 * `tls_server_config: {cert_file, key_file}` and `basic_auth_users: {name: bcrypt-hash}`; file paths are
 * relative to the config file, as in exporter-toolkit. Anything else it does not know is refused by name.
 */
export function loadWebConfig(file: string): WebConfig {
  let doc: unknown;
  try {
    doc = parse(fs.readFileSync(file, 'utf8'));
  } catch (error) {
    throw new ConfigError(`--web-config ${file}: ${(error as Error).message.split('\n')[0]}`);
  }
  if (doc === null || doc === undefined) return {};
  if (typeof doc !== 'object') throw new ConfigError(`--web-config ${file}: not a mapping`);
  const { tls_server_config: tls, basic_auth_users: users, ...rest } = doc as Record<string, unknown>;
  const unknown = Object.keys(rest).filter((k) => k !== 'http_server_config');
  if (unknown.length > 0) throw new ConfigError(`--web-config ${file}: unsupported key '${unknown[0]}'`);
  const config: WebConfig = {};
  const dir = path.dirname(file);
  if (tls !== undefined && tls !== null) {
    const { cert_file: cert, key_file: key } = tls as Record<string, unknown>;
    if (typeof cert !== 'string' || typeof key !== 'string') {
      throw new ConfigError(`--web-config ${file}: tls_server_config needs cert_file and key_file`);
    }
    const read = (name: string, p: string) => {
      try {
        return fs.readFileSync(path.resolve(dir, p));
      } catch (error) {
        throw new ConfigError(`--web-config ${file}: ${name} ${p}: ${(error as NodeJS.ErrnoException).code}`);
      }
    };
    config.tls = { cert: read('cert_file', cert), key: read('key_file', key) };
  }
  if (users !== undefined && users !== null) {
    if (typeof users !== 'object')
      throw new ConfigError(`--web-config ${file}: basic_auth_users must be a mapping`);
    const map = new Map<string, string>();
    for (const [user, hash] of Object.entries(users)) {
      if (typeof hash !== 'string' || !/^\$2[aby]\$\d\d\$/.test(hash)) {
        throw new ConfigError(`--web-config ${file}: basic_auth_users.${user} is not a bcrypt hash`);
      }
      map.set(user, hash);
    }
    config.users = map;
  }
  return config;
}

/**
 * Basic-auth checking with a cache of good credentials: bcrypt is slow on purpose, scrapes come every few
 * seconds. The cache holds SHA-256 digests, compared in constant time.
 */
export class BasicAuth {
  private readonly good = new Map<string, Buffer>();
  // Checked against unknown users too, so a wrong user name costs the same time as a wrong password.
  private readonly dummyHash = bcrypt.hashSync('not a password', 10);

  constructor(private readonly users: ReadonlyMap<string, string>) {}

  async check(header: string | undefined): Promise<boolean> {
    if (!header?.startsWith('Basic ')) return false;
    const decoded = Buffer.from(header.slice(6), 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon < 0) return false;
    const user = decoded.slice(0, colon);
    const digest = createHash('sha256').update(decoded).digest();
    const cached = this.good.get(user);
    if (cached && timingSafeEqual(cached, digest)) return true;
    const hash = this.users.get(user);
    const ok = await bcrypt.compare(decoded.slice(colon + 1), hash ?? this.dummyHash);
    if (ok && hash !== undefined) {
      this.good.set(user, digest);
      return true;
    }
    return false;
  }
}
