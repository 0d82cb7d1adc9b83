// Batch mode: each input (files, .gz, stdin) read to its end by the one driver; large plain files by worker threads.
import fs from 'node:fs/promises';
import type { Readable, Writable } from 'node:stream';
import type { EventFormat, FramingLimits } from './config.js';
import { drive, type EventObserver, type EventSink } from './drive.js';
import { OutputClosedError } from './errors.js';
import { Framer } from './framing/framer.js';
import { scanReadBuffers } from './framing/quiet-lines.js';
import { ChunkScanner } from './framing/scanner.js';
import type { BlockWorker } from './parallel.js';
import { eventPrinter, linesPrinter } from './sinks/events.js';
import { batchSource, STDIN } from './sources/files.js';
import type { PipelineStats } from './stats.js';

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
   * both, and set `takeBack: false` to have the worker frame every block it is sent (by default this thread
   * frames a block the worker has not started when it comes to it); false reads every file on this thread
   * (`--threads 1`).
   */
  parallel?: { minBytes: number; blockBytes: number; takeBack?: boolean } | false;
  /**
   * The worker thread for the large plain files, from `startWorker` before the run (the caller stops it);
   * undefined starts one for each such file.
   */
  worker?: BlockWorker | undefined;
}

/** Plain files at least this large are read by worker threads: below it, starting them costs more than they save. */
export const PARALLEL_MIN_BYTES = 256 * 1024 * 1024;
/** A worker's unit of work; with the blocks in flight, it bounds the events held back for order. */
export const BLOCK_BYTES = 16 * 1024 * 1024;

/** The size of a file read on both cores, or undefined when it is not one. */
async function largeFileSize(path: string, parallel: BatchRun['parallel']): Promise<number | undefined> {
  if (path === STDIN || path.endsWith('.gz') || parallel === false) return undefined;
  const size = (await fs.stat(path)).size;
  return size >= (parallel?.minBytes ?? PARALLEL_MIN_BYTES) ? size : undefined;
}

/**
 * A worker thread for the run, started now when one of its files is read on both cores; undefined when none
 * is. A thread takes ~0.1 s to start: started before the caller loads what else the run needs (the metrics),
 * it is ready sooner.
 */
export async function startWorker(
  files: readonly string[],
  parallel?: BatchRun['parallel'],
): Promise<BlockWorker | undefined> {
  for (const path of files) {
    // A file that cannot be read is the run's to report.
    const size = await largeFileSize(path, parallel).catch(() => undefined);
    if (size === undefined) continue;
    const { BlockWorker } = await import('./parallel.js');
    return new BlockWorker();
  }
  return undefined;
}

/** Reads a large plain file with worker threads; false when the file is not one (or not a candidate). */
async function readLarge(
  path: string,
  name: string,
  run: BatchRun,
  sink: EventSink,
  stats: PipelineStats,
): Promise<boolean> {
  const size = await largeFileSize(path, run.parallel);
  if (size === undefined) return false;
  const { blockBytes, takeBack = true } = run.parallel || { blockBytes: BLOCK_BYTES };
  // Loaded only for large files: small runs do not pay for the worker code.
  const { readInParallel } = await import('./parallel.js');
  return readInParallel({
    path,
    name,
    size,
    blockBytes,
    takeBack,
    limits: run.limits,
    stats,
    observers: run.observers,
    worker: run.worker,
    sink,
    write: run.output ? linesPrinter(run.output, stats) : undefined,
    eventFormat: run.eventFormat ?? 'native',
  });
}

/** Reads every input to its end. Resolves when all are done; rejects only when the output went away. */
export async function runBatch(run: BatchRun, stats: PipelineStats): Promise<void> {
  const sink: EventSink = run.output ? eventPrinter(run.output, stats, run.eventFormat) : async () => {};
  for (const path of run.files) {
    // Files are read into the scanner's own memory: its loop reads them where they lie.
    const source = batchSource(
      path,
      run.stdin,
      run.parallel === false ? false : undefined,
      scanReadBuffers(),
    );
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
