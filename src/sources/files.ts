// Opens batch inputs as chunk sources: files in order, stdin for `-`, gzip-compressed files decompressed on the fly.
import fs from 'node:fs';
import type { Readable } from 'node:stream';
import { Worker } from 'node:worker_threads';
import zlib from 'node:zlib';
import { ConfigError } from '../errors.js';

/** Big reads: fewer chunks, fewer calls per byte; the scanner's cost per chunk is a few strings. */
export const READ_CHUNK_BYTES = 1024 * 1024;

export const STDIN = '-';

/**
 * Where a read buffer starts, past a page boundary. The kernel's copy from the page cache into a
 * page-aligned buffer (a large allocation always is) ran at a third of its speed on the bench machine
 * (AMD EPYC under KVM: 0.50 s of system time a GB against 0.16 s at any other offset).
 */
const READ_BUFFER_SKEW = 64;

/** A buffer for reading files into: `bytes` long, not starting on a page boundary. */
export function readBuffer(bytes: number = READ_CHUNK_BYTES): Buffer {
  return Buffer.from(new ArrayBuffer(bytes + READ_BUFFER_SKEW), READ_BUFFER_SKEW, bytes);
}

/** The `source` field of events: the path as given, or `stdin`. */
export function sourceName(path: string): string {
  return path === STDIN ? 'stdin' : path;
}

/** Bytes of a source, in order, with the offset of their first byte in it. */
export interface Chunk {
  bytes: Buffer;
  offset: number;
}

/**
 * What the driver reads: chunks in order, and where to say how far the output got. Sources know nothing of
 * lines or records; a batch source has nowhere to keep a position and ignores it.
 */
export interface ChunkSource {
  readonly name: string;
  chunks(): AsyncIterable<Chunk>;
  commit(position: { offset: number; line: number }): void | Promise<void>;
}

/** Fails early, before any output, when an input cannot be read: one line that names it. */
export function checkReadable(paths: readonly string[]): void {
  for (const path of paths) {
    if (path === STDIN) continue;
    try {
      const stat = fs.statSync(path);
      if (stat.isDirectory()) throw new ConfigError(`${path}: is a directory`);
      fs.accessSync(path, fs.constants.R_OK);
    } catch (error) {
      if (error instanceof ConfigError) throw error;
      const code = (error as NodeJS.ErrnoException).code;
      throw new ConfigError(`${path}: ${code === 'ENOENT' ? 'no such file' : `cannot read (${code})`}`);
    }
  }
}

/** Numbers the chunks of a byte stream by offset. */
async function* offsets(stream: AsyncIterable<Buffer>): AsyncIterable<Chunk> {
  let offset = 0;
  for await (const bytes of stream) {
    yield { bytes, offset };
    offset += bytes.length;
  }
}

/**
 * A plain file, stdin, or a `.gz` file. A `.gz` file of `gzipWorkerBytes` or more is inflated by a worker
 * thread (below); a smaller one on this thread, where zlib inflates on the thread pool but its stream's
 * bookkeeping runs here. `false` keeps every file on this thread (`--threads 1`). A plain file is read into
 * `buffers` in turn (two: the next read runs while a chunk is framed).
 */
export function batchSource(
  path: string,
  stdin: Readable,
  gzipWorkerBytes: number | false = GZIP_WORKER_MIN_BYTES,
  buffers?: readonly Buffer[],
): ChunkSource {
  const name = sourceName(path);
  const commit = () => {};
  if (path === STDIN) return { name, commit, chunks: () => offsets(stdin) };
  if (path.endsWith('.gz')) {
    return {
      name,
      commit,
      chunks() {
        if (gzipWorkerBytes !== false && fs.statSync(path).size >= gzipWorkerBytes)
          return inflatedElsewhere(path);
        const file = fs.createReadStream(path, { highWaterMark: GZIP_READ_BYTES });
        const gunzip = zlib.createGunzip({ chunkSize: GUNZIP_CHUNK_BYTES });
        file.on('error', (error) => gunzip.destroy(error));
        return offsets(file.pipe(gunzip));
      },
    };
  }
  return {
    name,
    commit,
    chunks: () => readChunks(path, 0, Number.POSITIVE_INFINITY, buffers ?? [readBuffer(), readBuffer()]),
  };
}

/** What the reading thread asks the inflating thread (gunzip-worker.ts) for. */
export interface GunzipJob {
  path: string;
  /**
   * Bytes per buffer handed over, and how many buffers exist (in flight or being filled). zlib there writes
   * pieces of this size, one per buffer: a quarter of the round trips to the pool that 256 KiB pieces cost its
   * stream. With 1 MiB buffers the bench's `.gz` corpus took 0.93x the wall time (14 paired runs; in a first
   * comparison of 12, 512 KiB pieces 0.96x, 1 MiB 0.92x, 2 MiB 0.94x), peak RSS 118 MiB against 113. On the
   * reading thread (`--threads 1`, small files) 1 MiB pieces took 1.08x the time and 9 MiB more: it keeps
   * GUNZIP_CHUNK_BYTES.
   */
  bufferBytes: number;
  buffers: number;
}

/** What the inflating thread sends: a filled buffer (moved, not copied), the end, or why it failed. */
export type GunzipMessage = { bytes: ArrayBuffer; length: number } | { end: true } | { error: string };

/**
 * A `.gz` file's bytes as a worker thread inflates them, in a few 1 MiB buffers that go back and forth
 * (moved, never copied between the threads): zlib, its stream and the copy into the buffers take the other
 * core. A chunk is valid until the next is asked for; then its buffer goes back to be filled again.
 */
