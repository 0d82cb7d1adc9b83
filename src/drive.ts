// The one driver, for batch and follow alike: source chunks → chunk scanner and framer → extraction → sinks → source.commit(position).
import { extractRecord } from './extract/index.js';
import type { Extraction, LogRecord, OssErrorEvent } from './extract/types.js';
import type { ChunkScanner } from './framing/scanner.js';
import type { ObservedEvent } from './sinks/observed.js';
import type { ChunkSource } from './sources/files.js';
import type { PipelineStats } from './stats.js';

/**
 * Called once per event, in order: the metrics, the summary and the report count here. It reads only the
 * observed fields: a block read by a worker thread sends no more.
 */
export type EventObserver = (event: ObservedEvent) => void;

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
