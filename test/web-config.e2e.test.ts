// The exporter-toolkit web config against the real CLI: TLS, the five client-auth modes, SANs, versions, ciphers, rotation.
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import tls from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { subjectAltNames } from '../src/sinks/client-cert.js';
import { loadWebConfig } from '../src/sinks/web-config.js';
import { makePki, type Pki } from './helpers/certs.js';
import { CLI, listeningUrl, type RunningCli, spawnCli, waitFor } from './helpers/cli.js';
import { type ClientOptions, type Outcome, tlsGet } from './helpers/tls-client.js';
import { describeWithTools } from './helpers/tools.js';

describeWithTools(['openssl', 'curl'])('the web config with real certificates', () => {
  let pki: Pki;
  let configs = 0;

  beforeAll(() => {
    pki = makePki();
  });
  afterAll(() => fs.rmSync(pki.dir, { recursive: true, force: true }));

  interface Served {
    url: string;
    cli: RunningCli;
    file: string;
    stop(): Promise<void>;
  }

  /** The real CLI serving with this web config (stdin kept open, so it serves until stopped). */
  async function serve(yaml: string): Promise<Served> {
    const file = path.join(pki.dir, `web-${configs++}.yml`);
    fs.writeFileSync(file, yaml);
    const cli = spawnCli(['--listen', '127.0.0.1:0', '--web-config', file, '--no-events', '--no-summary']);
    const url = await listeningUrl(cli);
    return {
      url,
      cli,
      file,
      stop: async () => {
        cli.child.stdin?.end();
        await cli.exited;
      },
    };
  }

  const tlsYaml = (extra = '') =>
    `tls_server_config:\n  cert_file: ${pki.serverCert}\n  key_file: ${pki.serverKey}\n${extra}`;

  /** 'ok' for a 200, else what went wrong: mTLS refusals show as a failed handshake or a reset connection. */
  function verdict(o: Outcome): string {
    if (o.status === 200) return 'ok';
    return o.status !== undefined ? `http ${o.status}` : 'refused';
  }

  const clients = (): Record<string, ClientOptions> => ({
    'no certificate': { ca: pki.ca },
    'a certificate from the trusted CA': { ca: pki.ca, cert: pki.clientCert, key: pki.clientKey },
    'a certificate from an unknown CA': { ca: pki.ca, cert: pki.strangerCert, key: pki.strangerKey },
  });

  describe('the issue scenario: RequireAndVerifyClientCert, client_ca_file and min_version TLS13', () => {
    let s: Served;
    beforeAll(async () => {
      s = await serve(
        tlsYaml(
          `  client_auth_type: RequireAndVerifyClientCert\n  client_ca_file: ${pki.ca}\n  min_version: TLS13\n`,
        ),
      );
    });
    afterAll(() => s.stop());

    it.each([
      ['no client certificate', { cert: undefined }, 'refused'],
      ['a client certificate from another CA', { cert: 'stranger' }, 'refused'],
      ['a TLS 1.2 client with a good certificate', { cert: 'client', maxVersion: 'TLSv1.2' }, 'refused'],
      ['a TLS 1.3 client with a good certificate', { cert: 'client' }, 'ok'],
    ] as const)('%s → %s', async (_name, c, expected) => {
      const pair =
        c.cert === 'client'
          ? { cert: pki.clientCert, key: pki.clientKey }
          : c.cert === 'stranger'
            ? { cert: pki.strangerCert, key: pki.strangerKey }
            : {};
      const o = await tlsGet(s.url, {
        ca: pki.ca,
        ...pair,
        maxVersion: 'maxVersion' in c ? c.maxVersion : undefined,
      });
      expect(verdict(o)).toBe(expected);
      if (expected === 'ok') expect(o.protocol).toBe('TLSv1.3');
    });

    it('curl: refused without a certificate, 200 with one', () => {
      const base = ['-sS', '-o', '/dev/null', '-w', '%{http_code}', '--cacert', pki.ca, `${s.url}/metrics`];
      const without = spawnSync('curl', base, { encoding: 'utf8' });
      expect(without.status).not.toBe(0);
      const withCert = spawnSync('curl', [...base, '--cert', pki.clientCert, '--key', pki.clientKey], {
        encoding: 'utf8',
      });
      expect(withCert.stdout).toBe('200');
    });
  });

  describe('client_auth_type: each of the five values', () => {
    // Expected for: no certificate, trusted CA, unknown CA (Go's crypto/tls semantics).
    const table: [string, string, [string, string, string]][] = [
      ['NoClientCert', '', ['ok', 'ok', 'ok']],
      ['RequestClientCert', `  client_ca_file: ${'CA'}\n`, ['ok', 'ok', 'ok']],
      ['RequireAnyClientCert', '', ['refused', 'ok', 'ok']],
      ['VerifyClientCertIfGiven', '  client_ca_file: CA\n', ['ok', 'ok', 'refused']],
      ['RequireAndVerifyClientCert', '  client_ca_file: CA\n', ['refused', 'ok', 'refused']],
    ];
    it.each(table)('%s', async (mode, ca, expected) => {
      const s = await serve(tlsYaml(`  client_auth_type: ${mode}\n${ca.replace('CA', pki.ca)}`));
      try {
        const got = [];
        for (const client of Object.values(clients())) got.push(verdict(await tlsGet(s.url, client)));
        expect(got).toEqual(expected);
        // openssl s_client prints the signature algorithms of a CertificateRequest only when the server sent one.
        const { host } = new URL(s.url);
        const probe = spawnSync('openssl', ['s_client', '-connect', host, '-CAfile', pki.ca], {
          input: '',
          encoding: 'utf8',
        });
        expect(/Requested Signature Algorithms/.test(probe.stdout)).toBe(mode !== 'NoClientCert');
      } finally {
        await s.stop();
      }
    });
  });

  describe('client_allowed_sans', () => {
    let s: Served;
    beforeAll(async () => {
      s = await serve(
        tlsYaml(
          `  client_auth_type: RequireAndVerifyClientCert\n  client_ca_file: ${pki.ca}\n  client_allowed_sans: ['spiffe://prom/scraper', 'ops.example']\n`,
        ),
      );
    });
    afterAll(() => s.stop());

    it.each([
      ['a certificate whose URI SAN is listed', 'client', 'ok'],
      ['a certificate from the same CA with no listed SAN', 'other', 'refused'],
    ] as const)('%s → %s', async (_name, who, expected) => {
      const pair =
        who === 'client'
          ? { cert: pki.clientCert, key: pki.clientKey }
          : { cert: pki.otherCert, key: pki.otherKey };
      expect(verdict(await tlsGet(s.url, { ca: pki.ca, ...pair }))).toBe(expected);
    });

    it('matches an IPv6 SAN however it is written', async () => {
      const s2 = await serve(
        tlsYaml(`  client_auth_type: RequireAnyClientCert\n  client_allowed_sans: ['::1']\n`),
      );
      try {
        expect(verdict(await tlsGet(s2.url, { ca: pki.ca, cert: pki.clientCert, key: pki.clientKey }))).toBe(
          'ok',
        );
        expect(verdict(await tlsGet(s2.url, { ca: pki.ca, cert: pki.otherCert, key: pki.otherKey }))).toBe(
          'refused',
        );
      } finally {
        await s2.stop();
      }
    });

    it.each([
      ['DNS and IP', 'DNS:a.example, IP Address:127.0.0.1', ['a.example', '127.0.0.1']],
      ['a quoted value with a comma', 'DNS:"a,b.example", email:x@y.example', ['a,b.example', 'x@y.example']],
      ['a URI and IPv6', 'URI:spiffe://p/s, IP Address:0:0:0:0:0:0:0:1', ['spiffe://p/s', '::1']],
      ['nothing', undefined, []],
    ])('reads the SAN list: %s', (_name, text, expected) => {
      expect([...subjectAltNames(text)]).toEqual(expected);
    });
  });

  describe('versions, cipher suites, curves, server preference', () => {
    let preferServer: Served;
    let preferClient: Served;
    let curves: Served;
    const suites =
      '  max_version: TLS12\n  cipher_suites: [TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384, TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256]\n';
    beforeAll(async () => {
      preferServer = await serve(tlsYaml(suites));
      preferClient = await serve(tlsYaml(`${suites}  prefer_server_cipher_suites: false\n`));
      // TLS 1.3, where the key-exchange group is chosen apart from the certificate's own curve.
      curves = await serve(tlsYaml('  curve_preferences: [CurveP384, X25519]\n'));
    });
    afterAll(async () => {
      await preferServer.stop();
      await preferClient.stop();
      await curves.stop();
    });

    const clientOrder = 'ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384';
    it.each([
      ['a suite outside cipher_suites', { ciphers: 'ECDHE-ECDSA-CHACHA20-POLY1305' }, 'refused'],
      ['a listed suite', { ciphers: 'ECDHE-ECDSA-AES128-GCM-SHA256' }, 'ok'],
    ])('%s → %s', async (_name, c, expected) => {
      expect(verdict(await tlsGet(preferServer.url, { ca: pki.ca, ...c }))).toBe(expected);
    });

    it('max_version TLS12 caps a TLS 1.3 client at 1.2', async () => {
      const o = await tlsGet(preferServer.url, { ca: pki.ca });
      expect([verdict(o), o.protocol]).toEqual(['ok', 'TLSv1.2']);
    });

    it('prefer_server_cipher_suites: the server order wins by default, the client order when false', async () => {
      const c = { ca: pki.ca, ciphers: clientOrder };
      expect((await tlsGet(preferServer.url, c)).cipher).toBe('ECDHE-ECDSA-AES256-GCM-SHA384');
      expect((await tlsGet(preferClient.url, c)).cipher).toBe('ECDHE-ECDSA-AES128-GCM-SHA256');
    });

    it.each([
      ['a client offering only P-256', 'P-256', 'refused', undefined],
      ['a client offering P-256 and P-384', 'P-256:P-384', 'ok', 'secp384r1'],
    ])('curve_preferences [CurveP384, X25519]: %s → %s', async (_name, ecdhCurve, expected, group) => {
      const o = await tlsGet(curves.url, { ca: pki.ca, ecdhCurve });
      expect([verdict(o), o.group]).toEqual([expected, group]);
    });

    it('min_version TLS10 really accepts a TLS 1.0 client (OpenSSL 3 refuses it unless asked)', async () => {
      const s = await serve(tlsYaml('  min_version: TLS10\n'));
      try {
        const o = await tlsGet(s.url, {
          ca: pki.ca,
          minVersion: 'TLSv1',
          maxVersion: 'TLSv1',
          ciphers: 'DEFAULT:@SECLEVEL=0',
        });
        expect([verdict(o), o.protocol]).toEqual(['ok', 'TLSv1']);
      } finally {
        await s.stop();
      }
    });
  });

  describe('http_server_config', () => {
    function alpn(url: string): Promise<string | false> {
      const { hostname, port } = new URL(url);
      return new Promise((resolve, reject) => {
        const socket = tls.connect(
          {
            host: hostname,
            port: Number(port),
            servername: 'localhost',
            ca: fs.readFileSync(pki.ca),
            ALPNProtocols: ['h2', 'http/1.1'],
          },
          () => {
            resolve(socket.alpnProtocol ?? false);
            socket.end();
          },
        );
        socket.on('error', reject);
      });
    }

    it('serves HTTP/2 by default and HTTP/1.1 only with http2: false; headers are added', async () => {
      const headers =
        "http_server_config:\n  headers:\n    X-Frame-Options: deny\n    Content-Security-Policy: \"default-src 'none'\"\n    Strict-Transport-Security: ''\n";
      const h2 = await serve(tlsYaml() + headers);
      const h1 = await serve(`${tlsYaml()}http_server_config:\n  http2: false\n`);
      try {
        expect(await alpn(h2.url)).toBe('h2');
        expect(await alpn(h1.url)).toBe('http/1.1');
        const curl = execFileSync(
          'curl',
          ['-sS', '--http2', '-D', '-', '-o', '/dev/null', '--cacert', pki.ca, `${h2.url}/healthz`],
          {
            encoding: 'utf8',
          },
        );
        expect(curl).toMatch(/^HTTP\/2 200/);
        expect(curl).toContain('x-frame-options: deny');
        expect(curl).toContain("content-security-policy: default-src 'none'");
        // "Unset if blank."
        expect(curl).not.toContain('strict-transport-security');
      } finally {
        await h2.stop();
        await h1.stop();
      }
    });
  });

  describe('timeouts over TLS (the HTTP/2 server, its HTTP/1.1 side)', () => {
    /** Milliseconds until the server closes a connection that does its part and then stays silent. */
    function closedAfter(connect: (done: () => void) => void): Promise<number> {
      const started = performance.now();
      return new Promise((resolve) => connect(() => resolve(performance.now() - started)));
    }

    it('cuts off a client that never handshakes (Node would wait 120 s) and one that never ends its headers', async () => {
      const s = await serve(tlsYaml());
      const { hostname, port } = new URL(s.url);
      let answer = '';
      try {
        const [silent, slowHeaders] = await Promise.all([
          closedAfter((done) => {
            const socket = net.connect(Number(port), hostname);
            socket.on('error', () => {});
            socket.on('close', done);
          }),
          closedAfter((done) => {
            const socket = tls.connect(
              {
                host: hostname,
                port: Number(port),
                servername: 'localhost',
                ca: fs.readFileSync(pki.ca),
                ALPNProtocols: ['http/1.1'],
              },
              () => socket.write('GET /metrics HTTP/1.1\r\nHost: localhost\r\n'),
            );
            // Read, or the server's closing answer would sit unread and 'close' never come.
            socket.on('data', (d) => {
              answer += d;
            });
            socket.on('error', () => {});
            socket.on('close', done);
          }),
        ]);
        expect(silent).toBeGreaterThan(4_000);
        expect(silent).toBeLessThan(8_000);
        expect(slowHeaders).toBeGreaterThan(4_000);
        expect(slowHeaders).toBeLessThan(8_000);
        expect(answer).toMatch(/^HTTP\/1\.1 400/);
      } finally {
        await s.stop();
      }
    });
  });

  describe('files that change while serving', () => {
    it('serves a rotated certificate on the next connection, without a restart', async () => {
      const cert = path.join(pki.dir, 'live.pem');
      const key = path.join(pki.dir, 'live.key');
      fs.copyFileSync(pki.serverCert, cert);
      fs.copyFileSync(pki.serverKey, key);
      const s = await serve(`tls_server_config:\n  cert_file: live.pem\n  key_file: live.key\n`);
      try {
        expect((await tlsGet(s.url, { ca: pki.ca })).serverCn).toBe('localhost');
        // Half-way through a rotation (new certificate, old key) the last good pair stays in force.
        fs.copyFileSync(pki.rotatedCert, cert);
        expect((await tlsGet(s.url, { ca: pki.ca })).serverCn).toBe('localhost');
        fs.copyFileSync(pki.rotatedKey, key);
        expect((await tlsGet(s.url, { ca: pki.ca })).serverCn).toBe('rotated.localhost');
        await waitFor('the half-rotation to be logged', () =>
          /"level":"error".*does not match.*previous one stays in force/.test(s.cli.stderr())
            ? true
            : undefined,
        );
      } finally {
        await s.stop();
      }
    });

    it('applies an edited config file on the next connection: mTLS turned on, then a broken edit is refused', async () => {
      const s = await serve(tlsYaml());
      try {
        expect(verdict(await tlsGet(s.url, { ca: pki.ca }))).toBe('ok');
        fs.writeFileSync(
          s.file,
          tlsYaml(`  client_auth_type: RequireAndVerifyClientCert\n  client_ca_file: ${pki.ca}\n`),
        );
        expect(verdict(await tlsGet(s.url, { ca: pki.ca }))).toBe('refused');
        expect(verdict(await tlsGet(s.url, { ca: pki.ca, cert: pki.clientCert, key: pki.clientKey }))).toBe(
          'ok',
        );
        fs.writeFileSync(s.file, tlsYaml('  client_auth_type: Sometimes\n'));
        expect(verdict(await tlsGet(s.url, { ca: pki.ca }))).toBe('refused');
        fs.writeFileSync(s.file, 'basic_auth_users: {}\n');
        expect(verdict(await tlsGet(s.url, { ca: pki.ca, cert: pki.clientCert, key: pki.clientKey }))).toBe(
          'ok',
        );
        await waitFor('the restart notice', () =>
          s.cli.stderr().includes('turning TLS on or off needs a restart') ? true : undefined,
        );
        await waitFor('the refusal to be logged', () =>
          s.cli.stderr().includes('client_auth_type: expected one of') ? true : undefined,
        );
      } finally {
        await s.stop();
      }
    });
  });

  describe('refused at start', () => {
    it('a key that does not match its certificate: one line, exit 2 (the real CLI)', () => {
      const file = path.join(pki.dir, 'mismatch.yml');
      fs.writeFileSync(file, `tls_server_config:\n  cert_file: server.pem\n  key_file: rotated.key\n`);
      const run = spawnSync(process.execPath, [CLI, '--listen', '127.0.0.1:0', '--web-config', file], {
        input: '',
        encoding: 'utf8',
      });
      expect(run.status).toBe(2);
      expect(run.stderr).toBe(
        `oss-error-exporter: --web-config ${file}: tls_server_config: key_file rotated.key does not match cert_file server.pem\n`,
      );
    });

    const cert = () => `  cert_file: ${pki.serverCert}\n  key_file: ${pki.serverKey}\n`;
    it.each([
      ['an unknown top-level key', () => 'tls_config: {}\n', "unsupported key 'tls_config'"],
      [
        'an unknown TLS key',
        () => `tls_server_config:\n${cert()}  ocsp: true\n`,
        "unsupported key 'tls_server_config.ocsp'",
      ],
      [
        'a TLS option without a certificate',
        () => 'tls_server_config:\n  min_version: TLS13\n',
        'needs cert_file',
      ],
      [
        'an unknown client_auth_type',
        () => `tls_server_config:\n${cert()}  client_auth_type: Maybe\n`,
        "got 'Maybe'",
      ],
      [
        'a client CA with no client auth',
        () => `tls_server_config:\n${cert()}  client_ca_file: ${pki.ca}\n`,
        'client CAs are configured without a client_auth_type',
      ],
      [
        'a client CA file with no certificate in it',
        () =>
          `tls_server_config:\n${cert()}  client_auth_type: RequireAndVerifyClientCert\n  client_ca_file: ${pki.serverKey}\n`,
        'client CA holds no certificate',
      ],
      [
        'SANs with a mode where the client may send no certificate',
        () =>
          `tls_server_config:\n${cert()}  client_auth_type: VerifyClientCertIfGiven\n  client_allowed_sans: [a]\n`,
        'client_allowed_sans needs client_auth_type RequireAnyClientCert or RequireAndVerifyClientCert',
      ],
      ['an unknown TLS version', () => `tls_server_config:\n${cert()}  min_version: TLS14\n`, "got 'TLS14'"],
      [
        'min_version above max_version',
        () => `tls_server_config:\n${cert()}  min_version: TLS13\n  max_version: TLS12\n`,
        'min_version is above max_version',
      ],
      [
        'a TLS 1.3 suite (Go would ignore it)',
        () => `tls_server_config:\n${cert()}  cipher_suites: [TLS_AES_128_GCM_SHA256]\n`,
        'TLS_AES_128_GCM_SHA256 is a TLS 1.3 suite, which cannot be chosen',
      ],
      [
        'an insecure suite Go does not accept',
        () => `tls_server_config:\n${cert()}  cipher_suites: [TLS_RSA_WITH_RC4_128_SHA]\n`,
        "unknown or insecure cipher 'TLS_RSA_WITH_RC4_128_SHA'",
      ],
      [
        'an OpenSSL cipher name',
        () => `tls_server_config:\n${cert()}  cipher_suites: [AES128-SHA]\n`,
        "'AES128-SHA'",
      ],
      [
        'an unknown curve',
        () => `tls_server_config:\n${cert()}  curve_preferences: [X448]\n`,
        "curve_preferences: expected CurveP256, CurveP384, CurveP521, X25519, got 'X448'",
      ],
      ['a non-boolean http2', () => 'http_server_config:\n  http2: yes please\n', 'http_server_config.http2'],
      [
        'a header exporter-toolkit does not allow',
        () => 'http_server_config:\n  headers:\n    Server: nginx\n',
        "unsupported key 'http_server_config.headers.Server'",
      ],
      [
        'a header value outside its enumeration',
        () => 'http_server_config:\n  headers:\n    X-Frame-Options: allow\n',
        "X-Frame-Options: expected one of deny, sameorigin, got 'allow'",
      ],
      [
        'both cert and cert_file',
        () => `tls_server_config:\n${cert()}  cert: inline\n`,
        'give cert or cert_file, not both',
      ],
      [
        'a plain password',
        () => 'basic_auth_users:\n  u: plain\n',
        'basic_auth_users.u is not a bcrypt hash',
      ],
      [
        'a missing key file',
        () => `tls_server_config:\n  cert_file: ${pki.serverCert}\n  key_file: nope.pem\n`,
        'key_file nope.pem: ENOENT',
      ],
      ['a rate limit without a burst', () => 'rate_limit:\n  interval: 1s\n', 'rate_limit.burst'],
      ['a rate limit with a bad interval', () => 'rate_limit:\n  interval: soon\n  burst: 1\n', "got 'soon'"],
    ])('%s, naming it', (_name, yaml, message) => {
      const file = path.join(pki.dir, 'bad.yml');
      fs.writeFileSync(file, yaml());
      expect(() => loadWebConfig(file)).toThrow(message);
    });

    it('accepts inline cert, key and client_ca, and every known name', () => {
      const file = path.join(pki.dir, 'inline.yml');
      const indent = (f: string) => fs.readFileSync(f, 'utf8').trim().replace(/\n/g, '\n    ');
      fs.writeFileSync(
        file,
        `tls_server_config:\n  cert: |\n    ${indent(pki.serverCert)}\n  key: |\n    ${indent(pki.serverKey)}\n  client_ca: |\n    ${indent(pki.ca)}\n` +
          '  client_auth_type: RequireClientCert\n  min_version: TLS11\n  max_version: TLS13\n' +
          '  cipher_suites: [TLS_RSA_WITH_AES_128_CBC_SHA, TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256]\n' +
          '  curve_preferences: [CurveP256, CurveP384, CurveP521, X25519]\nrate_limit:\n  interval: 1m30s\n  burst: 3\n',
      );
      const config = loadWebConfig(file);
      expect(config.tls).toMatchObject({
        clientAuth: 'RequireAnyClientCert',
        minVersion: 'TLSv1.1',
        maxVersion: 'TLSv1.3',
        ciphers: 'AES128-SHA:ECDHE-ECDSA-CHACHA20-POLY1305:@SECLEVEL=0',
        ecdhCurve: 'P-256:P-384:P-521:X25519',
        honorCipherOrder: true,
      });
      expect(config.rateLimit).toEqual({ intervalMs: 90_000, burst: 3 });
      expect(config.http2).toBe(true);
    });
  });
});
