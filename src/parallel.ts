// Large plain files on both cores: blocks framed by a worker thread and by this one, merged in order.
import fs from 'node:fs/promises';
import { Worker } from 'node:worker_threads';
import type { EventFormat, FramingLimits } from './config.js';
import { type EventObserver, type EventSink, extractBatch } from './drive.js';
import type { ContainerFormat } from './framing/container.js';
import { sniffFormat } from './framing/container.js';
import { Framer } from './framing/framer.js';
import { ChunkScanner } from './framing/scanner.js';
import { type Block, type WrittenBlock, writeBlock } from './parallel-block.js';
import { spliceLineNumbers } from './sinks/events.js';
import type { ObservedEvent } from './sinks/observed.js';
import { rangeSource, readBuffer } from './sources/files.js';
import type { PipelineStats } from './stats.js';
import { addStats } from './stats.js';

/**
 * Blocks sent to the worker thread ahead of its work: it never waits for the next. A second worker thread
 * only fought the first and this one for the two cores (0.66x one thread on the bench machine).
 */
const WORKER_QUEUE = 2;
/** Blocks framed or being framed beyond the one merged next, at most: the bound on events held back for order. */
const BLOCKS_AHEAD = 4;
/** The worker's young generation, as the bin's --max-semi-space-size keeps this thread's: bounds its RSS. */
const WORKER_YOUNG_MB = 12;

const NEWLINE = 10;
const PROBE_BYTES = 64 * 1024;

/** The first line start at or after `at` (the file's size when none). */
async function lineStartFrom(file: fs.FileHandle, at: number, size: number): Promise<number> {
  if (at <= 0) return 0;
  const probe = Buffer.allocUnsafe(PROBE_BYTES);
  for (let pos = at - 1; pos < size; pos += PROBE_BYTES) {
    const { bytesRead } = await file.read(probe, 0, PROBE_BYTES, pos);
    const nl = probe.subarray(0, bytesRead).indexOf(NEWLINE);
    if (nl >= 0) return pos + nl + 1;
  }
  return size;
}

/** The format the first line that is not over-long gives, as the framer would sniff it; undefined if none is near. */
async function sniffFile(file: fs.FileHandle, maxLineBytes: number): Promise<ContainerFormat | undefined> {
  const head = Buffer.allocUnsafe(Math.min(4 * 1024 * 1024, 4 * (maxLineBytes + 2)));
  const { bytesRead } = await file.read(head, 0, head.length, 0);
  let start = 0;
  for (;;) {
    const nl = head.subarray(0, bytesRead).indexOf(NEWLINE, start);
    if (nl < 0) return undefined;
    const end = nl > start && head[nl - 1] === 13 ? nl - 1 : nl;
    if (end - start <= maxLineBytes) return sniffFormat(head.toString('latin1', start, end));
    start = nl + 1;
  }
}

/** Where the blocks of a file start and end: every boundary a line start. */
async function blocksOf(
  path: string,
  name: string,
  size: number,
  blockBytes: number,
  limits: FramingLimits,
  eventFormat: EventFormat | undefined,
  observed: boolean,
): Promise<Block[] | undefined> {
  const file = await fs.open(path, 'r');
  try {
    const format = await sniffFile(file, limits.maxLineBytes);
    if (format === undefined) return undefined;
    const starts = [0];
    for (let at = blockBytes; at < size; at += blockBytes) {
      const start = await lineStartFrom(file, at, size);
      if (start > (starts[starts.length - 1] as number) && start < size) starts.push(start);
    }
    return starts.map((start, index) => ({
      index,
      path,
      name,
      start,
      end: starts[index + 1] ?? size,
      limits,
      format: index === 0 ? undefined : format,
      eventFormat,
      observed,
    }));
  } finally {
    await file.close();
  }
}

/** The worker thread, which frames the blocks sent to it one at a time, in order. */
class BlockWorker {
  private readonly worker = new Worker(new URL('./parallel-worker.js', import.meta.url), {
    resourceLimits: { maxYoungGenerationSizeMb: WORKER_YOUNG_MB },
  });
  private waiting = new Map<number, { resolve: (r: WrittenBlock) => void; reject: (e: Error) => void }>();

  constructor() {
    this.worker.on('message', (message: { result?: WrittenBlock; error?: string; index: number }) => {
      const index = message.result?.index ?? message.index;
      const waiter = this.waiting.get(index);
      this.waiting.delete(index);
      if (message.result) waiter?.resolve(message.result);
      else waiter?.reject(new Error(message.error));
    });
    this.worker.on('error', (error) => {
      for (const waiter of this.waiting.values()) waiter.reject(error);
      this.waiting.clear();
    });
  }

