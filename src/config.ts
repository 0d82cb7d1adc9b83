// Reads and checks the command line once; everything after start-up receives the frozen result.
import { type ParseArgsConfig, parseArgs } from 'node:util';
import { ConfigError } from './errors.js';

/** The bounds framing keeps to: every buffer has one. */
export interface FramingLimits {
  /** Longer lines (and joined partial lines), in bytes, are skipped and counted. */
  maxLineBytes: number;
  /** A pretty-printed body longer than this many lines is given up and counted as truncated. */
  maxBodyLines: number;
  maxBodyChars: number;
}

export const DEFAULT_LIMITS: FramingLimits = {
  maxLineBytes: 1024 * 1024,
  maxBodyLines: 256,
  maxBodyChars: 64 * 1024,
};

export interface MetricsOptions {
  /** prom-client's process and Node.js metrics: only while serving /metrics. */
  processMetrics: boolean;
  /** Distinct codes outside the catalogue that keep their own label value; the rest count as `other`. */
  maxUnknownCodes: number;
  /** Adds `oss_errors_by_bucket_total{bucket, class}`. */
  labelBucket: boolean;
  maxBuckets: number;
  version: string;
}

export const DEFAULT_METRICS_OPTIONS: Omit<MetricsOptions, 'version' | 'processMetrics'> = {
  maxUnknownCodes: 100,
  labelBucket: false,
  maxBuckets: 100,
};

/** Field names of the JSON events: the project's own (`native`), Elastic Common Schema, OpenTelemetry. */
export const EVENT_FORMATS = ['native', 'ecs', 'otel'] as const;
export type EventFormat = (typeof EVENT_FORMATS)[number];

export const DEFAULT_PORT = 9817;

export interface ListenAddress {
  /** undefined: every interface, as `:9817` means in Go exporters. */
  host: string | undefined;
  port: number;
}

/** `HOST:PORT`, `:PORT`, `[::1]:PORT`; the flag name goes in any error. */
export function parseListen(text: string, flag = 'listen'): ListenAddress {
  const m = /^(?:\[([^\]]+)\]|([^:[\]]*)):(\d{1,5})$/.exec(text.trim());
  const port = m ? Number(m[3]) : Number.NaN;
  if (!m || port > 65535) throw new ConfigError(`--${flag}: expected HOST:PORT or :PORT, got '${text}'`);
  const host = m[1] ?? m[2];
  return { host: host === '' ? undefined : host, port };
}

export interface RunConfig {
  files: readonly string[];
  limits: FramingLimits;
  /** 2: plain files of 256 MiB and more are read by the main thread and a worker thread, large `.gz` files inflated by one; 1: the main thread alone. */
  threads: number;
  events: boolean;
  eventFormat: EventFormat;
  summary: boolean;
  progress: boolean;
  logLevel: string;
  listen: ListenAddress | undefined;
  metricsFile: string | undefined;
  webConfig: string | undefined;
  /** Where /metrics is served; `--web.telemetry-path`. */
  telemetryPath: string;
  metrics: Omit<MetricsOptions, 'version' | 'processMetrics'>;
  follow: FollowConfig | undefined;
}

export interface FollowConfig {
  excludes: readonly string[];
  fromEnd: boolean;
  positionsFile: string | undefined;
  positionsIntervalMs: number;
  rotateWaitMs: number;
  pollIntervalMs: number;
  resetCounters: boolean;
}

export const FOLLOW_DEFAULTS = { positionsInterval: '5s', rotateWait: '5s', pollInterval: '250ms' } as const;

export const DEFAULTS = {
  maxLineLength: '1MiB',
  maxBodyLines: String(DEFAULT_LIMITS.maxBodyLines),
  threads: '2',
} as const;

const UNITS: Readonly<Record<string, number>> = {
  '': 1,
  k: 1e3,
  kb: 1e3,
  kib: 1024,
  m: 1e6,
  mb: 1e6,
  mib: 1024 ** 2,
  gib: 1024 ** 3,
};

/** A size as people write it, for messages: 1024 → `1KiB`. */
function formatSize(bytes: number): string {
  for (const [unit, n] of [
    ['GiB', 1024 ** 3],
    ['MiB', 1024 ** 2],
    ['KiB', 1024],
  ] as const) {
    if (bytes >= n && bytes % n === 0) return `${bytes / n}${unit}`;
  }
  return String(bytes);
}

