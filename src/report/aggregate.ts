// Aggregates events for the incident report while streaming: bounded bins, top-K tables and samples, never every event.
import type { StatusClass } from '../catalog/index.js';
import type { ObservedEvent } from '../sinks/observed.js';
import { TopK } from './top-k.js';

/** Bin widths tried in order when the number of bins outgrows the bound: 1 minute up to 1 day. */
export const BIN_WIDTHS_MS = [
  60_000,
  5 * 60_000,
  15 * 60_000,
  60 * 60_000,
  6 * 60 * 60_000,
  24 * 60 * 60_000,
];
export const CLASSES: readonly StatusClass[] = ['3xx', '4xx', '5xx', 'unknown'];

export interface ReportLimits {
  maxBins: number;
  maxCodes: number;
  samplesPerCode: number;
}

export const REPORT_LIMITS: ReportLimits = { maxBins: 3000, maxCodes: 200, samplesPerCode: 5 };

interface Bin {
  byClass: number[];
  byCode: Map<string, number>;
}

interface CodeStats {
  code: string;
  count: number;
  statuses: Map<string, number>;
  category: string;
  known: boolean;
  description: string | null;
  first: number;
  last: number;
  requestIds: string[];
  resources: TopK;
}

export class ReportAggregator {
  private binWidth = BIN_WIDTHS_MS[0] as number;
  private readonly bins = new Map<number, Bin>();
  private readonly codes = new Map<string, CodeStats>();
  private readonly buckets = new TopK(100);
  private readonly keys = new TopK(200);
  private readonly statuses = new Map<string, number>();
  private otherCodes = 0;
  total = 0;

  constructor(private readonly limits: ReportLimits = REPORT_LIMITS) {}

  observe = (event: ObservedEvent): void => {
    this.total++;
    const time = Date.parse(event.time);
    this.addToBin(time, event);
    const status = event.status === null ? 'unknown' : String(event.status);
    this.statuses.set(status, (this.statuses.get(status) ?? 0) + 1);
    if (event.bucket) this.buckets.add(event.bucket);
    if (event.bucket && event.key) this.keys.add(`${event.bucket}/${event.key}`);
    let stats = this.codes.get(event.code);
    if (!stats) {
      if (this.codes.size >= this.limits.maxCodes) {
        this.otherCodes++;
        return;
      }
      stats = {
        code: event.code,
        count: 0,
        statuses: new Map(),
        category: event.category,
        known: event.known,
        description: event.description,
        first: time,
        last: time,
        requestIds: [],
        resources: new TopK(50),
      };
      this.codes.set(event.code, stats);
    }
    stats.count++;
    stats.statuses.set(status, (stats.statuses.get(status) ?? 0) + 1);
    if (time < stats.first) stats.first = time;
    if (time > stats.last) stats.last = time;
    if (
      event.requestId &&
      stats.requestIds.length < this.limits.samplesPerCode &&
      !stats.requestIds.includes(event.requestId)
    ) {
      stats.requestIds.push(event.requestId);
    }
    if (event.resource) stats.resources.add(event.resource);
  };

  private addToBin(time: number, event: ObservedEvent): void {
    if (Number.isNaN(time)) return;
    const start = time - (time % this.binWidth);
    let bin = this.bins.get(start);
    if (!bin) {
      bin = { byClass: [0, 0, 0, 0], byCode: new Map() };
      this.bins.set(start, bin);
      if (this.bins.size > this.limits.maxBins) {
        this.coarsen();
        bin = this.bins.get(time - (time % this.binWidth)) as Bin;
      }
    }
    const cls = CLASSES.indexOf(event.class);
    bin.byClass[cls] = (bin.byClass[cls] as number) + 1;
    bin.byCode.set(event.code, (bin.byCode.get(event.code) ?? 0) + 1);
  }

  private spanBins(): number {
    if (this.bins.size === 0) return 0;
    const starts = [...this.bins.keys()];
    return (Math.max(...starts) - Math.min(...starts)) / this.binWidth + 1;
  }

  /** Too many bins for the span: merge them into the next wider width. Memory stays bounded for any span. */
  private coarsen(): void {
    const wider = BIN_WIDTHS_MS.find((w) => w > this.binWidth) ?? this.binWidth * 2;
    const merged = new Map<number, Bin>();
    for (const [start, bin] of this.bins) {
      const at = start - (start % wider);
      const into = merged.get(at) ?? { byClass: [0, 0, 0, 0], byCode: new Map<string, number>() };
      bin.byClass.forEach((n, i) => {
        into.byClass[i] = (into.byClass[i] as number) + n;
      });
      for (const [code, n] of bin.byCode) into.byCode.set(code, (into.byCode.get(code) ?? 0) + n);
      merged.set(at, into);
    }
    this.bins.clear();
    for (const [k, v] of merged) this.bins.set(k, v);
    this.binWidth = wider;
  }

  /** Everything the page shows, as plain JSON. `spikes`: bins well above the median (3x, and 5 more errors). */
  summary() {
    // The page draws every bin of the span, empty ones too: the width must fit the span, not only the data.
    while (this.spanBins() > this.limits.maxBins) this.coarsen();
    const starts = [...this.bins.keys()].sort((a, b) => a - b);
    const first = starts[0] ?? 0;
    const last = starts.at(-1) ?? 0;
    // Empty bins between the first and the last are zeros, not gaps.
    const times: number[] = [];
    for (let t = first; starts.length > 0 && t <= last; t += this.binWidth) times.push(t);
    const series = CLASSES.map((_, i) => times.map((t) => this.bins.get(t)?.byClass[i] ?? 0));
    const totals = times.map((t) => (this.bins.get(t)?.byClass ?? []).reduce((a, b) => a + b, 0));
    const codes = [...this.codes.values()].sort((a, b) => b.count - a.count || a.code.localeCompare(b.code));
    const topCodes = codes.slice(0, 8).map((c) => c.code);
    const byCode = topCodes.map((code) => times.map((t) => this.bins.get(t)?.byCode.get(code) ?? 0));
    const sorted = [...totals].sort((a, b) => a - b);
    const median = sorted.length === 0 ? 0 : (sorted[Math.floor((sorted.length - 1) / 2)] as number);
    const spikes = times.flatMap((t, i) => {
      const n = totals[i] as number;
      return n >= Math.max(3 * median, median + 5) ? [{ start: t, errors: n }] : [];
    });
    return {
      binWidthMs: this.binWidth,
      times,
      classes: CLASSES,
      series,
      topCodes,
      byCode,
      median,
      spikes,
      total: this.total,
      otherCodes: this.otherCodes,
      codes: codes.map((c) => ({
        code: c.code,
        count: c.count,
        share: this.total === 0 ? 0 : c.count / this.total,
        statuses: Object.fromEntries([...c.statuses].sort((a, b) => b[1] - a[1])),
        category: c.category,
        known: c.known,
        description: c.description,
        first: new Date(c.first).toISOString(),
        last: new Date(c.last).toISOString(),
        requestIds: c.requestIds,
        resources: c.resources
          .top(5)
          .map((r) => ({ resource: r.key, count: r.count, approximate: r.error > 0 })),
      })),
      buckets: this.buckets.top(10).map((b) => ({ bucket: b.key, count: b.count, approximate: b.error > 0 })),
      keys: this.keys.top(10).map((k) => ({ key: k.key, count: k.count, approximate: k.error > 0 })),
      statuses: Object.fromEntries([...this.statuses].sort((a, b) => b[1] - a[1])),
    };
  }
}

export type ReportSummary = ReturnType<ReportAggregator['summary']>;
