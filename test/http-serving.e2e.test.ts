// Serving conventions Go exporters set: gzip when asked, --web.* flag spellings, and the operational log format.
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { acceptsGzip } from '../src/sinks/http.js';
import { CLI, listeningUrl, parseScrape, servingSample, spawnCli } from './helpers/cli.js';
import { describeWithTools } from './helpers/tools.js';

describeWithTools(['curl'])('gzip of /metrics', () => {
  let served: Awaited<ReturnType<typeof servingSample>>;
  let url: string;
  beforeAll(async () => {
    served = await servingSample(['--no-events', '--no-summary']);
    ({ url } = served);
  });
  afterAll(async () => {
    await served.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });
  const dir = fs.mkdtempSync('/tmp/oee-gzip-');

  /** Raw bytes and headers with exactly these request headers (fetch would add and undo gzip itself). */
  function curl(headers: string[]): { head: string; body: Buffer } {
    const bodyFile = path.join(dir, 'body');
    const head = execFileSync(
      'curl',
      ['-sS', '-D', '-', '-o', bodyFile, ...headers.flatMap((h) => ['-H', h]), `${url}/metrics`],
      { encoding: 'utf8' },
    );
    return { head: head.toLowerCase(), body: fs.readFileSync(bodyFile) };
  }

  it('compresses when Accept-Encoding asks for gzip, and the text inside is the metrics', () => {
    const { head, body } = curl(['Accept-Encoding: gzip']);
    expect(head).toContain('content-encoding: gzip');
    expect(head).toContain('vary: accept-encoding');
    expect(head).toContain(`content-length: ${body.length}`);
    const text = zlib.gunzipSync(body).toString('utf8');
    expect(parseScrape(text).get('oss_exporter_lines_read_total')).toBe(67);
    expect(body.length).toBeLessThan(Buffer.byteLength(text) / 3);
    expect(() =>
      execFileSync('promtool', ['check', 'metrics'], { input: text, stdio: 'pipe' }),
    ).not.toThrow();
  });

  it.each([
    ['no Accept-Encoding', []],
    ['only identity', ['Accept-Encoding: identity']],
    ['gzip refused with q=0', ['Accept-Encoding: gzip;q=0, deflate']],
  ])('sends plain text with %s', (_name, headers) => {
    const { head, body } = curl(headers);
    expect(head).not.toContain('content-encoding');
    expect(body.toString('utf8')).toContain('# TYPE oss_errors_total counter');
  });

  it('curl --compressed and OpenMetrics together', () => {
    const text = execFileSync(
      'curl',
      ['-sS', '--compressed', '-H', 'Accept: application/openmetrics-text; version=1.0.0', `${url}/metrics`],
      { encoding: 'utf8' },
    );
    expect(text.trimEnd().endsWith('# EOF')).toBe(true);
  });

  it.each([
    ['gzip', true],
    ['gzip, deflate, br', true],
    ['deflate, GZIP;q=0.5', true],
    ['*', true],
    ['gzip;q=0, *', false],
    ['*;q=0', false],
    ['identity', false],
    ['', false],
  ])('Accept-Encoding %j → gzip %s', (header, expected) => {
    expect(acceptsGzip(header)).toBe(expected);
  });
});

describe('Go exporter flag spellings', () => {
  it('--web.listen-address and --web.telemetry-path: metrics at the path, not at /metrics', async () => {
    const cli = spawnCli([
      '--web.listen-address',
      '127.0.0.1:0',
      '--web.telemetry-path',
      '/custom/metrics',
      '--no-events',
    ]);
    try {
      const url = await listeningUrl(cli);
      const custom = await fetch(`${url}/custom/metrics`);
      expect(custom.status).toBe(200);
      expect(await custom.text()).toContain('oss_errors_total');
      expect((await fetch(`${url}/metrics`)).status).toBe(404);
      expect(await (await fetch(`${url}/`)).text()).toContain('href="custom/metrics"');
    } finally {
      cli.child.stdin?.end();
      await cli.exited;
    }
  });

  it('--web.config.file is --web-config', async () => {
    const dir = fs.mkdtempSync('/tmp/oee-webflag-');
    const file = path.join(dir, 'web.yml');
    fs.writeFileSync(file, 'http_server_config:\n  headers:\n    X-Content-Type-Options: nosniff\n');
    const cli = spawnCli(['--listen=127.0.0.1:0', '--web.config.file', file, '--no-events']);
    try {
      const res = await fetch(`${await listeningUrl(cli)}/healthz`);
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    } finally {
      cli.child.stdin?.end();
      await cli.exited;
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it.each([
    [
      ['--listen', ':1', '--web.listen-address', ':2'],
      "--listen ':1' and --web.listen-address ':2' disagree: give one",
    ],
    [['--web.listen-address', 'nowhere'], "--web.listen-address: expected HOST:PORT or :PORT, got 'nowhere'"],
    [
      ['--web-config', 'a.yml', '--web.config.file', 'b.yml'],
      "--web-config 'a.yml' and --web.config.file 'b.yml' disagree",
    ],
    [['--web.telemetry-path', 'metrics'], "--web.telemetry-path: expected a path starting with '/'"],
    [['--web.telemetry-path', '/healthz'], 'other than /healthz and /readyz'],
  ])('refuses %j in one line, exit 2', (args, message) => {
    const run = spawnSync(process.execPath, [CLI, ...args], { input: '', encoding: 'utf8' });
    expect(run.status).toBe(2);
    expect(run.stderr.split('\n').filter(Boolean)).toHaveLength(1);
    expect(run.stderr).toContain(message);
  });
});

describe('operational log on stderr', () => {
  it('is JSON with ISO 8601 time and level names', async () => {
    const cli = spawnCli(['--listen', '127.0.0.1:0', '--no-events', '--log-level', 'debug']);
    await listeningUrl(cli);
    cli.child.stdin?.end();
    await cli.exited;
    const first = cli.stderr().split('\n')[0] as string;
    const line = JSON.parse(first) as Record<string, unknown>;
    expect(line).toMatchObject({ level: 'info', msg: expect.stringMatching(/^listening on http:\/\//) });
    expect(line.time).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    expect(Math.abs(Date.parse(line.time as string) - Date.now())).toBeLessThan(60_000);
    expect(Object.keys(line).slice(0, 2)).toEqual(['level', 'time']);
  });
});
