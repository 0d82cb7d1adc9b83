// TLS and basic auth from an exporter-toolkit web config, with a self-signed certificate made by the test.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import https from 'node:https';
import path from 'node:path';
import bcrypt from 'bcryptjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadWebConfig } from '../src/sinks/web-config.js';
import { listeningUrl, type RunningCli, spawnCli } from './helpers/cli.js';

function get(url: string, ca: Buffer, auth?: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const headers = auth ? { authorization: `Basic ${Buffer.from(auth).toString('base64')}` } : {};
    https
      .get(url, { ca, headers, servername: 'localhost' }, (res) => {
        let body = '';
        res.on('data', (d) => {
          body += d;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      })
      .on('error', reject);
  });
}

describe('--web-config with TLS and basic auth', () => {
  const dir = fs.mkdtempSync('/tmp/oee-tls-');
  let cli: RunningCli;
  let url: string;
  let cert: Buffer;

  beforeAll(async () => {
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-days',
        '1',
        '-subj',
        '/CN=localhost',
        '-addext',
        'subjectAltName=DNS:localhost,IP:127.0.0.1',
        '-keyout',
        path.join(dir, 'key.pem'),
        '-out',
        path.join(dir, 'cert.pem'),
      ],
      { stdio: 'ignore' },
    );
    cert = fs.readFileSync(path.join(dir, 'cert.pem'));
    const hash = bcrypt.hashSync('s3cret', 4);
    fs.writeFileSync(
      path.join(dir, 'web.yml'),
      `tls_server_config:\n  cert_file: cert.pem\n  key_file: key.pem\nbasic_auth_users:\n  prometheus: ${hash}\n`,
    );
    cli = spawnCli(['--listen', '127.0.0.1:0', '--web-config', path.join(dir, 'web.yml'), '--no-events']);
    url = await listeningUrl(cli);
  });

  afterAll(async () => {
    cli.child.stdin?.end();
    await cli.exited;
  });

  it('serves over TLS', () => {
    expect(url.startsWith('https://')).toBe(true);
  });

  it('answers 401 without credentials or with wrong ones, 200 with the right ones (twice: cached)', async () => {
    expect((await get(`${url}/metrics`, cert)).status).toBe(401);
    expect((await get(`${url}/metrics`, cert, 'prometheus:wrong')).status).toBe(401);
    expect((await get(`${url}/metrics`, cert, 'nobody:s3cret')).status).toBe(401);
    for (let i = 0; i < 2; i++) {
      const ok = await get(`${url}/metrics`, cert, 'prometheus:s3cret');
      expect(ok.status).toBe(200);
      expect(ok.body).toContain('oss_errors_total');
    }
  });

  it.each([
    ['an unknown key', 'tls_config: {}\n', "unsupported key 'tls_config'"],
    ['a plain password', 'basic_auth_users:\n  u: plain\n', 'basic_auth_users.u is not a bcrypt hash'],
    [
      'a missing key file',
      'tls_server_config:\n  cert_file: cert.pem\n  key_file: nope.pem\n',
      'key_file nope.pem: ENOENT',
    ],
  ])('refuses %s with a message that names it', (_name, yaml, message) => {
    const file = path.join(dir, 'bad.yml');
    fs.writeFileSync(file, yaml);
    expect(() => loadWebConfig(file)).toThrow(message);
  });
});
