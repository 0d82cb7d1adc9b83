// Plain counters the hot path bumps; the metrics sink reads them at scrape time instead of calling prom-client per line.
import { FAILURE_REASONS, type FailureReason } from './extract/types.js';

/** Why a record was passed over without extraction. A bounded set: it is a metric label. */
export const SKIP_REASONS = ['too-long', 'partial-too-long', 'body-too-many-lines'] as const;
export type SkipReason = (typeof SKIP_REASONS)[number];

export interface PipelineStats {
  bytes: number;
  lines: number;
  /** Records that passed the cheap check and went to extraction. */
  candidates: number;
  bodies: number;
  events: number;
  eventsWritten: number;
  eventsDropped: number;
  /** Access-log lines by status class, index 1..5 for 1xx..5xx; index 0 is unused. */
  requestsByClass: Float64Array;
  failures: Record<FailureReason, number>;
  skipped: Record<SkipReason, number>;
}

export function newStats(): PipelineStats {
  return {
    bytes: 0,
    lines: 0,
    candidates: 0,
    bodies: 0,
    events: 0,
    eventsWritten: 0,
    eventsDropped: 0,
    requestsByClass: new Float64Array(6),
    failures: Object.fromEntries(FAILURE_REASONS.map((r) => [r, 0])) as Record<FailureReason, number>,
    skipped: Object.fromEntries(SKIP_REASONS.map((r) => [r, 0])) as Record<SkipReason, number>,
  };
}

/** Counts an access-log line by status class; 0 means the status could not be read. */
export function countRequest(stats: PipelineStats, status: number): void {
  if (status === 0) return;
  const byClass = stats.requestsByClass;
  const cls = (status / 100) | 0;
  byClass[cls] = (byClass[cls] as number) + 1;
}

/** The plain counters of the stats (the rest are per-reason and per-class tables). */
const COUNT_KEYS = [
  'bytes',
  'lines',
  'candidates',
  'bodies',
  'events',
  'eventsWritten',
  'eventsDropped',
] as const;

/** Adds the counts of a part of the input (a block framed in a worker) to the run's. */
export function addStats(into: PipelineStats, from: PipelineStats): void {
  for (const key of COUNT_KEYS) into[key] += from[key];
  for (let i = 0; i < into.requestsByClass.length; i++)
    into.requestsByClass[i] = (into.requestsByClass[i] as number) + (from.requestsByClass[i] as number);
  for (const reason of FAILURE_REASONS) into.failures[reason] += from.failures[reason];
  for (const reason of SKIP_REASONS) into.skipped[reason] += from.skipped[reason];
}

/** The stats as plain JSON, for the positions file. */
export function statsToJson(stats: PipelineStats): Record<string, unknown> {
  return { ...stats, requestsByClass: [...stats.requestsByClass] };
}

/** Adds saved totals to fresh stats; unknown or malformed fields are ignored. */
export function restoreStats(stats: PipelineStats, saved: unknown): void {
  if (saved === null || typeof saved !== 'object') return;
  const s = saved as Record<string, unknown>;
  const num = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) && v >= 0 ? v : 0);
  for (const key of COUNT_KEYS) stats[key] += num(s[key]);
  const byClass = Array.isArray(s.requestsByClass) ? s.requestsByClass : [];
  for (let i = 0; i < stats.requestsByClass.length; i++)
    stats.requestsByClass[i] = (stats.requestsByClass[i] as number) + num(byClass[i]);
  const failures = (s.failures ?? {}) as Record<string, unknown>;
  for (const reason of Object.keys(stats.failures) as (keyof PipelineStats['failures'])[])
    stats.failures[reason] += num(failures[reason]);
  const skipped = (s.skipped ?? {}) as Record<string, unknown>;
  for (const reason of Object.keys(stats.skipped) as (keyof PipelineStats['skipped'])[])
    stats.skipped[reason] += num(skipped[reason]);
}

/** Per-path figures for the tailer's metrics. */
export interface FileFigures {
  bytes: number;
  lines: number;
  rotations: number;
  truncations: number;
  /** Bytes between the read offset and the end of the file. */
  lag: number;
}

export function newFigures(): FileFigures {
  return { bytes: 0, lines: 0, rotations: 0, truncations: 0, lag: 0 };
}

/** Why a file could not be opened: a bounded set, for a metric label. */
export const FILE_ERROR_REASONS = ['permission', 'not-found', 'other'] as const;
export type FileErrorReason = (typeof FILE_ERROR_REASONS)[number];

/** What the tailer's metrics read. */
export interface TailerFigures {
  files: ReadonlyMap<string, FileFigures>;
  watched: number;
  positionsWriteFailures: number;
  /** Files that could not be opened, counted once per path and reason until it opens. */
  fileErrors: Readonly<Record<FileErrorReason, number>>;
}