/** `1MiB`, `64KiB`, `500kB`, `1048576` → a count in [min, max]; the flag name goes in any error. */
export function parseSize(flag: string, text: string, min: number, max: number): number {
  const m = /^(\d+(?:\.\d+)?)\s*([a-zA-Z]*)$/.exec(text.trim());
  const unit = m ? UNITS[(m[2] as string).toLowerCase()] : undefined;
  if (!m || unit === undefined)
    throw new ConfigError(`--${flag}: not a size: '${text}' (use e.g. 1048576, 64KiB, 1MiB)`);
  const n = Math.floor(Number(m[1]) * unit);
  if (n < min || n > max)
    throw new ConfigError(
      `--${flag}: expected a size from ${formatSize(min)} to ${formatSize(max)}, got '${text}'`,
    );
  return n;
}

/** A whole number in [min, max]; the flag name goes in any error. */
export function parseInteger(flag: string, text: string, min: number, max: number): number {
  const n = Number(text);
  if (!/^\d+$/.test(text.trim()) || n < min || n > max) {
    throw new ConfigError(`--${flag}: expected a whole number from ${min} to ${max}, got '${text}'`);
  }
  return n;
}

export const RUN_OPTIONS = {
  help: { type: 'boolean', short: 'h' },
  version: { type: 'boolean' },
  'max-line-length': { type: 'string' },
  'max-body-lines': { type: 'string' },
  threads: { type: 'string' },
  'no-events': { type: 'boolean' },
  'event-format': { type: 'string' },
  'no-summary': { type: 'boolean' },
  'no-progress': { type: 'boolean' },
  'log-level': { type: 'string' },
  listen: { type: 'string' },
  'metrics-file': { type: 'string' },
  'web-config': { type: 'string' },
  // The Go exporters' spellings (exporter-toolkit, node_exporter), beside ours.
  'web.listen-address': { type: 'string' },
  'web.config.file': { type: 'string' },
  'web.telemetry-path': { type: 'string' },
  'label-bucket': { type: 'boolean' },
  'max-buckets': { type: 'string' },
  'max-unknown-codes': { type: 'string' },
  follow: { type: 'boolean', short: 'F' },
  exclude: { type: 'string', multiple: true },
  'from-end': { type: 'boolean' },
  positions: { type: 'string' },
  'positions-interval': { type: 'string' },
  'rotate-wait': { type: 'string' },
  'poll-interval': { type: 'string' },
  'reset-counters': { type: 'boolean' },
} as const;

const DURATION_UNITS: Readonly<Record<string, number>> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** `250ms`, `5s`, `2m`, `1h` → milliseconds in [minMs, maxMs]; the flag name goes in any error. */
export function parseDuration(flag: string, text: string, minMs: number, maxMs: number): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)$/.exec(text.trim());
  const ms = m ? Number(m[1]) * (DURATION_UNITS[m[2] as string] as number) : Number.NaN;
  if (!(ms >= minMs && ms <= maxMs))
    throw new ConfigError(
      `--${flag}: expected a duration from ${minMs}ms to ${maxMs / 3_600_000}h such as 250ms, 5s or 1m, got '${text}'`,
    );
  return ms;
}

/** Line length bounds: a follow reader holds one line's worth of buffer per file. */
export const LINE_LENGTH_RANGE = { min: 1024, max: 64 * 1024 ** 2 } as const;
/** Durations past an hour are mistakes (and Node's timers wrap past 2^31-1 ms). */
const HOUR = 3_600_000;

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

function oneOf(flag: string, value: string, allowed: readonly string[]): string {
  if (!allowed.includes(value))
    throw new ConfigError(`--${flag}: expected one of ${allowed.join(', ')}, got '${value}'`);
  return value;
}

/** Turns util.parseArgs' errors into one line that names the flag. */
export function parseFlags<T extends ParseArgsConfig>(config: T): ReturnType<typeof parseArgs<T>> {
  try {
    return parseArgs(config);
  } catch (error) {
    const message = (error as Error).message.split('\n')[0] ?? String(error);
    throw new ConfigError(message.replace(/\. To specify a positional argument.*$/, ''));
  }
}

