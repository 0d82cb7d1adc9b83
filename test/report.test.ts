// The report's streaming aggregation: bounded bins, top-K, samples and caps; spikes; HTML-safe data embedding.
import { describe, expect, it } from 'vitest';
import type { OssErrorEvent } from '../src/extract/types.js';
import { ReportAggregator } from '../src/report/aggregate.js';
import { scriptJson } from '../src/report/render.js';
import { TopK } from '../src/report/top-k.js';

const T0 = Date.UTC(2026, 10, 24, 0, 0, 0);
function event(minute: number, code = 'NoSuchKey', extra: Partial<OssErrorEvent> = {}): OssErrorEvent {
  return {
    code,
    status: 404,
    message: '',
    resource: `/b/k${minute % 3}`,
    requestId: `R${minute}`,
    bucket: 'b',
    key: `k${minute % 3}`,
    class: '4xx',
    category: 'not-found',
    known: true,
    description: 'The assigned file name does not exist',
    details: {},
    time: new Date(T0 + minute * 60_000).toISOString(),
    source: 'x',
    line: 1,
    request: null,
    ...extra,
  };
}

describe('TopK', () => {
  it('is exact under its capacity', () => {
    const top = new TopK(10);
    for (const [k, n] of [
      ['a', 5],
      ['b', 3],
      ['c', 1],
    ] as const)
      for (let i = 0; i < n; i++) top.add(k);
    expect(top.top(2)).toEqual([
      { key: 'a', count: 5, error: 0 },
      { key: 'b', count: 3, error: 0 },
    ]);
  });

  it('keeps the heavy hitters of a long tail in fixed memory, counts as upper bounds', () => {
    const top = new TopK(20);
    for (let i = 0; i < 10_000; i++) top.add(i % 10 === 0 ? 'hot' : `cold-${i}`);
    const [first] = top.top(1);
    expect(first?.key).toBe('hot');
    expect(first?.count).toBeGreaterThanOrEqual(1000);
    expect((first?.count ?? 0) - (first?.error ?? 0)).toBeLessThanOrEqual(1000);
  });
});

describe('ReportAggregator', () => {
  it('bins per minute, stacked by class, with empty minutes as zeros', () => {
    const agg = new ReportAggregator();
    agg.observe(event(0));
    agg.observe(event(0, 'SlowDown', { class: '5xx', status: 503 }));
    agg.observe(event(3));
    const s = agg.summary();
    expect(s.binWidthMs).toBe(60_000);
    expect(s.times).toEqual([0, 1, 2, 3].map((m) => T0 + m * 60_000));
    expect(s.series[s.classes.indexOf('4xx')]).toEqual([1, 0, 0, 1]);
    expect(s.series[s.classes.indexOf('5xx')]).toEqual([1, 0, 0, 0]);
  });

  it('widens the bins so a long span stays bounded', () => {
    const agg = new ReportAggregator({ maxBins: 100, maxCodes: 10, samplesPerCode: 2 });
    for (let m = 0; m < 7 * 24 * 60; m += 7) agg.observe(event(m));
    const s = agg.summary();
    expect(s.times.length).toBeLessThanOrEqual(100);
    expect(s.binWidthMs).toBeGreaterThan(60_000);
    expect(s.series.flat().reduce((a, b) => a + b, 0)).toBe(agg.total);
  });

  it('marks spikes: bins well above the median', () => {
    const agg = new ReportAggregator();
    for (let m = 0; m < 60; m++) for (let i = 0; i < (m === 30 ? 40 : 2); i++) agg.observe(event(m));
    const s = agg.summary();
    expect(s.median).toBe(2);
    expect(s.spikes).toEqual([{ start: T0 + 30 * 60_000, errors: 40 }]);
  });

  it('keeps per-code stats with bounded samples, and caps the number of codes', () => {
    const agg = new ReportAggregator({ maxBins: 1000, maxCodes: 2, samplesPerCode: 2 });
    for (let m = 0; m < 10; m++) agg.observe(event(m));
    agg.observe(event(5, 'SlowDown', { status: 503, class: '5xx', category: 'throttling' }));
    agg.observe(event(6, 'Third'));
    const s = agg.summary();
    expect(s.codes.map((c) => [c.code, c.count])).toEqual([
      ['NoSuchKey', 10],
      ['SlowDown', 1],
    ]);
    expect(s.otherCodes).toBe(1);
    const nsk = s.codes[0];
    expect(nsk).toMatchObject({
      requestIds: ['R0', 'R1'],
      first: new Date(T0).toISOString(),
      statuses: { '404': 10 },
    });
    expect(nsk?.share).toBeCloseTo(10 / 12);
    expect(nsk?.resources[0]).toEqual({ resource: '/b/k0', count: 4, approximate: false });
    expect(s.buckets).toEqual([{ bucket: 'b', count: 12, approximate: false }]);
    expect(s.statuses).toEqual({ '404': 11, '503': 1 });
  });
});

describe('scriptJson', () => {
  it('cannot end the script element it sits in', () => {
    const text = scriptJson({ key: '</script><script>alert(1)</script><!--' });
    expect(text).not.toContain('<');
    expect(JSON.parse(text)).toEqual({ key: '</script><script>alert(1)</script><!--' });
  });
});
