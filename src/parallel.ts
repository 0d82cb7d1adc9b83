// Large plain files on both cores: blocks framed by a worker thread and by this one, merged in order.
import fs from 'node:fs';
import { Worker } from 'node:worker_threads';
import type { EventFormat, FramingLimits } from './config.js';
import { type EventObserver, type EventSink, extractBatch } from './drive.js';
import type { ContainerFormat } from './framing/container.js';
import { sniffFormat } from './framing/container.js';
import { Framer, type FramerState } from './framing/framer.js';
import { scanReadBuffers } from './framing/quiet-lines.js';
import { ChunkScanner } from './framing/scanner.js';
import { spliceLineNumbers, type UnnumberedLines } from './sinks/events.js';
import { forEachObserved } from './sinks/observed.js';
import { rangeSource } from './sources/files.js';
import { addStats, type PipelineStats } from './stats.js';

/** The worker's young generation, as the bin's --max-semi-space-size keeps this thread's: bounds its RSS. */
const WORKER_YOUNG_MB = 12;
/** How many of its blocks the worker may frame before this thread has come to the first of them. */
const WORKER_AHEAD = 2;
/**
 * The worker writes a block's lines and observed fields into two ArrayBuffers this thread sends back once it
 * merged them, up to this size (a block's lines take ~1 MiB on the bench corpus, its observed fields ~0.4): a
 * fresh one per block, moved and freed by the other thread, left glibc's arenas holding ~20 MiB more at the peak.
 */
const MAX_ROOM_BYTES = 4 * 1024 * 1024;
/** Rooms sent with a job: one for its lines, one for its observed fields. */
const ROOMS_PER_JOB = 2;

/** One block of a file: whole lines from `start` to `end` (both line starts, or the end of the file). */
export interface Block {
  index: number;
  path: string;
  name: string;
  start: number;
  end: number;
  limits: FramingLimits;
  /** Undefined for the first block, whose framer sniffs it. */
  format: ContainerFormat | undefined;
  /** The format the worker writes the events' lines in; undefined when the run writes no events. */
  eventFormat: EventFormat | undefined;
  /** Whether the run has observers: the worker sends their fields of each event. */
  observed: boolean;
}

/**
 * A block framed by the worker thread, which does not know how many lines come before it: its events' lines
 * written but for their numbers, and the fields the observers read, so that the merge in order only splices
 * numbers in, counts, and writes. All three are bytes moved between the threads, never copied.
 */
export interface WrittenBlock {
  /** Events found in the block. */
  events: number;
  lines: UnnumberedLines | undefined;
  /** The observed fields of each event (`ObservedWriter`); undefined when the run has no observers. */
  observed: Uint8Array | undefined;
  stats: PipelineStats;
  /** The framer's state at the block's end, for the next block. */
  state: FramerState;
}

const NEWLINE = 10;
const PROBE_BYTES = 64 * 1024;
/** The first bytes of a line that goes on a record (a body's or a stack's line), and a JSON object's opening. */
const GOES_ON = [...Buffer.from(' \t<')];
const OPENS_OBJECT = '{'.charCodeAt(0);
const MARKERS = [Buffer.from('rror'), Buffer.from('xception')];

/** The first line start at or after `at` (the file's size when none). */
function lineStartFrom(fd: number, at: number, size: number, probe: Buffer): number {
  if (at <= 0) return 0;
  for (let pos = at - 1; pos < size; pos += probe.length) {
    const bytesRead = fs.readSync(fd, probe, 0, probe.length, pos);
    const nl = probe.subarray(0, bytesRead).indexOf(NEWLINE);
    if (nl >= 0) return pos + nl + 1;
  }
  return size;
}

/**
 * Where a block of a plain log should start, at or after `at`: the first line start past the first one after
 * `at` (and within PROBE_BYTES of it) where this line and the one before both start like a record of their own
 * (not with a space, a tab or `<`) and the one before holds no marker (`rror`, `xception`) and does not end
 * with `{`. A multi-line body or an SDK's error seldom spans such a cut, so the block is seldom framed twice
 * (a cut inside one is still read right: the reading thread frames that block again); over the 5M-line
 * multi-line corpus, 0 blocks of 13 against 3. Else the first line start after `at`.
 */
export function plainBlockStartFrom(
  fd: number,
  at: number,
  size: number,
  probe: Buffer = Buffer.allocUnsafe(PROBE_BYTES),
): number {
  const first = lineStartFrom(fd, at, size, probe);
  if (first >= size) return size;
  const bytesRead = fs.readSync(fd, probe, 0, probe.length, first);
  const bytes = probe.subarray(0, bytesRead);
  const recordLike = (start: number, end: number) => end > start && !GOES_ON.includes(bytes[start] as number);
  let start = 0;
  let end = bytes.indexOf(NEWLINE);
  while (end >= 0) {
    const next = end + 1;
    const nextEnd = bytes.indexOf(NEWLINE, next);
    if (nextEnd < 0) break;
    const line = bytes.subarray(start, end);
    if (
      recordLike(start, end) &&
      recordLike(next, nextEnd) &&
      bytes[end - 1] !== OPENS_OBJECT &&
      MARKERS.every((marker) => line.indexOf(marker) < 0)
    )
      return first + next;
    start = next;
    end = nextEnd;
  }
  return first;
}

