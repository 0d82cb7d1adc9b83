// The worker thread's part of a large file: frames, extracts and writes the events of one block at a time.
import { parentPort } from 'node:worker_threads';
import { extractBatch } from './drive.js';
import type { LogRecord } from './extract/types.js';
import { Framer } from './framing/framer.js';
import { scanReadBuffers } from './framing/quiet-lines.js';
import { ChunkScanner } from './framing/scanner.js';
import {
  AT_WORKER,
  type Block,
  type BlockJob,
  claim,
  type WorkerAnswer,
  type WrittenBlock,
} from './parallel.js';
import { UnnumberedWriter } from './sinks/events.js';
import { ObservedWriter } from './sinks/observed.js';
import { rangeSource } from './sources/files.js';
import { newStats } from './stats.js';

/**
 * Frames the block from a fresh framer whose line numbers count from the block's start, reading into
 * `buffers` on this thread (both cores are framing: a pool thread would be one more to schedule), and writing
 * into `rooms`, taking those it writes into. Each chunk's events are written at once, as bytes, so that they
 * die young: held for the whole block, they were copied by every scavenge and promoted.
 */
async function writeBlock(
  block: Block,
  buffers: readonly Buffer[],
  rooms: ArrayBuffer[],
): Promise<WrittenBlock> {
  const lines =
    block.eventFormat === undefined ? undefined : new UnnumberedWriter(block.eventFormat, rooms.pop());
  const observed = block.observed ? new ObservedWriter(rooms.pop()) : undefined;
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
    observed?.add(found);
  };
  for await (const chunk of rangeSource(block.path, block.start, block.end, buffers, true).chunks()) {
    scanner.push(chunk.bytes, records);
    extract();
  }
  scanner.finish(records);
  extract();
  return {
    events,
    lines: lines?.finish(),
    observed: observed?.finish(),
    stats,
    state: framer.snapshot(),
  };
}

/** The read buffers of every block: blocks are framed one at a time, in the order sent. */
const buffers = scanReadBuffers();

let queue = Promise.resolve();
parentPort?.on('message', ({ job, block, claims, rooms }: BlockJob) => {
  queue = queue.then(() => {
    // This thread may have framed the block already, in order, when the worker came late to it.
    if (!claim(claims, block.index, AT_WORKER)) {
      parentPort?.postMessage({ job, taken: true, rooms } satisfies WorkerAnswer, rooms);
      return;
    }
    return writeBlock(block, buffers, rooms).then(
      (result) => {
        // Everything written is moved, with the rooms left unused (`writeBlock` took those it wrote into).
        const moved = [...rooms];
        if (result.lines)
          moved.push(result.lines.bytes.buffer as ArrayBuffer, result.lines.marks.buffer as ArrayBuffer);
        if (result.observed) moved.push(result.observed.buffer as ArrayBuffer);
        parentPort?.postMessage({ job, result, rooms } satisfies WorkerAnswer, moved);
      },
      (error: Error) => parentPort?.postMessage({ job, error: error.message } satisfies WorkerAnswer),
    );
  });
});
