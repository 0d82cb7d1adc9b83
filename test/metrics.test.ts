// The metrics sink: exact values, bounded labels, pre-created series and counter persistence.
import { describe, expect, it } from 'vitest';
import { CATALOG } from '../src/catalog/index.js';
import { DEFAULT_METRICS_OPTIONS } from '../src/config.js';
import type { OssErrorEvent } from '../src/extract/types.js';
import { ExporterMetrics } from '../src/sinks/metrics.js';
import { newStats } from '../src/stats.js';

function event(code: string, overrides: Partial<OssErrorEvent> = {}): OssErrorEvent {
  return {
    code,
    status: 404,
    message: '',
    resource: null,
    requestId: 'ABC',
    bucket: 'media-prod',
    key: 'a/b.jpg',
    class: '4xx',
    category: 'not-found',
    known: code === 'NoSuchKey',
    description: null,
    details: {},
    time: '2026-11-24T00:00:00.000Z',
    source: 'stdin',
    line: 1,
    request: null,
    ...overrides,
  };
}

function metricsWith(options: Partial<typeof DEFAULT_METRICS_OPTIONS> = {}) {
  const stats = newStats();
  return {
    stats,
    metrics: new ExporterMetrics(stats, {
      ...DEFAULT_METRICS_OPTIONS,
      ...options,
      version: 'test',
      processMetrics: true,
    }),
  };
}

/** `name{labels} value` lines of one metric, as a map. */
async function series(metrics: ExporterMetrics, name: string): Promise<Map<string, number>> {
  const text = await metrics.text.metrics();
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    const at = line.lastIndexOf(' ');
    out.set(line.slice(name.length, at), Number(line.slice(at + 1)));
  }
  return out;
}

