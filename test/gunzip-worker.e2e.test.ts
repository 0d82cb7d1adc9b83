// Large .gz files inflated by a worker thread: the same bytes, chunks and events as on one thread, and zlib's errors.
import { spawn, spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import zlib from 'node:zlib';
import { describe, expect, it } from 'vitest';
import type * as Files from '../src/sources/files.js';
import { CLI, ROOT } from './helpers/cli.js';

// The compiled source: the worker thread loads build/sources/gunzip-worker.js beside it (`npm test` builds first).
const { batchSource, GZIP_WORKER_MIN_BYTES, READ_CHUNK_BYTES } = (await import(
  path.join(ROOT, 'build/sources/files.js')
)) as typeof Files;

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'oee-gunzip-'));

/** An access log whose paths and RequestIds do not compress well: `lines` lines, one in 50 with a body. */
function accessLog(lines: number): Buffer {
  const random = crypto.randomBytes(24 * lines).toString('hex');
  const out: string[] = [];
  for (let i = 0; i < lines; i++) {
    const key = random.slice(48 * i, 48 * i + 24);
    const id = random.slice(48 * i + 24, 48 * i + 48).toUpperCase();
    const body =
      i % 50 === 0
        ? `<Error><Code>NoSuchKey</Code><Message>The specified key does not exist.</Message><Resource>/b/${key}</Resource><RequestId>${id}</RequestId></Error>`
        : '-';
    const status = i % 50 === 0 ? 404 : 200;
    out.push(
      `10.0.0.${i % 250} - - [24/Nov/2026:10:00:00 +0000] "GET /b/${key} HTTP/1.1" ${status} 12 "-" "curl/8" "${body}"`,
    );
  }
  return Buffer.from(`${out.join('\n')}\n`);
}

async function read(source: Files.ChunkSource): Promise<{ bytes: Buffer; offsets: number[] }> {
  const parts: Buffer[] = [];
  const offsets: number[] = [];
  // A chunk is valid until the next is asked for: copy it.
  for await (const chunk of source.chunks()) {
    offsets.push(chunk.offset);
    parts.push(Buffer.from(chunk.bytes));
  }
  return { bytes: Buffer.concat(parts), offsets };
}

describe('.gz inflated by a worker thread', () => {
  const plain = accessLog(40_000);
  const gz = path.join(dir, 'access.log.gz');
  fs.writeFileSync(gz, zlib.gzipSync(plain));

  it('gives the file byte for byte, in chunks numbered by offset, its buffers filled again and again', async () => {
    const { bytes, offsets } = await read(batchSource(gz, new PassThrough(), 0));
    expect(bytes.equals(plain)).toBe(true);
    // More chunks than the worker has buffers: each went back and was filled again.
    expect(offsets.length).toBe(Math.ceil(plain.length / READ_CHUNK_BYTES));
    expect(offsets.length).toBeGreaterThan(3);
    expect(offsets).toEqual(offsets.map((_, i) => i * READ_CHUNK_BYTES));
  });

  it.each([
    ['not gzip at all', Buffer.from('not gzip at all'), 'incorrect header check'],
    ['cut short', zlib.gzipSync(plain).subarray(0, 100_000), 'unexpected end of file'],
  ])("%s: the bytes before the damage, then zlib's error", async (_name, content, message) => {
    const bad = path.join(dir, `bad-${content.length}.gz`);
    fs.writeFileSync(bad, content);
    const received: number[] = [];
    const reading = (async () => {
      for await (const chunk of batchSource(bad, new PassThrough(), 0).chunks())
        received.push(chunk.bytes.length);
    })();
    await expect(reading).rejects.toThrow(message);
  });

  it('a reader that stops early ends the worker and is not kept waiting', async () => {
    let chunks = 0;
    for await (const _chunk of batchSource(gz, new PassThrough(), 0).chunks()) {
      if (++chunks === 2) break;
    }
    expect(chunks).toBe(2);
  });

  /** A .gz file just over the size that goes to the inflating thread, made once; its line count. */
  let big: { path: string; lines: number } | undefined;
  function bigGz(): { path: string; lines: number } {
    if (big) return big;
    // Enough lines for the size, from what 10,000 of them compress to.
    const perLine = zlib.gzipSync(accessLog(10_000)).length / 10_000;
    const lines = Math.ceil((1.1 * GZIP_WORKER_MIN_BYTES) / perLine / 50) * 50;
    const gzipped = zlib.gzipSync(accessLog(lines));
    expect(gzipped.length).toBeGreaterThanOrEqual(GZIP_WORKER_MIN_BYTES);
    big = { path: path.join(dir, 'big.log.gz'), lines };
    fs.writeFileSync(big.path, gzipped);
    return big;
  }

  it(`through the CLI: a .gz of ${GZIP_WORKER_MIN_BYTES >> 20} MiB or more gives the events and counts of --threads 1`, () => {
    const { path: file, lines } = bigGz();
    const run = (args: string[]) =>
      spawnSync(process.execPath, [CLI, '--no-progress', ...args, file], {
        encoding: 'utf8',
        maxBuffer: 256 << 20,
      });
    const workers = run([]);
    const one = run(['--threads', '1']);
    expect(workers.status).toBe(0);
    expect(one.status).toBe(0);
    expect(workers.stdout.split('\n').length).toBe(lines / 50 + 1);
    expect(workers.stdout).toBe(one.stdout);
    const counts = (stderr: string) =>
      stderr.replace(/ in [\d.]+ s \(\d+ lines\/s\)/, '').replace(/cpu: .*\n/, '');
    expect(counts(workers.stderr)).toBe(counts(one.stderr));
  }, 60_000);

  it.runIf(process.platform === 'linux')(
    'through the CLI: such a file is inflated on a thread of its own (one thread more than --threads 1)',
    async () => {
      const { path: file } = bigGz();
      /** The run's threads once its output is stalled (nobody reads it), inflating thread and all. */
      const threads = async (args: string[]) => {
        const child = spawn(process.execPath, [CLI, '--no-progress', ...args, file], {
          stdio: ['ignore', 'pipe', 'ignore'],
        });
        child.stdout.pause();
        try {
          await new Promise((resolve) => child.stdout.once('readable', resolve));
          // Past the first writes, the run waits on its full output with every thread it made still up.
          await new Promise((resolve) => setTimeout(resolve, 1000));
          return fs.readdirSync(`/proc/${child.pid}/task`).length;
        } finally {
          child.kill('SIGKILL');
        }
      };
      const one = await threads(['--threads', '1']);
      const workers = await threads([]);
      expect(workers).toBe(one + 1);
    },
    30_000,
  );
});
