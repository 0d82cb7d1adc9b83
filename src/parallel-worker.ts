// A worker thread's part of a large file: frames, extracts and writes the events of one block, from a fresh framer.
import { parentPort } from 'node:worker_threads';
import { extractBatch } from './drive.js';
import type { LogRecord } from './extract/types.js';
import { Framer } from './framing/framer.js';
import { ChunkScanner } from './framing/scanner.js';
import type { Block, BlockResult } from './parallel.js';
import { unnumberedLines } from './sinks/events.js';
import { OBSERVED_FIELDS } from './sinks/observed.js';
import { rangeSource } from './sources/files.js';
import { newStats } from './stats.js';

async function frameBlock(block: Block): Promise<BlockResult> {
  const stats = newStats();
  // Line numbers count from the block's start: the reader in order adds the lines before it.
  const framer = new Framer(block.name, block.limits, stats, 0, block.format);
  const scanner = new ChunkScanner(framer, stats, block.limits.maxLineBytes, block.start);
  const records: LogRecord[] = [];
  const source = rangeSource(block.path, block.start, block.end);
  for await (const chunk of source.chunks()) scanner.push(chunk.bytes, records);
  scanner.finish(records);
  // The observers run in order on the reading thread; here extraction only counts.
  const events = extractBatch(records, stats, []);
  return {
    index: block.index,
    events: events.length,
    lines: block.eventFormat === undefined ? undefined : unnumberedLines(events, block.eventFormat),
    // A replacer list writes only those keys: no object per event is made to pick them.
    observed: block.observed ? JSON.stringify(events, OBSERVED_FIELDS as unknown as string[]) : '[]',
    stats,
    state: framer.snapshot(),
  };
}

parentPort?.on('message', (block: Block) => {
  frameBlock(block).then(
    (result) =>
      parentPort?.postMessage({ result }, result.lines ? [result.lines.marks.buffer as ArrayBuffer] : []),
    (error: Error) => parentPort?.postMessage({ error: error.message, index: block.index }),
  );
});
