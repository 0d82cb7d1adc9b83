// Exemplars end to end: the real exporter scraped by a real Prometheus with exemplar storage, RequestIds read back.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listeningUrl, ROOT, type RunningCli, spawnCli, waitFor } from './helpers/cli.js';
import { type RunningPrometheus, startPrometheus } from './helpers/prometheus.js';
import { describeWithTools } from './helpers/tools.js';

interface SeriesExemplars {
  seriesLabels: Record<string, string>;
  exemplars: { labels: Record<string, string>; value: string; timestamp: number }[];
}

// Five errors, one per series, with a presigned signature, a body signature and an access key planted.
const LOG = fs.readFileSync(path.join(ROOT, 'test/fixtures/events/shippers.log'), 'utf8');
const SECRETS = ['deadbeefcafe', 'c2VjcmV0LXNpZ25hdHVyZQ', 'AKIAIOSFODNN7EXAMPLE'];
const LATER_NO_SUCH_KEY =
  '198.51.100.4 - - [24/Nov/2026:10:05:00 +0000] "GET /media/gone.jpg HTTP/1.1" 404 120 "-" "curl/8" ' +
  '"<Error><Code>NoSuchKey</Code><Message>The specified key does not exist.</Message><RequestId>7E1A0C55D2B94F60</RequestId></Error>"\n';

describeWithTools(['prometheus'])('exemplars in a real Prometheus', () => {
  let cli: RunningCli;
  let url: string;
  let prometheus: RunningPrometheus;
  const started = Date.now() / 1000;

  /** Every stored exemplar of oss_errors_total, keyed by code. */
  async function exemplars(): Promise<Map<string, SeriesExemplars['exemplars']>> {
    const query = new URLSearchParams({
      query: 'oss_errors_total',
      start: String(Math.floor(started) - 60),
      end: String(Math.ceil(Date.now() / 1000) + 60),
    });
    const res = await fetch(`${prometheus.api}/api/v1/query_exemplars?${query}`);
    const body = (await res.json()) as { status: string; error?: string; data: SeriesExemplars[] };
    if (body.status !== 'success') throw new Error(`query_exemplars: ${body.error}`);
    return new Map(body.data.map((s) => [s.seriesLabels.code as string, s.exemplars]));
  }

  const requestIds = async () =>
    new Map([...(await exemplars())].map(([code, list]) => [code, list.map((e) => e.labels.request_id)]));

  beforeAll(async () => {
    cli = spawnCli(['--listen', '127.0.0.1:0', '--no-events']);
    url = await listeningUrl(cli);
    prometheus = await startPrometheus(new URL(url).host, 'oss', [], ['--enable-feature=exemplar-storage']);
    await prometheus.firstScrape('oss');
    cli.child.stdin?.write(LOG);
  }, 60_000);

  afterAll(async () => {
    prometheus?.stop();
    cli.child.stdin?.end();
    await cli.exited;
  });

  it('stores the RequestId of each series latest error, stamped with the time it was counted', async () => {
    const ids = await waitFor(
      'five series with exemplars',
      async () => {
        const found = await requestIds();
        return found.size >= 5 ? found : undefined;
      },
      20_000,
    );
    expect(Object.fromEntries(ids)).toEqual({
      SlowDown: ['4442587FB7D0A2F9'],
      NoSuchKey: ['5C3D9175B6FC201293AD4890'],
      SignatureDoesNotMatch: ['JS-3'],
      PermanentRedirect: ['9A8B7C6D5E4F3A2B'],
      InternalError: ['MINIO-1'],
    });
    for (const list of (await exemplars()).values()) {
      for (const exemplar of list) {
        expect(Object.keys(exemplar.labels)).toEqual(['request_id']);
        expect(exemplar.value).toBe('1');
        expect(exemplar.timestamp).toBeGreaterThanOrEqual(started - 1);
        expect(exemplar.timestamp).toBeLessThanOrEqual(Date.now() / 1000 + 1);
      }
    }

    // A later error on the same series replaces the exemplar the exporter serves; Prometheus keeps both.
    cli.child.stdin?.write(LATER_NO_SUCH_KEY);
    const noSuchKey = await waitFor(
      'the later RequestId',
      async () => {
        const list = (await requestIds()).get('NoSuchKey') ?? [];
        return list.length >= 2 ? list : undefined;
      },
      20_000,
    );
    expect(noSuchKey).toEqual(['5C3D9175B6FC201293AD4890', '7E1A0C55D2B94F60']);
  }, 60_000);

  it('never stores a planted secret', async () => {
    const query = new URLSearchParams({
      query: '{__name__=~".+"}',
      start: '0',
      end: String(Date.now() / 1000),
    });
    const all = await (await fetch(`${prometheus.api}/api/v1/query_exemplars?${query}`)).text();
    expect(all).toContain('request_id');
    for (const secret of SECRETS) expect([secret, all.includes(secret)]).toEqual([secret, false]);
  });

  it('serves exemplars only to an OpenMetrics scrape', async () => {
    const open = await (
      await fetch(`${url}/metrics`, { headers: { accept: 'application/openmetrics-text; version=1.0.0' } })
    ).text();
    expect(open).toMatch(
      /^oss_errors_total\{code="SlowDown",status="503",class="5xx",category="throttling"\} 1 # \{request_id="4442587FB7D0A2F9"\} 1 \d+(\.\d+)?$/m,
    );
    const text = await (await fetch(`${url}/metrics`)).text();
    expect(text).not.toContain('request_id');
    expect(text).toContain(
      'oss_errors_total{code="SlowDown",status="503",class="5xx",category="throttling"} 1\n',
    );
  });
});

describe('--metrics-file', () => {
  it('carries no exemplars', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'oee-exemplars-'));
    const file = path.join(dir, 'oss.prom');
    const cli = spawnCli(['--metrics-file', file, '--no-events', 'test/fixtures/events/shippers.log']);
    expect(await cli.exited).toBe(0);
    const text = fs.readFileSync(file, 'utf8');
    expect(text).toContain(
      'oss_errors_total{code="SlowDown",status="503",class="5xx",category="throttling"} 1\n',
    );
    expect(text).not.toContain('request_id');
    fs.rmSync(dir, { recursive: true, force: true });
  });
});
