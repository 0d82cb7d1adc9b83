// Prometheus metrics: error counters with bounded labels, request counts and self-monitoring read from the stats.
import { Counter, collectDefaultMetrics, Gauge, type OpenMetricsContentType, Registry } from 'prom-client';
import { ALIASES, CATALOG, lookupCode } from '../catalog/index.js';
import type { MetricsOptions } from '../config.js';
import { FAILURE_REASONS } from '../extract/types.js';
import { type PipelineStats, restoreStats, SKIP_REASONS, statsToJson, type TailerFigures } from '../stats.js';
import type { ObservedEvent } from './observed.js';
import { registerTailerMetrics } from './tailer-metrics.js';

/** Counter values saved with the positions file, so a restart neither resets nor double counts. */
export interface CounterState {
  errors: { code: string; status: string; class: string; category: string; value: number }[];
  buckets: { bucket: string; class: string; value: number }[];
  unknownOverflow: number;
  bucketOverflow: number;
  /** The self-monitoring totals (lines, bytes, bodies, requests…), from which those counters are read. */
  stats: Record<string, unknown>;
}

const CODE_LIKE = /^[A-Za-z0-9]{1,64}$/;
// S3 and OSS bucket names: lowercase letters, digits, dots and hyphens, 3 to 63 characters.
const BUCKET_LIKE = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
export const OTHER = 'other';
// OpenMetrics caps an exemplar's label set at 128 characters (names and values): `request_id` leaves 118.
// Request IDs are hex or base64-like; anything else (a redaction mark, a stray quote) is never an exemplar.
const EXEMPLAR_REQUEST_ID = /^[A-Za-z0-9._:/+=-]{1,118}$/;

type ErrorLabels = Record<'code' | 'status' | 'class' | 'category', string>;
/** One series of `oss_errors_total`: errors not yet added to the counter, and its latest usable RequestId. */
interface ErrorSeries {
  labels: ErrorLabels;
  count: number;
  requestId: string | undefined;
}

/**
 * An OpenMetrics registry whose metrics are shared with a text one. prom-client renames each counter to its
 * family name (no `_total`) in place while rendering OpenMetrics; the names are put back before any other
 * request runs (rendering is synchronous work between awaits that need no I/O), so the text format keeps them.
 */
class SharedOpenMetricsRegistry extends Registry<OpenMetricsContentType> {
  constructor() {
    super();
    this.setContentType(Registry.OPENMETRICS_CONTENT_TYPE);
  }

  override async metrics(): Promise<string> {
    const metrics = this.getMetricsAsArray() as unknown as { name: string }[];
    const names = metrics.map((m) => m.name);
    try {
      return await super.metrics();
    } finally {
      metrics.forEach((m, i) => {
        m.name = names[i] as string;
      });
    }
  }
}

/**
 * The exporter's metrics, registered in two registries that share every metric: one answers in the
 * Prometheus text format, the other in OpenMetrics, so each scrape gets the format it asked for.
 */
export class ExporterMetrics {
  readonly text = new Registry();
  readonly openMetrics: Registry<OpenMetricsContentType> = new SharedOpenMetricsRegistry();
  private readonly errors: Counter<'code' | 'status' | 'class' | 'category'>;
  private readonly byBucket: Counter<'bucket' | 'class'> | undefined;
  private readonly unknownOverflow: Counter;
  private readonly bucketOverflow: Counter;
  /**
   * Series by the event's code, then by its status and category (a code comes with one or two): no key string
   * is built and hashed per event. `other` series by their labels.
   */
  private readonly errorSeries = new Map<
    string,
    { status: number | null; category: string; series: ErrorSeries }[]
  >();
  private readonly otherSeries = new Map<string, ErrorSeries>();
  /** Every series in the order its first error came: the order the counter shows them in. */
  private readonly seriesInOrder: ErrorSeries[] = [];
  /** Errors by bucket label and class not yet added to `oss_errors_by_bucket_total`, as for the errors. */
  private readonly bucketSeries = new Map<
    string,
    { labels: { bucket: string; class: string }; count: number }
  >();
  private readonly unknownCodes = new Set<string>();
  private readonly buckets = new Set<string>();

