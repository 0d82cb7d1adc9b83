// The real CLI serving /metrics over HTTP: exact values after known logs, promtool, OpenMetrics, hygiene.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseScrape, SAMPLE, servingSample, spawnCli } from './helpers/cli.js';
import { itWithTools } from './helpers/tools.js';

describe('exporter over HTTP (batch mode reading a stdin kept open)', () => {
  let served: Awaited<ReturnType<typeof servingSample>>;
  let url: string;

  beforeAll(async () => {
    served = await servingSample(['--no-events', '--label-bucket']);
    ({ url } = served);
  });

  afterAll(async () => {
    await served.stop();
  });

  it('counts the sample log exactly', async () => {
    const scrape = parseScrape(await (await fetch(`${url}/metrics`)).text());
    const expected: [string, number][] = [
      ['oss_errors_total{code="NoSuchKey",status="404",class="4xx",category="not-found"}', 2],
      ['oss_errors_total{code="SignatureDoesNotMatch",status="403",class="4xx",category="auth"}', 1],
      ['oss_errors_total{code="SlowDown",status="503",class="5xx",category="throttling"}', 1],
      ['oss_errors_total{code="BucketNotEmpty",status="409",class="4xx",category="conflict"}', 1],
      ['oss_errors_total{code="AccessDenied",status="403",class="4xx",category="auth"}', 1],
      ['oss_errors_total{code="InternalError",status="500",class="5xx",category="server"}', 1],
      ['oss_errors_total{code="TemporaryRedirect",status="307",class="3xx",category="redirect"}', 0],
      ['oss_errors_by_bucket_total{bucket="media-prod",class="4xx"}', 1],
      ['oss_exporter_error_bodies_total', 7],
      ['oss_requests_total{class="2xx"}', 47],
      ['oss_requests_total{class="4xx"}', 5], // 4 combined-format lines + the JSON line's 409
      ['oss_requests_total{class="5xx"}', 3],
      ['oss_exporter_unparseable_bodies_total{reason="dtd"}', 0],
    ];
    for (const [series, value] of expected) expect([series, scrape.get(series)]).toEqual([series, value]);
  });

  itWithTools(['promtool'])('passes promtool check metrics', async () => {
    const text = await (await fetch(`${url}/metrics`)).text();
    expect(() =>
      execFileSync('promtool', ['check', 'metrics'], { input: text, stdio: 'pipe' }),
    ).not.toThrow();
  });

  it('answers in OpenMetrics when the scraper asks for it', async () => {
    const res = await fetch(`${url}/metrics`, {
      headers: { accept: 'application/openmetrics-text; version=1.0.0' },
    });
    expect(res.headers.get('content-type')).toContain('application/openmetrics-text');
    const text = await res.text();
    expect(text.trimEnd().endsWith('# EOF')).toBe(true);
    expect(text).toContain(
      'oss_errors_total{code="NoSuchKey",status="404",class="4xx",category="not-found"} 2',
    );
    const plain = await fetch(`${url}/metrics`);
    expect(plain.headers.get('content-type')).toContain('text/plain; version=0.0.4');
  });

  it.each([
    ['/healthz', 'GET', 200, 'ok'],
    ['/readyz', 'GET', 200, 'ready'],
    ['/', 'GET', 200, 'href="metrics"'],
    ['/nope', 'GET', 404, 'not found'],
    ['/metrics', 'POST', 405, 'method not allowed'],
  ])('%s %s → %i', async (path, method, status, body) => {
    const res = await fetch(`${url}${path}`, { method });
    expect(res.status).toBe(status);
    expect(await res.text()).toContain(body);
  });

  it('answers a malformed request with 400 and keeps serving', async () => {
    const { hostname, port } = new URL(url);
    const reply = await new Promise<string>((resolve) => {
      const socket = net.connect(Number(port), hostname, () => socket.write('GARBAGE \u0000\r\n\r\n'));
      let data = '';
      socket.on('data', (d) => {
        data += d;
      });
      socket.on('close', () => resolve(data));
    });
    expect(reply).toMatch(/^HTTP\/1\.1 400/);
    expect((await fetch(`${url}/healthz`)).status).toBe(200);
  });
});

describe('--metrics-file', () => {
  it('writes the final metrics for the textfile collector', async () => {
    const dir = fs.mkdtempSync('/tmp/oee-metrics-');
    const file = `${dir}/oss.prom`;
    const cli = spawnCli(['--metrics-file', file, '--no-events', SAMPLE]);
    expect(await cli.exited).toBe(0);
    const scrape = parseScrape(fs.readFileSync(file, 'utf8'));
    expect(
      scrape.get('oss_errors_total{code="NoSuchKey",status="404",class="4xx",category="not-found"}'),
    ).toBe(2);
    expect(fs.readdirSync(dir)).toEqual(['oss.prom']);
  });
});