describe('ExporterMetrics', () => {
  it('creates every catalogue row (and the usual spellings) at zero', async () => {
    const { metrics } = metricsWith();
    const errors = await series(metrics, 'oss_errors_total');
    for (const row of CATALOG) {
      expect(
        errors.get(
          `{code="${row.code}",status="${row.status}",class="${row.class}",category="${row.category}"}`,
        ),
      ).toBe(0);
    }
    expect(errors.get('{code="InternalError",status="500",class="5xx",category="server"}')).toBe(0);
  });

  it('counts one increment per event with code, status, class and category', async () => {
    const { metrics } = metricsWith();
    for (let i = 0; i < 3; i++) metrics.observe(event('NoSuchKey', { known: true }));
    metrics.observe(event('SlowDown', { status: 503, class: '5xx', category: 'throttling', known: true }));
    metrics.observe(event('NoSuchVersion', { status: null, class: 'unknown' }));
    const errors = await series(metrics, 'oss_errors_total');
    expect(errors.get('{code="NoSuchKey",status="404",class="4xx",category="not-found"}')).toBe(3);
    expect(errors.get('{code="SlowDown",status="503",class="5xx",category="throttling"}')).toBe(1);
    expect(errors.get('{code="NoSuchVersion",status="unknown",class="unknown",category="not-found"}')).toBe(
      1,
    );
  });

  it.each([
    ['not code-like', 'No Such<Key>'],
    ['too long', 'A'.repeat(65)],
    ['empty after trimming elsewhere', '-'],
  ])('counts a code that is %s as other', async (_name, code) => {
    const { metrics } = metricsWith();
    metrics.observe(event(code));
    metrics.observe(event(code));
    expect(
      (await series(metrics, 'oss_errors_total')).get(
        '{code="other",status="404",class="4xx",category="not-found"}',
      ),
    ).toBe(2);
    expect((await series(metrics, 'oss_unknown_codes_overflow_total')).get('')).toBe(2);
  });

  it('keeps distinct unknown codes under the cap, the rest as other', async () => {
    const { metrics } = metricsWith({ maxUnknownCodes: 3 });
    for (let i = 0; i < 10; i++) metrics.observe(event(`Weird${i}`));
    metrics.observe(event('Weird0'));
    const errors = await series(metrics, 'oss_errors_total');
    const unknown = [...errors.keys()].filter((k) => k.includes('Weird'));
    expect(unknown).toHaveLength(3);
    expect(errors.get('{code="Weird0",status="404",class="4xx",category="not-found"}')).toBe(2);
    expect(errors.get('{code="other",status="404",class="4xx",category="not-found"}')).toBe(7);
    expect((await series(metrics, 'oss_unknown_codes_overflow_total')).get('')).toBe(7);
  });

  it('caps bucket labels when --label-bucket is on, and has no bucket metric when off', async () => {
    const off = metricsWith();
    off.metrics.observe(event('NoSuchKey'));
    expect((await series(off.metrics, 'oss_errors_by_bucket_total')).size).toBe(0);
    const { metrics } = metricsWith({ labelBucket: true, maxBuckets: 2 });
    for (const bucket of ['b-one', 'b-two', 'b-three', 'b-four', 'b-one', 'NOT_A_BUCKET'])
      metrics.observe(event('NoSuchKey', { bucket }));
    const buckets = await series(metrics, 'oss_errors_by_bucket_total');
    expect(buckets.get('{bucket="b-one",class="4xx"}')).toBe(2);
    expect(buckets.get('{bucket="b-two",class="4xx"}')).toBe(1);
    expect(buckets.get('{bucket="other",class="4xx"}')).toBe(3);
    expect((await series(metrics, 'oss_bucket_label_overflow_total')).get('')).toBe(3);
  });

  it('reads requests and self-monitoring counters from the stats at scrape time', async () => {
    const { stats, metrics } = metricsWith();
    stats.lines = 1000;
    stats.bytes = 123456;
    stats.requestsByClass[2] = 900;
    stats.requestsByClass[4] = 80;
    stats.failures.dtd = 2;
    stats.skipped['too-long'] = 1;
    expect((await series(metrics, 'oss_requests_total')).get('{class="2xx"}')).toBe(900);
    expect((await series(metrics, 'oss_requests_total')).get('{class="4xx"}')).toBe(80);
    expect((await series(metrics, 'oss_exporter_lines_read_total')).get('')).toBe(1000);
    expect((await series(metrics, 'oss_exporter_unparseable_bodies_total')).get('{reason="dtd"}')).toBe(2);
    expect((await series(metrics, 'oss_exporter_unparseable_bodies_total')).get('{reason="malformed"}')).toBe(
      0,
    );
    expect((await series(metrics, 'oss_exporter_records_skipped_total')).get('{reason="too-long"}')).toBe(1);
    stats.lines = 1500;
    expect((await series(metrics, 'oss_exporter_lines_read_total')).get('')).toBe(1500);
  });

  it('round-trips its counters through snapshot and restore', async () => {
    const a = metricsWith({ labelBucket: true });
    a.metrics.observe(event('NoSuchKey', { known: true }));
    a.metrics.observe(event('Weird1'));
    a.metrics.observe(event('bad code'));
    a.stats.lines = 42;
    a.stats.requestsByClass[4] = 3;
    const saved = JSON.parse(JSON.stringify(await a.metrics.snapshot()));
    const b = metricsWith({ labelBucket: true });
    b.metrics.restore(saved);
    b.metrics.observe(event('NoSuchKey', { known: true }));
    const errors = await series(b.metrics, 'oss_errors_total');
    expect(errors.get('{code="NoSuchKey",status="404",class="4xx",category="not-found"}')).toBe(2);
    expect(errors.get('{code="Weird1",status="404",class="4xx",category="not-found"}')).toBe(1);
    expect(errors.get('{code="other",status="404",class="4xx",category="not-found"}')).toBe(1);
    expect((await series(b.metrics, 'oss_unknown_codes_overflow_total')).get('')).toBe(1);
    expect((await series(b.metrics, 'oss_exporter_lines_read_total')).get('')).toBe(42);
    expect((await series(b.metrics, 'oss_requests_total')).get('{class="4xx"}')).toBe(3);
    expect(
      (await series(b.metrics, 'oss_errors_by_bucket_total')).get('{bucket="media-prod",class="4xx"}'),
    ).toBe(4);
  });

  it('never uses a RequestId, key, message or path as a label', async () => {
    const { metrics } = metricsWith({ labelBucket: true });
    metrics.observe(
      event('NoSuchKey', { requestId: 'REQ-123456', key: 'secret/key.jpg', message: 'MSG-XYZ', known: true }),
    );
    const text = await metrics.text.metrics();
    for (const value of ['REQ-123456', 'secret/key.jpg', 'MSG-XYZ']) expect(text).not.toContain(value);
  });
});