  constructor(
    private readonly stats: PipelineStats,
    private readonly options: MetricsOptions,
  ) {
    // prom-client types a registry by its format; metrics themselves are format-free.
    const registers = [this.text, this.openMetrics as unknown as Registry];
    // Each series carries the RequestId of its latest error as an exemplar. prom-client refuses exemplars on a
    // text registry at construction; the text format leaves them out, so the same counter is added there after.
    this.errors = new Counter({
      name: 'oss_errors_total',
      help: 'OSS error bodies found, by error code, HTTP status, status class and category.',
      labelNames: ['code', 'status', 'class', 'category'],
      registers: [this.openMetrics],
      enableExemplars: true,
      collect: () => this.addObserved(),
    });
    this.text.registerMetric(this.errors);
    // Known codes exist at zero from the start, so rate() and increase() see the first error.
    const zero = (code: string, status: string, cls: string, category: string) =>
      this.errors.inc({ labels: { code, status, class: cls, category }, value: 0 });
    for (const row of CATALOG) zero(row.code, String(row.status), row.class, row.category);
    for (const [alias, canonical] of Object.entries(ALIASES)) {
      for (const row of lookupCode(canonical)?.rows ?? [])
        zero(alias, String(row.status), row.class, row.category);
    }
    this.unknownOverflow = new Counter({
      name: 'oss_unknown_codes_overflow_total',
      help: 'Errors counted as code="other": the code did not look like one, or the cap on distinct unknown codes was reached.',
      registers,
    });
    this.byBucket = options.labelBucket
      ? new Counter({
          name: 'oss_errors_by_bucket_total',
          help: 'OSS errors by bucket (capped; the rest count as bucket="other") and status class.',
          labelNames: ['bucket', 'class'],
          registers,
          collect: () => this.addBucketsObserved(),
        })
      : undefined;
    this.bucketOverflow = new Counter({
      name: 'oss_bucket_label_overflow_total',
      help: 'Errors counted as bucket="other" because the cap on distinct buckets was reached.',
      registers,
    });
    this.registerStats(registers);
    new Gauge({
      name: 'oss_exporter_build_info',
      help: 'Always 1; the version label says which build runs.',
      labelNames: ['version', 'nodejs'],
      registers,
    })
      .labels(options.version, process.version)
      .set(1);
    // Process metrics describe a live process: a --metrics-file written at the end of a run does without them.
    for (const registry of options.processMetrics ? registers : []) {
      // Event-loop delay sampled every 100 ms, not prom-client's 10: a sidecar mostly waits, and 100 wakeups a
      // second per registry were most of its idle CPU.
      collectDefaultMetrics({ register: registry, eventLoopMonitoringPrecision: 100 });
      // Gauges named *_total break the naming rule promtool checks; the same numbers stay, by type, in
      // nodejs_active_handles, nodejs_active_requests and nodejs_active_resources.
      for (const name of [
        'nodejs_active_handles_total',
        'nodejs_active_requests_total',
        'nodejs_active_resources_total',
      ]) {
        registry.removeSingleMetric(name);
      }
    }
  }

  /** Adds the follower's per-file metrics (follow mode only). */
  addTailer(read: () => TailerFigures): void {
    registerTailerMetrics([this.text, this.openMetrics as unknown as Registry], read);
  }

  /**
   * One error event: a Map lookup and a plain increment once its series has been seen; the counter gets the
   * sums when it is read (prom-client's `inc` hashes and validates its labels on every call). The event's
   * RequestId becomes the series' exemplar; an event without a usable one leaves the previous exemplar. An
   * exemplar's timestamp is the time its counter was read after the error.
   */
  observe = (event: ObservedEvent): void => {
    const ofCode = this.errorSeries.get(event.code);
    let series: ErrorSeries | undefined;
    if (ofCode !== undefined)
      for (const known of ofCode)
        if (known.status === event.status && known.category === event.category) {
          series = known.series;
          break;
        }
    if (series === undefined) {
      const code = this.codeLabel(event);
      const status = event.status === null ? 'unknown' : String(event.status);
      const labels = { code, status, class: event.class, category: event.category };
      // A code counted as `other` is not cached under its own key: each of its events is an overflow.
      if (code === OTHER) {
        this.unknownOverflow.inc();
        series = this.seriesOf(
          this.otherSeries,
          `${status}\u0000${event.class}\u0000${event.category}`,
          labels,
        );
      } else {
        series = { labels, count: 0, requestId: undefined };
        this.seriesInOrder.push(series);
        const entry = { status: event.status, category: event.category, series };
        if (ofCode === undefined) this.errorSeries.set(event.code, [entry]);
        else ofCode.push(entry);
      }
    }
    series.count++;
    const requestId = event.requestId;
    if (requestId !== null && EXEMPLAR_REQUEST_ID.test(requestId)) series.requestId = requestId;
    if (this.byBucket) this.countBucket(event);
  };