async function* inflatedElsewhere(path: string): AsyncIterable<Chunk> {
  const job: GunzipJob = { path, bufferBytes: READ_CHUNK_BYTES, buffers: GZIP_WORKER_BUFFERS };
  const worker = new Worker(new URL('./gunzip-worker.js', import.meta.url), {
    workerData: job,
    resourceLimits: { maxYoungGenerationSizeMb: GZIP_WORKER_YOUNG_MB },
  });
  const arrived: GunzipMessage[] = [];
  let wake: (() => void) | undefined;
  const deliver = (message: GunzipMessage) => {
    arrived.push(message);
    wake?.();
    wake = undefined;
  };
  worker.on('message', deliver);
  worker.on('error', (error) => deliver({ error: error.message }));
  worker.on('exit', () => deliver({ error: 'the inflating thread stopped' }));
  let offset = 0;
  try {
    for (;;) {
      while (arrived.length === 0) await new Promise<void>((resolve) => (wake = resolve));
      const message = arrived.shift() as GunzipMessage;
      if ('end' in message) return;
      if ('error' in message) throw new Error(message.error);
      yield { bytes: Buffer.from(message.bytes, 0, message.length), offset };
      offset += message.length;
      worker.postMessage(message.bytes, [message.bytes]);
    }
  } finally {
    worker.removeAllListeners();
    await worker.terminate();
  }
}

/**
 * The bytes `[start, end)` of a plain file (a block of a large file), read into `buffers` in turn, as a
 * whole file is: a reader of many ranges passes the same buffers for them all (fresh 1 MiB buffers per read,
 * in three threads at once, left glibc's arenas holding ~20 MiB more at the peak). `inThread` reads on the
 * calling thread instead of the thread pool: when every core is framing, a pool thread is one more to be
 * scheduled, and the framing thread waited for it (~0.1 s a run on the bench corpus, two threads).
 */
export function rangeSource(
  path: string,
  start: number,
  end: number,
  buffers: readonly Buffer[] = [readBuffer()],
  inThread = false,
): ChunkSource {
  return {
    name: sourceName(path),
    commit() {},
    chunks: () =>
      inThread ? readChunksHere(path, start, end, buffers) : readChunks(path, start, end, buffers),
  };
}

/**
 * The bytes `[start, end)` of a file, read into `buffers` in turn. With two or more, the next read runs while
 * the driver frames a chunk, which stays valid until the one after the next is asked for; with one, a chunk
 * is valid until the next is asked for. The driver keeps nothing of a chunk once it asks for another. Reused
 * buffers spare each chunk a fresh 1 MiB (its page faults, then its collection).
 */
async function* readChunks(
  path: string,
  start: number,
  end: number,
  buffers: readonly Buffer[],
): AsyncIterable<Chunk> {
  const file = await fs.promises.open(path, 'r');
  const read = (turn: number, at: number) => {
    const buffer = buffers[turn % buffers.length] as Buffer;
    return file.read(buffer, 0, Math.min(buffer.length, end - at), at);
  };
  let ahead: ReturnType<typeof read> | undefined = read(0, start);
  try {
    for (let turn = 0, offset = start; offset < end; turn++) {
      const { bytesRead, buffer } = await (ahead ?? read(turn, offset));
      ahead = undefined;
      if (bytesRead === 0) return;
      const next = offset + bytesRead;
      if (buffers.length > 1 && next < end) ahead = read(turn + 1, next);
      yield { bytes: buffer.subarray(0, bytesRead), offset };
      offset = next;
    }
  } finally {
    // A read still under way must end before the file closes.
    await ahead?.catch(() => {});
    await file.close();
  }
}

/** `readChunks` with each read on the calling thread, which waits for it; the buffers taken in turn. */
async function* readChunksHere(
  path: string,
  start: number,
  end: number,
  buffers: readonly Buffer[],
): AsyncIterable<Chunk> {
  const fd = fs.openSync(path, 'r');
  try {
    for (let turn = 0, offset = start; offset < end; turn++) {
      const buffer = buffers[turn % buffers.length] as Buffer;
      const bytesRead = fs.readSync(fd, buffer, 0, Math.min(buffer.length, end - offset), offset);
      if (bytesRead === 0) return;
      yield { bytes: buffer.subarray(0, bytesRead), offset };
      offset += bytesRead;
    }
  } finally {
    fs.closeSync(fd);
  }
}

/** A `.gz` file this large (compressed) is inflated by a worker thread: below it, starting one costs more than it saves. */
export const GZIP_WORKER_MIN_BYTES = 4 * 1024 * 1024;
/** Buffers between the inflating thread and this one: one being framed, the others filled meanwhile. */
const GZIP_WORKER_BUFFERS = 3;
/** The inflating thread allocates little but zlib's pieces: a small young generation bounds its RSS. */
const GZIP_WORKER_YOUNG_MB = 4;

/** zlib's output piece size: large, so the scanner sees few chunks (16 KiB pieces took ~1.6x the CPU). */
export const GUNZIP_CHUNK_BYTES = 256 * 1024;

/**
 * Compressed bytes per read. A 1 MiB piece stays in use while zlib inflates ~6 MiB from it, long enough to be
 * moved to the old generation, where dead ones waited for a full collection: peak RSS 130 MiB on the bench
 * corpus, 73 MiB with 64 KiB pieces, at the same speed.
 */
export const GZIP_READ_BYTES = 64 * 1024;