describe('exemplars', () => {
  const NO_SUCH_KEY = 'oss_errors_total{code="NoSuchKey",status="404",class="4xx",category="not-found"}';
  /** The OpenMetrics line of one series: value and exemplar. */
  async function openMetricsLine(metrics: ExporterMetrics, series: string): Promise<string | undefined> {
    return (await metrics.openMetrics.metrics()).split('\n').find((l) => l.startsWith(`${series} `));
  }

  it('carries the RequestId of the latest error, with its time, in OpenMetrics', async () => {
    const { metrics } = metricsWith();
    const before = Date.now() / 1000;
    metrics.observe(event('NoSuchKey', { requestId: '4442587FB7D0A2F9' }));
    metrics.observe(event('NoSuchKey', { requestId: '5C3D9175B6FC201293AD4890' }));
    const line = await openMetricsLine(metrics, NO_SUCH_KEY);
    const m = /^(\S+) 2 # \{request_id="5C3D9175B6FC201293AD4890"\} 1 (\d+(?:\.\d+)?)$/.exec(line ?? '');
    expect([line, m !== null]).toEqual([line, true]);
    const at = Number(m?.[2]);
    expect(at).toBeGreaterThanOrEqual(before - 0.001);
    expect(at).toBeLessThanOrEqual(Date.now() / 1000 + 0.001);
  });

  it.each([
    ['no RequestId', null],
    ['a redaction mark', '[REDACTED]'],
    ['a quote', 'ab"cd'],
    ['a space', 'ab cd'],
    ['over the 128-character OpenMetrics bound with its name', 'A'.repeat(119)],
  ])('keeps the previous exemplar for an error with %s', async (_name, requestId) => {
    const { metrics } = metricsWith();
    metrics.observe(event('NoSuchKey', { requestId: 'GOOD-1' }));
    metrics.observe(event('NoSuchKey', { requestId }));
    expect(await openMetricsLine(metrics, NO_SUCH_KEY)).toMatch(/ 2 # \{request_id="GOOD-1"\} 1 \S+$/);
  });

  it('takes a RequestId at the bound', async () => {
    const { metrics } = metricsWith();
    metrics.observe(event('NoSuchKey', { requestId: 'A'.repeat(118) }));
    expect(await openMetricsLine(metrics, NO_SUCH_KEY)).toContain(`# {request_id="${'A'.repeat(118)}"}`);
  });

  it('has none on a series without an error, and none in the text format', async () => {
    const { metrics } = metricsWith();
    metrics.observe(event('NoSuchKey', { requestId: 'REQ-1' }));
    const internal = 'oss_errors_total{code="InternalError",status="500",class="5xx",category="server"}';
    expect(await openMetricsLine(metrics, internal)).toBe(`${internal} 0`);
    const text = await metrics.text.metrics();
    expect(text).not.toContain('REQ-1');
    expect(text).toContain(`${NO_SUCH_KEY} 1\n`);
  });

  it('are not saved: restored counters have none until their next error', async () => {
    const a = metricsWith();
    a.metrics.observe(event('NoSuchKey', { requestId: 'BEFORE-RESTART' }));
    const b = metricsWith();
    b.metrics.restore(JSON.parse(JSON.stringify(await a.metrics.snapshot())));
    expect(await openMetricsLine(b.metrics, NO_SUCH_KEY)).toBe(`${NO_SUCH_KEY} 1`);
    b.metrics.observe(event('NoSuchKey', { requestId: 'AFTER-RESTART' }));
    expect(await openMetricsLine(b.metrics, NO_SUCH_KEY)).toMatch(
      / 2 # \{request_id="AFTER-RESTART"\} 1 \S+$/,
    );
  });

  it('leaves the text format its _total names after an OpenMetrics scrape', async () => {
    const { metrics } = metricsWith();
    metrics.observe(event('NoSuchKey'));
    const open = await metrics.openMetrics.metrics();
    expect(open).toContain('# TYPE oss_errors counter');
    expect(open).toContain('# TYPE oss_exporter_lines_read counter');
    const text = await metrics.text.metrics();
    expect(text).toContain('# TYPE oss_errors_total counter');
    expect(text).toContain('# TYPE oss_exporter_lines_read_total counter');
    expect(await metrics.openMetrics.metrics()).toContain('# TYPE oss_errors counter');
  });
});