  private seriesOf(map: Map<string, ErrorSeries>, key: string, labels: ErrorLabels): ErrorSeries {
    let series = map.get(key);
    if (series === undefined) {
      series = { labels, count: 0, requestId: undefined };
      map.set(key, series);
      this.seriesInOrder.push(series);
    }
    return series;
  }

  /** Adds the errors observed since the counter was last read, and their series' latest exemplars. */
  private addObserved(): void {
    for (const series of this.seriesInOrder) {
      if (series.count > 0) this.errors.inc({ labels: series.labels, value: series.count });
      series.count = 0;
      if (series.requestId === undefined) continue;
      // prom-client types exemplar labels with the metric's own label names. An increment of 0 sets the
      // exemplar (its value is 1, as for one error) and leaves the count.
      const exemplarLabels = { request_id: series.requestId } as unknown as Partial<ErrorLabels>;
      this.errors.inc({ labels: series.labels, value: 0, exemplarLabels });
      series.requestId = undefined;
    }
  }

  private codeLabel(event: ObservedEvent): string {
    if (event.known || this.unknownCodes.has(event.code)) return event.code;
    if (!CODE_LIKE.test(event.code) || this.unknownCodes.size >= this.options.maxUnknownCodes) return OTHER;
    this.unknownCodes.add(event.code);
    return event.code;
  }

  private countBucket(event: ObservedEvent): void {
    const bucket = event.bucket ?? 'unknown';
    const key = `${bucket}\u0000${event.class}`;
    let series = this.bucketSeries.get(key);
    if (series === undefined) {
      let label = bucket;
      if (bucket !== 'unknown' && !this.buckets.has(bucket)) {
        if (BUCKET_LIKE.test(bucket) && this.buckets.size < this.options.maxBuckets) this.buckets.add(bucket);
        else label = OTHER;
      }
      // A bucket counted as `other` is not kept under its own key: each of its events is an overflow.
      if (label === OTHER) {
        this.bucketOverflow.inc();
        const otherKey = `${OTHER}\u0000${event.class}`;
        series = this.bucketSeries.get(otherKey);
        if (series === undefined) {
          series = { labels: { bucket: OTHER, class: event.class }, count: 0 };
          this.bucketSeries.set(otherKey, series);
        }
      } else {
        series = { labels: { bucket: label, class: event.class }, count: 0 };
        this.bucketSeries.set(key, series);
      }
    }
    series.count++;
  }

  /** Adds the errors by bucket observed since the counter was last read. */
  private addBucketsObserved(): void {
    for (const series of this.bucketSeries.values()) {
      if (series.count === 0) continue;
      this.byBucket?.inc(series.labels, series.count);
      series.count = 0;
    }
  }

  /** Counters derived from the hot path's plain stats: read at scrape time, never incremented per line. */
  private registerStats(registers: Registry[]): void {
    const stats = this.stats;
    const fromStats = (name: string, help: string, read: () => number) => {
      let reported = 0;
      new Counter({
        name,
        help,
        registers,
        collect() {
          const now = read();
          if (now > reported) this.inc(now - reported);
          reported = now;
        },
      });
    };
    const byLabel = <L extends string>(
      name: string,
      help: string,
      label: string,
      values: readonly L[],
      read: (value: L) => number,
    ) => {
      const reported = new Map<L, number>(values.map((v) => [v, 0]));
      const counter = new Counter({
        name,
        help,
        labelNames: [label],
        registers,
        collect() {
          for (const value of values) {
            const now = read(value);
            const before = reported.get(value) ?? 0;
            if (now > before) this.labels(value).inc(now - before);
            reported.set(value, now);
          }
        },
      });
      for (const value of values) counter.labels(value).inc(0);
    };
    const CLASSES = ['1xx', '2xx', '3xx', '4xx', '5xx'] as const;
    byLabel(
      'oss_requests_total',
      'Access-log lines whose HTTP status could be read, by status class: the denominator of the error ratio.',
      'class',
      CLASSES,
      (cls) => stats.requestsByClass[Number(cls[0])] ?? 0,
    );
    fromStats('oss_exporter_lines_read_total', 'Physical lines read from all sources.', () => stats.lines);
    fromStats(
      'oss_exporter_bytes_read_total',
      'Bytes read from all sources (after gzip decompression).',
      () => stats.bytes,
    );
    fromStats(
      'oss_exporter_error_bodies_total',
      'XML error bodies found, readable or not.',
      () => stats.bodies,
    );
    byLabel(
      'oss_exporter_unparseable_bodies_total',
      'Error bodies that could not be read, by reason.',
      'reason',
      FAILURE_REASONS,
      (reason) => stats.failures[reason],
    );
    byLabel(
      'oss_exporter_records_skipped_total',
      'Records passed over without extraction, by reason (over the length bounds).',
      'reason',
      SKIP_REASONS,
      (reason) => stats.skipped[reason],
    );
    fromStats(
      'oss_exporter_events_written_total',
      'JSON events handed to the output.',
      () => stats.eventsWritten,
    );
    fromStats(
      'oss_exporter_events_dropped_total',
      'JSON events lost because the output failed.',
      () => stats.eventsDropped,
    );
  }

