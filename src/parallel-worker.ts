// The worker thread's part of a large file: frames, extracts and writes the events of one block at a time.
import { parentPort } from 'node:worker_threads';
import { type Block, writeBlock } from './parallel-block.js';
import { readBuffer } from './sources/files.js';

/** The read buffers of every block: blocks are framed one at a time, in the order sent. */
const buffers = [readBuffer(), readBuffer()];

let queue = Promise.resolve();
parentPort?.on('message', (block: Block) => {
  queue = queue.then(() =>
    writeBlock(block, buffers).then(
      (result) =>
        parentPort?.postMessage(
          { result },
          result.lines
            ? [result.lines.bytes.buffer as ArrayBuffer, result.lines.marks.buffer as ArrayBuffer]
            : [],
        ),
      (error: Error) => parentPort?.postMessage({ error: error.message, index: block.index }),
    ),
  );
});
