// Read buffers start past a page boundary: the kernel's copy into a page-aligned one was three times slower.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { DEFAULT_LIMITS } from '../src/config.js';
import { scanReadBuffers } from '../src/framing/quiet-lines.js';
import { runBatch } from '../src/pipeline.js';
import { batchSource, READ_CHUNK_BYTES, rangeSource, readBuffer } from '../src/sources/files.js';
import { newStats } from '../src/stats.js';

const PAGE = 4096;
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'oee-read-buffers-'));
const file = path.join(dir, 'access.log');
const bytes = Buffer.from(Array.from({ length: 40_000 }, (_, i) => `line ${i} GET /b/k${i} 200\n`).join(''));
fs.writeFileSync(file, bytes);

describe('read buffers', () => {
  it('are the size asked for and do not start on a page boundary', () => {
    const buffer = readBuffer();
    expect(buffer.length).toBe(READ_CHUNK_BYTES);
    expect(buffer.byteOffset % PAGE).not.toBe(0);
    expect(readBuffer(8192).length).toBe(8192);
  });

  it("are the read size in the scanner's memory too, and do not start on a page boundary there either", () => {
    for (const buffer of scanReadBuffers()) {
      expect(buffer.length).toBe(READ_CHUNK_BYTES);
      expect(buffer.byteOffset % PAGE).not.toBe(0);
    }
  });

  it("are where a batch run reads a plain file: the scanner's loop reads it where it lies", async () => {
    const small = path.join(dir, 'small.log');
    const text = Buffer.from(`${Date.now()} GET /b/k 200 ${Math.random()}\n`.repeat(100));
    fs.writeFileSync(small, text);
    const stats = newStats();
    await runBatch(
      {
        files: [small],
        limits: DEFAULT_LIMITS,
        stdin: new PassThrough(),
        output: null,
        observers: [],
        onSourceError: (_source, error) => {
          throw error;
        },
        parallel: false,
      },
      stats,
    );
    expect(stats.lines).toBe(100);
    expect((scanReadBuffers()[0] as Buffer).subarray(0, text.length).equals(text)).toBe(true);
  });

  it.each([
    ['a whole plain file', () => batchSource(file, new PassThrough(), false)],
    ['a range of it', () => rangeSource(file, 0, bytes.length)],
    [
      'a range of it read on this thread',
      () => rangeSource(file, 0, bytes.length, [readBuffer(), readBuffer()], true),
    ],
    [
      "a whole file into the scanner's buffers",
      () => batchSource(file, new PassThrough(), false, scanReadBuffers()),
    ],
  ])('%s is read into them, byte for byte', async (_name, source) => {
    const parts: Buffer[] = [];
    for await (const chunk of source().chunks()) {
      expect(chunk.bytes.byteOffset % PAGE).not.toBe(0);
      parts.push(Buffer.from(chunk.bytes));
    }
    expect(parts.length).toBeGreaterThan(1);
    expect(Buffer.concat(parts).equals(bytes)).toBe(true);
  });
});
