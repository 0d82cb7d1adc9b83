// One block of a large plain file framed from a fresh framer, its events written: on either thread alike.
import type { EventFormat, FramingLimits } from './config.js';
import { extractBatch } from './drive.js';
import type { LogRecord } from './extract/types.js';
import type { ContainerFormat } from './framing/container.js';
import { Framer, type FramerState } from './framing/framer.js';
import { ChunkScanner } from './framing/scanner.js';
import { type UnnumberedLines, UnnumberedWriter } from './sinks/events.js';
import { observedFields } from './sinks/observed.js';
import { rangeSource } from './sources/files.js';
import { newStats, type PipelineStats } from './stats.js';

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

/** What framing a block leaves besides its events: its counts, and the framer's state for the next block. */
export interface BlockFramed {
  stats: PipelineStats;
  state: FramerState;
}

/**
 * A block framed by a reader that does not know how many lines come before it (the worker thread, or the
 * reading thread ahead of the merge): its events' lines written but for their numbers, and the fields the
 * observers read, so that the merge in order only splices numbers in, counts, and writes. Bytes and arrays
 * are moved between threads, the JSON string copied once; none is a heap of objects kept for the merge.
 */
export interface WrittenBlock extends BlockFramed {
  index: number;
  /** Events found in the block. */
  events: number;
  lines: UnnumberedLines | undefined;
  /** The observed fields of each event, as one JSON array (empty when the run has no observers). */
  observed: string;
}

/**
 * Frames the block from a fresh framer whose line numbers count from the block's start, reading into
 * `buffers` (two: the next read runs while a chunk is framed). Each chunk's events are written at once, so
 * that they die young: held for the whole block, they were copied by every scavenge and promoted.
 */
export async function writeBlock(block: Block, buffers: readonly Buffer[]): Promise<WrittenBlock> {
  const lines = block.eventFormat === undefined ? undefined : new UnnumberedWriter(block.eventFormat);
  const observed: string[] = [];
  let events = 0;
  const stats = newStats();
  const framer = new Framer(block.name, block.limits, stats, 0, block.format);
  const scanner = new ChunkScanner(framer, stats, block.limits.maxLineBytes, block.start);
  const records: LogRecord[] = [];
  const extract = () => {
    // The observers run in order, at the merge; here extraction only counts.
    const found = extractBatch(records, stats, []);
    records.length = 0;
    if (found.length === 0) return;
    events += found.length;
    lines?.add(found);
    if (block.observed) observed.push(JSON.stringify(found.map(observedFields)).slice(1, -1));
  };
  for await (const chunk of rangeSource(block.path, block.start, block.end, buffers).chunks()) {
    scanner.push(chunk.bytes, records);
    extract();
  }
  scanner.finish(records);
  extract();
  return {
    index: block.index,
    events,
    lines: lines?.finish(),
    observed: `[${observed.join(',')}]`,
    stats,
    state: framer.snapshot(),
  };
}
