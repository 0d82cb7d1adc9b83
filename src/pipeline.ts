// The one driver: source chunks → chunk scanner and framer → extraction → sinks → source.commit(position).
import fs from 'node:fs/promises';
import type { Readable, Writable } from 'node:stream';
import type { EventFormat } from './config.js';
import { OutputClosedError } from './errors.js';
import { extractRecord } from './extract/index.js';
import type { Extraction, LogRecord, OssErrorEvent } from './extract/types.js';
import { Framer, type FramingLimits } from './framing/framer.js';
import { ChunkScanner } from './framing/scanner.js';
import { eventPrinter } from './sinks/events.js';
import { batchSource, type ChunkSource, STDIN } from './sources/files.js';
import type { PipelineStats } from './stats.js';

/** Called once per event, in order: the metrics and the summary count here. */
export type EventObserver = (event: OssErrorEvent) => void;

/** Where events go: resolves once the output took them (after 'drain' when it was full). */
export type EventSink = (events: readonly OssErrorEvent[]) => Promise<void>;

/** Extracts a batch of records: counts bodies and failures, tells the observers, returns the events. */
export function extractBatch(
  records: readonly LogRecord[],
  stats: PipelineStats,
  observers: readonly EventObserver[],
): OssErrorEvent[] {
  const readTime = new Date().toISOString();
  const events: OssErrorEvent[] = [];
  for (const record of records) {
    let found: Extraction;
    try {
      found = extractRecord(record, readTime);
    } catch {
      // The extractor is tested never to throw; should it, one record is lost and counted, not the process.
      stats.failures.internal++;
      continue;
    }
    for (const failure of found.failures) stats.failures[failure.reason]++;
    stats.bodies += found.failures.length;
    for (const event of found.events) {
      if (!event.truncated) stats.bodies++;
      stats.events++;
      for (const observe of observers) observe(event);
      events.push(event);
    }
  }
  return events;
}

export interface Drive {
  source: ChunkSource;
  /** The scanner and framer of this source; a followed file keeps its own from one round to the next. */
  scanner: ChunkScanner;
  stats: PipelineStats;
  observers: readonly EventObserver[];
  sink: EventSink;
  /**
   * The source ends where its chunks stop (a batch input, a rotated file being closed): its last line
   * without a newline, and what the framer still holds, are framed. A followed file's chunks stop at what
   * is there now: an unfinished line waits in the scanner for the rest.
   */
  ends: boolean;
}

/**
 * Reads what a source has: each chunk is framed, its records extracted, its events written, and only then
 * is the source told the position a restart may resume from (the scanner's: after the last whole line,
 * never past a record the framer still holds). One chunk's events are in flight at a time: that is the
 * bound on buffered output. Batch reads each input once, to its end; follow reads each file every round.
 */
export async function drive(run: Drive): Promise<void> {
  const { source, scanner, stats, observers, sink } = run;
  const records: LogRecord[] = [];
  const emit = async () => {
    const events = extractBatch(records, stats, observers);
    records.length = 0;
    if (events.length > 0) await sink(events);
  };
  for await (const chunk of source.chunks()) {
    scanner.push(chunk.bytes, records);
    await emit();
    await source.commit(scanner.position);
  }
  if (!run.ends) return;
  scanner.end(records);
  await emit();
  await source.commit(scanner.position);
}

export interface BatchRun {
  files: readonly string[];
  limits: FramingLimits;
  stdin: Readable;
  /** Where JSON events go; null writes none. */
  output: Writable | null;
  /** Field names of the events written (default `native`). */
  eventFormat?: EventFormat;
  observers: readonly EventObserver[];
  /** Told of a source that failed part-way (a corrupt .gz); the run goes on with the next. */
  onSourceError: (source: string, error: Error) => void;
  /**
   * Plain files at least `minBytes` large are read by worker threads in blocks (parallel.ts); tests shrink
   * both; false reads every file on this thread (`--threads 1`).
   */
  parallel?: { minBytes: number; blockBytes: number } | false;
}

/** Plain files at least this large are read by worker threads: below it, starting them costs more than they save. */
export const PARALLEL_MIN_BYTES = 256 * 1024 * 1024;
/** A worker's unit of work; with the blocks in flight, it bounds the events held back for order. */
export const BLOCK_BYTES = 16 * 1024 * 1024;

/** Reads a large plain file with worker threads; false when the file is not one (or not a candidate). */
async function readLarge(
  path: string,
  name: string,
  run: BatchRun,
  sink: EventSink,
  stats: PipelineStats,
): Promise<boolean> {
  if (path === STDIN || path.endsWith('.gz') || run.parallel === false) return false;
  const size = (await fs.stat(path)).size;
  const { minBytes, blockBytes } = run.parallel ?? { minBytes: PARALLEL_MIN_BYTES, blockBytes: BLOCK_BYTES };
  if (size < minBytes) return false;
  // Loaded only for large files: small runs do not pay for the worker code.
  const { readInParallel } = await import('./parallel.js');
  return readInParallel({
    path,
    name,
    size,
    blockBytes,
    limits: run.limits,
    stats,
    observers: run.observers,
    sink,
  });
}

/** Reads every input to its end. Resolves when all are done; rejects only when the output went away. */
export async function runBatch(run: BatchRun, stats: PipelineStats): Promise<void> {
  const sink: EventSink = run.output ? eventPrinter(run.output, stats, run.eventFormat) : async () => {};
  for (const path of run.files) {
    const source = batchSource(path, run.stdin);
    const scanner = new ChunkScanner(
      new Framer(source.name, run.limits, stats),
      stats,
      run.limits.maxLineBytes,
    );
    try {
      if (await readLarge(path, source.name, run, sink, stats)) continue;
      await drive({ source, scanner, stats, observers: run.observers, sink, ends: true });
    } catch (error) {
      if (error instanceof OutputClosedError) throw error;
      run.onSourceError(source.name, error as Error);
    }
  }
}