/** The format the first line that is not over-long gives, as the framer would sniff it; undefined if none is near. */
function sniffFile(fd: number, maxLineBytes: number): ContainerFormat | undefined {
  const head = Buffer.allocUnsafe(Math.min(4 * 1024 * 1024, 4 * (maxLineBytes + 2)));
  const bytesRead = fs.readSync(fd, head, 0, head.length, 0);
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
function blocksOf(
  path: string,
  name: string,
  size: number,
  blockBytes: number,
  limits: FramingLimits,
  eventFormat: EventFormat | undefined,
  observed: boolean,
): Block[] | undefined {
  const fd = fs.openSync(path, 'r');
  try {
    const format = sniffFile(fd, limits.maxLineBytes);
    if (format === undefined) return undefined;
    // One probe for every boundary: a fresh 64 KiB each cost more than the reads (~10 ms a 1 GB file).
    const probe = Buffer.allocUnsafe(PROBE_BYTES);
    const starts = [0];
    for (let at = blockBytes; at < size; at += blockBytes) {
      const start =
        format === 'plain' ? plainBlockStartFrom(fd, at, size, probe) : lineStartFrom(fd, at, size, probe);
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
    fs.closeSync(fd);
  }
}

/**
 * Who frames each block, one Int32 per block in memory both threads see: a block is framed by the thread that
 * claims it first (compare-and-swap from FREE), so this thread can take back a block the worker has not started.
 */
const FREE = 0;
const HERE = 1;
export const AT_WORKER = 2;

/** Claims a block for one thread: false when the other thread had claimed it. */
export function claim(claims: Int32Array, index: number, by: typeof HERE | typeof AT_WORKER): boolean {
  return Atomics.compareExchange(claims, index, FREE, by) === FREE;
}

/**
 * A block sent to the worker (`job` numbers it among all sent), the claims of its file's blocks, and rooms for
 * its lines and observed fields when this thread has some to give back.
 */
export type BlockJob = { job: number; block: Block; claims: Int32Array; rooms: ArrayBuffer[] };

/**
 * What the worker answers for a job: the block's result, or that this thread had claimed it first; with the
 * rooms it was sent and did not use.
 */
export type WorkerAnswer = {
  job: number;
  result?: WrittenBlock;
  taken?: true;
  rooms?: ArrayBuffer[];
  error?: string;
};

/**
 * The worker thread, which frames the blocks sent to it one at a time, in order, unless this thread took them.
 * One serves every large file of a run, in turn; it may be started before the run (`startWorker`), so that its
 * own start (~0.1 s) overlaps what the run loads first.
 */
export class BlockWorker {
  private readonly worker: Worker;
  private waiting = new Map<
    number,
    { resolve: (r: WrittenBlock | undefined) => void; reject: (e: Error) => void }
  >();
  private readonly rooms: ArrayBuffer[] = [];
  private jobs = 0;
  private stopped: Error | undefined;

  constructor() {
    this.worker = new Worker(new URL('./parallel-worker.js', import.meta.url), {
      resourceLimits: { maxYoungGenerationSizeMb: WORKER_YOUNG_MB },
    });
    this.worker.on('message', (message: WorkerAnswer) => {
      for (const room of message.rooms ?? []) this.giveBack(room);
      const waiter = this.waiting.get(message.job);
      this.waiting.delete(message.job);
      if (message.error !== undefined) waiter?.reject(new Error(message.error));
      else waiter?.resolve(message.result);
    });
    const fail = (error: Error) => {
      this.stopped ??= error;
      for (const waiter of this.waiting.values()) waiter.reject(error);
      this.waiting.clear();
    };
    this.worker.on('error', fail);
    // A thread that ends with blocks still asked of it (killed for its memory, say) must not leave the run
    // waiting, nor a file after it.
    this.worker.on('exit', (code) => fail(new Error(`the worker thread stopped (exit code ${code})`)));
  }

  /** The block's result, or undefined when this thread claimed it before the worker came to it. */
  frame(block: Block, claims: Int32Array): Promise<WrittenBlock | undefined> {
    return new Promise((resolve, reject) => {
      if (this.stopped) return reject(this.stopped);
      const job = this.jobs++;
      this.waiting.set(job, { resolve, reject });
      const rooms = this.rooms.splice(-ROOMS_PER_JOB);
      this.worker.postMessage({ job, block, claims, rooms } satisfies BlockJob, rooms);
    });
  }

  /** Room for the lines or observed fields of a block to come: an ArrayBuffer of a block merged. */
  giveBack(room: ArrayBuffer): void {
    if (room.byteLength <= MAX_ROOM_BYTES) this.rooms.push(room);
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
  /** Whether this thread frames a block the worker has not started when it comes to it. */
  takeBack: boolean;
  limits: FramingLimits;
  stats: PipelineStats;
  observers: readonly EventObserver[];
  /** The run's worker thread, started before it; undefined starts one for this file and stops it after. */
  worker: BlockWorker | undefined;
  /** Events of a block framed again in order, and of the end of the file, go here. */
  sink: EventSink;
  /** Where the lines of a block go, with the number of their events; undefined writes no events. */
  write: ((lines: Uint8Array, events: number) => Promise<void>) | undefined;
  /** The format of the lines the blocks' readers write. */
  eventFormat: EventFormat;
}

/**
 * Reads a large plain file on both cores, the blocks taken in turn: this thread frames the even blocks in order,
 * with the framer as the blocks before it left it (no cost but one reader's), while the worker thread frames
 * the odd ones from a fresh framer and writes their events' lines, up to WORKER_AHEAD blocks ahead, then the
 * even ones left, from the end; this thread merges each block the worker framed when it comes to it. A block
 * the worker has not started by then (while its thread starts, or when it falls behind, or the two meet near
 * the end) is claimed and framed here, in order, instead of waited for. A block framed by the worker is taken
 * as it is when the framer before it held nothing and it never asked for a line before its first; otherwise (a
 * multi-line body or partial line across the boundary, a body whose header is the block's first line) it is
 * framed again here, from the true state. Events, line numbers and counts are those of one reader; output held
 * back for order is WORKER_AHEAD blocks' (two more near the end). Returns false, having read nothing, when the
 * file's format could not be told from its first lines.
 */
export async function readInParallel(run: ParallelRun): Promise<boolean> {
  const blocks = blocksOf(
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
  const claims = new Int32Array(new SharedArrayBuffer(4 * blocks.length));
  const worker = run.worker ?? new BlockWorker();
  const buffers = scanReadBuffers();
  // The blocks sent to the worker (the odd ones, then the even ones left, from the end), and their results to come.
  const atWorker = new Map<number, Promise<WrittenBlock | undefined>>();
  const send = (index: number) => {
    const result = worker.frame(blocks[index] as Block, claims);
    // Read once the blocks before it are done; a rejection must not go unhandled meanwhile.
    result.catch(() => {});
    atWorker.set(index, result);
  };
  let sent = 1;
  try {
    for (const block of blocks) {
      // The worker is kept WORKER_AHEAD odd blocks ahead: it never waits for this thread, and the results
      // held back for order are at most that many blocks' (two more near the end, below).
      for (; sent < blocks.length && sent <= block.index + 2 * WORKER_AHEAD; sent += 2) {
        send(sent);
        // With its last odd block sent, the worker is sent the even blocks left past this thread's next one,
        // the last first: it frames from the end of the file while this thread reads on to meet it, instead
        // of waiting idle while this thread frames them.
        if (sent + 2 >= blocks.length)
          for (let tail = blocks.length - 1; tail > block.index + 2; tail--) if (tail % 2 === 0) send(tail);
      }
      const pending = atWorker.get(block.index);
      atWorker.delete(block.index);
      // A block the worker has not started (it starts late, or fell behind) is framed here, in order.
      if (pending !== undefined && (!run.takeBack || !claim(claims, block.index, HERE))) {
        const result = await pending;
        if (result && framer.heldSince === undefined && !result.state.reachedBack) {
          const base = framer.lines;
          addStats(stats, result.stats);
          framer.adopt(result.state);
          await merge(result, base, run);
          if (result.lines) worker.giveBack(result.lines.bytes.buffer as ArrayBuffer);
          if (result.observed) worker.giveBack(result.observed.buffer as ArrayBuffer);
          continue;
        }
      }
      await frameInOrder(block, framer, buffers, run);
    }
    const events = extractBatch(framer.end(), stats, observers);
    if (events.length > 0) await sink(events);
    return true;
  } finally {
    if (run.worker === undefined) await worker.stop();
  }
}

/** A block in order: its observed fields told, its lines numbered from the file's start and written. */
async function merge(block: WrittenBlock, base: number, run: ParallelRun): Promise<void> {
  if (block.events === 0) return;
  if (block.observed)
    forEachObserved(block.observed, (event) => {
      for (const observe of run.observers) observe(event);
    });
  if (block.lines && run.write) await run.write(spliceLineNumbers(block.lines, base), block.events);
}

/**
 * Frames a block on this thread, from where the framer stands, its events told and written as they come. Its
 * chunks are read on this thread too: the worker keeps the other core busy.
 */
async function frameInOrder(
  block: Block,
  framer: Framer,
  buffers: readonly Buffer[],
  run: ParallelRun,
): Promise<void> {
  const scanner = new ChunkScanner(framer, run.stats, run.limits.maxLineBytes, block.start);
  const records: Parameters<ChunkScanner['push']>[1] = [];
  const source = rangeSource(block.path, block.start, block.end, buffers, true);
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
