// Read buffers start past a page boundary: the kernel's copy into a page-aligned one was three times slower.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { scanReadBuffers } from '../src/framing/quiet-lines.js';
import { batchSource, READ_CHUNK_BYTES, rangeSource, readBuffer } from '../src/sources/files.js';

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
