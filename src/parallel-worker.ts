// A worker thread's part of a large file: frames, extracts and writes the events of one block, from a fresh framer.
import { parentPort } from 'node:worker_threads';
import { extractBatch } from './drive.js';
import type { LogRecord } from './extract/types.js';
import { Framer } from './framing/framer.js';
import { ChunkScanner } from './framing/scanner.js';
import type { Block, BlockResult } from './parallel.js';
import { UnnumberedWriter } from './sinks/events.js';
import { observedFields } from './sinks/observed.js';
import { rangeSource, readBuffer } from './sources/files.js';
import { newStats } from './stats.js';

/** One read buffer for every block: blocks are framed one at a time, and a chunk is done with before the next read. */
const buffer = readBuffer();

async function frameBlock(block: Block): Promise<BlockResult> {
  const stats = newStats();
  // Line numbers count from the block's start: the reader in order adds the lines before it.
  const framer = new Framer(block.name, block.limits, stats, 0, block.format);
  const scanner = new ChunkScanner(framer, stats, block.limits.maxLineBytes, block.start);
  const records: LogRecord[] = [];
  const lines = block.eventFormat === undefined ? undefined : new UnnumberedWriter(block.eventFormat);
  const observed: string[] = [];
  let events = 0;
  // Each chunk's records are extracted and written at once, so that they die young (held for the whole
  // block, they were copied by every scavenge and promoted).
  const take = () => {
    // The observers run in order on the reading thread; here extraction only counts.
    const found = extractBatch(records, stats, []);
    records.length = 0;
    if (found.length === 0) return;
    events += found.length;
    lines?.add(found);
    if (block.observed) observed.push(JSON.stringify(found.map(observedFields)).slice(1, -1));
  };
  const source = rangeSource(block.path, block.start, block.end, buffer);
  for await (const chunk of source.chunks()) {
    scanner.push(chunk.bytes, records);
    take();
  }
  scanner.finish(records);
  take();
  return {
    index: block.index,
    events,
    lines: lines?.finish(),
    observed: `[${observed.join(',')}]`,
    stats,
    state: framer.snapshot(),
  };
}

// Blocks are framed one after the other, in the order sent: one in progress holds memory and the read buffer.
let queue = Promise.resolve();
parentPort?.on('message', (block: Block) => {
  queue = queue.then(() =>
    frameBlock(block).then(
      (result) =>
        parentPort?.postMessage({ result }, result.lines ? [result.lines.marks.buffer as ArrayBuffer] : []),
      (error: Error) => parentPort?.postMessage({ error: error.message, index: block.index }),
    ),
  );
});