  frame(block: Block): Promise<WrittenBlock> {
    return new Promise((resolve, reject) => {
      this.waiting.set(block.index, { resolve, reject });
      this.worker.postMessage(block);
    });
  }

  stop(): Promise<number> {
    return this.worker.terminate();
  }
}

export interface ParallelRun {
  path: string;
  name: string;
  size: number;
  blockBytes: number;
  limits: FramingLimits;
  stats: PipelineStats;
  observers: readonly EventObserver[];
  /** Events of a block framed again in order, and of the end of the file, go here. */
  sink: EventSink;
  /** Where the lines of a block go, with the number of their events; undefined writes no events. */
  write: ((lines: Uint8Array, events: number) => Promise<void>) | undefined;
  /** The format of the lines the blocks' readers write. */
  eventFormat: EventFormat;
}

/**
 * Reads a large plain file on both cores: the worker thread is kept two blocks ahead, and this thread frames
 * the next block whenever it is not framing one already, so that neither waits while the other works. Each
 * block is framed from a fresh framer and taken in order as it is when the framer before it held nothing and
 * it never asked for a line before its first; otherwise (a multi-line body or partial line across the
 * boundary, a body whose header is the block's first line) it is framed again here, from the true state.
 * Events, line numbers and counts are those of one reader. Returns false, having read nothing, when the
 * file's format could not be told from its first lines.
 */
export async function readInParallel(run: ParallelRun): Promise<boolean> {
  const blocks = await blocksOf(
    run.path,
    run.name,
    run.size,
    run.blockBytes,
    run.limits,
    run.write ? run.eventFormat : undefined,
    run.observers.length > 0,
  );
  if (blocks === undefined) return false;
  const { stats, observers, sink } = run;
  const framer = new Framer(run.name, run.limits, stats);
  const worker = new BlockWorker();
  const buffers = [readBuffer(), readBuffer()];
  const framed: Promise<WrittenBlock>[] = [];
  let next = 0;
  let merged = 0;
  let queued = 0;
  let framingHere = false;
  let stopped = false;
  const dispatch = () => {
    while (!stopped && next < blocks.length && next < merged + BLOCKS_AHEAD) {
      const block = blocks[next] as Block;
      let result: Promise<WrittenBlock>;
      if (queued < WORKER_QUEUE) {
        queued++;
        result = worker.frame(block);
        const release = () => {
          queued--;
          dispatch();
        };
        result.then(release, release);
      } else if (!framingHere) {
        framingHere = true;
        result = writeBlock(block, buffers);
        const release = () => {
          framingHere = false;
          dispatch();
        };
        // Also the handler of a rejection: a block framed again here never reads its result.
        result.then(release, release);
      } else return;
      framed[next++] = result;
    }
  };
  try {
    for (const block of blocks) {
      dispatch();
      const result = await (framed[block.index] as Promise<WrittenBlock>);
      delete framed[block.index];
      if (block.index === 0 || (framer.heldSince === undefined && !result.state.reachedBack)) {
        const base = framer.lines;
        addStats(stats, result.stats);
        framer.adopt(result.state);
        await merge(result, base, run);
      } else {
        await reframe(block, framer, run);
      }
      merged++;
    }
    const events = extractBatch(framer.end(), stats, observers);
    if (events.length > 0) await sink(events);
    return true;
  } finally {
    stopped = true;
    await worker.stop();
  }
}

/** A block in order: its observed fields told, its lines numbered from the file's start and written. */
async function merge(block: WrittenBlock, base: number, run: ParallelRun): Promise<void> {
  if (block.events === 0) return;
  if (run.observers.length > 0)
    for (const event of JSON.parse(block.observed) as ObservedEvent[])
      for (const observe of run.observers) observe(event);
  if (block.lines && run.write) await run.write(spliceLineNumbers(block.lines, base), block.events);
}

/** Frames a block on this thread, from where the framer stands. */
async function reframe(block: Block, framer: Framer, run: ParallelRun): Promise<void> {
  const scanner = new ChunkScanner(framer, run.stats, run.limits.maxLineBytes, block.start);
  const records: Parameters<ChunkScanner['push']>[1] = [];
  const source = rangeSource(block.path, block.start, block.end);
  for await (const chunk of source.chunks()) {
    scanner.push(chunk.bytes, records);
    const events = extractBatch(records, run.stats, run.observers);
    records.length = 0;
    if (events.length > 0) await run.sink(events);
  }
  scanner.finish(records);
  const events = extractBatch(records, run.stats, run.observers);
  if (events.length > 0) await run.sink(events);
}
