// Wires source → framing → extraction → sinks for each input, one after the other, with real backpressure.
import type { Readable, Writable } from 'node:stream';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { EventFormat } from './config.js';
import { OutputClosedError } from './errors.js';
import { extractRecord } from './extract/index.js';
import type { Extraction, LogRecord, OssErrorEvent } from './extract/types.js';
import { Framer, type FramingLimits } from './framing/framer.js';
import { recordSplitter } from './framing/lines.js';
import { BATCHES_IN_FLIGHT, discardEvents, eventWriter } from './sinks/events.js';
import { openBatchSource, sourceName } from './sources/files.js';
import type { PipelineStats } from './stats.js';

/** Called once per event, in order: the metrics and the summary count here. */
export type EventObserver = (event: OssErrorEvent) => void;

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

/** Records in, events out; the stream form of extractBatch. */
export function extractionStage(stats: PipelineStats, observers: readonly EventObserver[]): Transform {
  return new Transform({
    objectMode: true,
    highWaterMark: BATCHES_IN_FLIGHT,
    transform(records: LogRecord[], _encoding, callback) {
      const events = extractBatch(records, stats, observers);
      callback(null, events.length > 0 ? events : undefined);
    },
  });
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
}

/** Reads every input to its end. Resolves when all are done; rejects only when the output went away. */
export async function runBatch(run: BatchRun, stats: PipelineStats): Promise<void> {
  for (const path of run.files) {
    const source = sourceName(path);
    const framer = new Framer(source, run.limits, stats);
    try {
      await pipeline([
        ...openBatchSource(path, run.stdin),
        recordSplitter(framer, run.limits.maxLineBytes),
        extractionStage(stats, run.observers),
        run.output ? eventWriter(run.output, stats, run.eventFormat) : discardEvents(),
      ]);
    } catch (error) {
      if (error instanceof OutputClosedError) throw error;
      run.onSourceError(source, error as Error);
    }
  }
}