  async snapshot(): Promise<CounterState> {
    const label = (labels: Record<string, string | number | undefined>, name: string) =>
      String(labels[name] ?? '');
    const errors = (await this.errors.get()).values
      .filter((v) => v.value > 0)
      .map(({ labels, value }) => ({
        code: label(labels, 'code'),
        status: label(labels, 'status'),
        class: label(labels, 'class'),
        category: label(labels, 'category'),
        value,
      }));
    const buckets = this.byBucket
      ? (await this.byBucket.get()).values
          .filter((v) => v.value > 0)
          .map(({ labels, value }) => ({
            bucket: label(labels, 'bucket'),
            class: label(labels, 'class'),
            value,
          }))
      : [];
    return {
      errors,
      buckets,
      unknownOverflow: (await this.unknownOverflow.get()).values[0]?.value ?? 0,
      bucketOverflow: (await this.bucketOverflow.get()).values[0]?.value ?? 0,
      stats: statsToJson(this.stats),
    };
  }

  /**
   * Adds saved values back (call once, before ingestion starts); label caps count the restored labels.
   * Saved values are checked first: a damaged section restores nothing and answers false (counters start
   * from zero); a missing field counts as zero.
   */
  restore(saved: unknown): boolean {
    const state = counterState(saved);
    if (state === undefined) return false;
    for (const e of state.errors) {
      if (!lookupCode(e.code) && e.code !== OTHER) {
        if (this.unknownCodes.size >= this.options.maxUnknownCodes) continue;
        this.unknownCodes.add(e.code);
      }
      this.errors.inc({
        labels: { code: e.code, status: e.status, class: e.class, category: e.category },
        value: e.value,
      });
    }
    if (this.byBucket) {
      for (const b of state.buckets) {
        if (b.bucket !== OTHER && b.bucket !== 'unknown') this.buckets.add(b.bucket);
        this.byBucket.labels(b.bucket, b.class).inc(b.value);
      }
    }
    this.unknownOverflow.inc(state.unknownOverflow);
    this.bucketOverflow.inc(state.bucketOverflow);
    restoreStats(this.stats, state.stats);
    return true;
  }
}

const amount = (v: unknown) => typeof v === 'number' && Number.isFinite(v) && v >= 0;

/** Saved counters checked field by field: the whole state, or undefined when any part is damaged. */
function counterState(saved: unknown): CounterState | undefined {
  if (saved === null || typeof saved !== 'object') return undefined;
  const s = saved as Record<string, unknown>;
  const rows = <K extends string>(value: unknown, keys: readonly K[]) => {
    if (value === undefined) return [];
    if (!Array.isArray(value)) return undefined;
    const ok = value.every(
      (row: unknown) =>
        row !== null &&
        typeof row === 'object' &&
        keys.every((k) => typeof (row as Record<string, unknown>)[k] === 'string') &&
        amount((row as Record<string, unknown>).value),
    );
    return ok ? (value as (Record<K, string> & { value: number })[]) : undefined;
  };
  const errors = rows(s.errors, ['code', 'status', 'class', 'category'] as const);
  const buckets = rows(s.buckets, ['bucket', 'class'] as const);
  const number = (v: unknown) => (v === undefined ? 0 : amount(v) ? (v as number) : undefined);
  const unknownOverflow = number(s.unknownOverflow);
  const bucketOverflow = number(s.bucketOverflow);
  const stats = s.stats === undefined || (s.stats !== null && typeof s.stats === 'object') ? s.stats : null;
  if (!errors || !buckets || unknownOverflow === undefined || bucketOverflow === undefined || stats === null)
    return undefined;
  return {
    errors,
    buckets,
    unknownOverflow,
    bucketOverflow,
    stats: (stats ?? {}) as Record<string, unknown>,
  };
}
