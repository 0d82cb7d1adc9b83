// A real Prometheus (Debian's package) scraping the real exporter on loopback and answering rate().
import fs from 'node:fs';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { listeningUrl, type RunningCli, SAMPLE, spawnCli, waitFor } from './helpers/cli.js';
import { type RunningPrometheus, startPrometheus } from './helpers/prometheus.js';
import { describeWithTools } from './helpers/tools.js';

describeWithTools(['prometheus'])('a real Prometheus scraping the exporter', () => {
  let cli: RunningCli;
  let prometheus: RunningPrometheus;

  const query = async (q: string) => {
    const body = await prometheus.query(q);
    if (body.status !== 'success') throw new Error(`${q}: ${body.error}`);
    return body.data?.result ?? [];
  };

  beforeAll(async () => {
    cli = spawnCli(['--listen', '127.0.0.1:0', '--no-events']);
    prometheus = await startPrometheus(new URL(await listeningUrl(cli)).host, 'oss');
    // First scrape with nothing read yet, so the increase that follows lies inside the window.
    await prometheus.firstScrape('oss');
    cli.child.stdin?.write(fs.readFileSync(SAMPLE));
  }, 60_000);

  afterAll(async () => {
    prometheus?.stop();
    cli.child.stdin?.end();
    await cli.exited;
  });

  // Series pre-created at zero (catalogue code and status) show their first error in rate(); SlowDown logged
  // with 503 (the catalogue says 400) is a new series, whose first sample rate() cannot see: documented.
  it('answers rate(oss_errors_total[1m]) with the errors of the sample', async () => {
    const result = await waitFor(
      'a non-zero error rate',
      async () => {
        const r = await query('sum by (code) (rate(oss_errors_total[1m])) > 0');
        return r.length >= 5 ? r : undefined;
      },
      20_000,
    );
    expect(result.map((s) => s.metric.code).sort()).toEqual([
      'AccessDenied',
      'BucketNotEmpty',
      'InternalError',
      'NoSuchKey',
      'SignatureDoesNotMatch',
    ]);
    const total = await waitFor('the total to be scraped', async () => {
      const r = await query('sum(oss_errors_total)');
      return r[0]?.value[1] === '7' ? r : undefined;
    });
    expect(total[0]?.value[1]).toBe('7');
  }, 40_000);
});