/** One value from a flag and its Go-style alias; both given with different values is an error naming them. */
function aliased(values: Record<string, unknown>, ours: string, go: string): string | undefined {
  const a = values[ours] as string | undefined;
  const b = values[go] as string | undefined;
  if (a !== undefined && b !== undefined && a !== b)
    throw new ConfigError(`--${ours} '${a}' and --${go} '${b}' disagree: give one`);
  return a ?? b;
}

function webFlags(
  values: Record<string, unknown>,
): Pick<RunConfig, 'listen' | 'webConfig' | 'telemetryPath'> {
  const listen = aliased(values, 'listen', 'web.listen-address');
  const telemetryPath = (values['web.telemetry-path'] as string | undefined) ?? '/metrics';
  if (!/^\/[^?#\s]*$/.test(telemetryPath) || ['/healthz', '/readyz'].includes(telemetryPath))
    throw new ConfigError(
      `--web.telemetry-path: expected a path starting with '/' other than /healthz and /readyz, got '${telemetryPath}'`,
    );
  return {
    listen:
      listen === undefined
        ? undefined
        : parseListen(listen, values.listen === undefined ? 'web.listen-address' : 'listen'),
    webConfig: aliased(values, 'web-config', 'web.config.file'),
    telemetryPath,
  };
}

export function runConfig(
  args: readonly string[],
  isTTY: boolean,
): RunConfig & { help: boolean; version: boolean } {
  const { values, positionals } = parseFlags({
    args: [...args],
    options: RUN_OPTIONS,
    allowPositionals: true,
  });
  if (values.follow !== true) {
    for (const flag of [
      'exclude',
      'from-end',
      'positions',
      'positions-interval',
      'rotate-wait',
      'poll-interval',
      'reset-counters',
    ] as const) {
      if (values[flag] !== undefined) throw new ConfigError(`--${flag}: only with --follow`);
    }
  }
  const maxLineBytes = parseSize(
    'max-line-length',
    values['max-line-length'] ?? DEFAULTS.maxLineLength,
    LINE_LENGTH_RANGE.min,
    LINE_LENGTH_RANGE.max,
  );
  return Object.freeze({
    help: values.help === true,
    version: values.version === true,
    files: Object.freeze(positionals.length > 0 ? positionals : ['-']),
    limits: Object.freeze({
      ...DEFAULT_LIMITS,
      maxLineBytes,
      maxBodyLines: parseInteger(
        'max-body-lines',
        values['max-body-lines'] ?? DEFAULTS.maxBodyLines,
        2,
        100_000,
      ),
    }),
    threads: parseInteger('threads', values.threads ?? DEFAULTS.threads, 1, 2),
    events: values['no-events'] !== true,
    eventFormat: oneOf('event-format', values['event-format'] ?? 'native', EVENT_FORMATS) as EventFormat,
    summary: values['no-summary'] !== true,
    progress: isTTY && values['no-progress'] !== true,
    logLevel: oneOf('log-level', values['log-level'] ?? 'info', LOG_LEVELS),
    ...webFlags(values),
    metricsFile: values['metrics-file'],
    follow:
      values.follow === true
        ? Object.freeze({
            excludes: Object.freeze(values.exclude ?? []),
            fromEnd: values['from-end'] === true,
            positionsFile: values.positions,
            positionsIntervalMs: parseDuration(
              'positions-interval',
              values['positions-interval'] ?? FOLLOW_DEFAULTS.positionsInterval,
              100,
              HOUR,
            ),
            rotateWaitMs: parseDuration(
              'rotate-wait',
              values['rotate-wait'] ?? FOLLOW_DEFAULTS.rotateWait,
              0,
              HOUR,
            ),
            pollIntervalMs: parseDuration(
              'poll-interval',
              values['poll-interval'] ?? FOLLOW_DEFAULTS.pollInterval,
              10,
              HOUR,
            ),
            resetCounters: values['reset-counters'] === true,
          })
        : undefined,
    metrics: Object.freeze({
      labelBucket: values['label-bucket'] === true,
      maxBuckets: parseInteger(
        'max-buckets',
        values['max-buckets'] ?? String(DEFAULT_METRICS_OPTIONS.maxBuckets),
        1,
        100_000,
      ),
      maxUnknownCodes: parseInteger(
        'max-unknown-codes',
        values['max-unknown-codes'] ?? String(DEFAULT_METRICS_OPTIONS.maxUnknownCodes),
        0,
        100_000,
      ),
    }),
  });
}
