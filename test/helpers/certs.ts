// Real certificates for TLS tests, made by the openssl command line: a CA, servers, clients, and a CA nobody trusts.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

export interface Pki {
  dir: string;
  /** PEM file paths */
  ca: string;
  serverCert: string;
  serverKey: string;
  /** A second server certificate (CN=rotated.localhost) and key, for rotation. */
  rotatedCert: string;
  rotatedKey: string;
  /** Signed by `ca`; SANs DNS:scraper.example, URI:spiffe://prom/scraper, IP ::1. */
  clientCert: string;
  clientKey: string;
  /** Signed by `ca`; SAN DNS:other.example only. */
  otherCert: string;
  otherKey: string;
  /** Signed by a CA the server does not know; same SANs as `clientCert`. */
  strangerCert: string;
  strangerKey: string;
}

function openssl(dir: string, args: string[]): void {
  execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
}

// ECDSA P-256: generated in milliseconds, unlike RSA.
const NEW_KEY = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];

function signed(dir: string, ca: string, name: string, cn: string, san: string): void {
  openssl(dir, [
    'req',
    ...NEW_KEY,
    '-subj',
    `/CN=${cn}`,
    '-addext',
    `subjectAltName=${san}`,
    '-keyout',
    `${name}.key`,
    '-out',
    `${name}.csr`,
  ]);
  openssl(dir, [
    'x509',
    '-req',
    '-in',
    `${name}.csr`,
    '-CA',
    `${ca}.pem`,
    '-CAkey',
    `${ca}.key`,
    '-CAcreateserial',
    '-copy_extensions',
    'copyall',
    '-days',
    '2',
    '-out',
    `${name}.pem`,
  ]);
}

/** Makes every certificate in a new temporary directory. */
export function makePki(): Pki {
  const dir = fs.mkdtempSync('/tmp/oee-pki-');
  // `req -x509` writes to stdout without -out; give it one per CA.
  for (const ca of ['ca', 'stranger-ca']) {
    openssl(dir, [
      'req',
      '-x509',
      ...NEW_KEY,
      '-days',
      '2',
      '-subj',
      `/CN=${ca}`,
      '-keyout',
      `${ca}.key`,
      '-out',
      `${ca}.pem`,
    ]);
  }
  signed(dir, 'ca', 'server', 'localhost', 'DNS:localhost,IP:127.0.0.1');
  signed(dir, 'ca', 'rotated', 'rotated.localhost', 'DNS:localhost,IP:127.0.0.1');
  const clientSans = 'DNS:scraper.example,URI:spiffe://prom/scraper,IP:0:0:0:0:0:0:0:1';
  signed(dir, 'ca', 'client', 'scraper', clientSans);
  signed(dir, 'ca', 'other', 'other', 'DNS:other.example');
  signed(dir, 'stranger-ca', 'stranger', 'scraper', clientSans);
  const p = (name: string) => path.join(dir, name);
  return {
    dir,
    ca: p('ca.pem'),
    serverCert: p('server.pem'),
    serverKey: p('server.key'),
    rotatedCert: p('rotated.pem'),
    rotatedKey: p('rotated.key'),
    clientCert: p('client.pem'),
    clientKey: p('client.key'),
    otherCert: p('other.pem'),
    otherKey: p('other.key'),
    strangerCert: p('stranger.pem'),
    strangerKey: p('stranger.key'),
  };
}
