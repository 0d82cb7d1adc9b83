// Opens batch inputs as chunk sources: files in order, stdin for `-`, gzip-compressed files decompressed on the fly.
import fs from 'node:fs';
import type { Readable } from 'node:stream';
import zlib from 'node:zlib';
import { ConfigError } from '../errors.js';

/** Big reads: fewer chunks, fewer calls per byte; the scanner's cost per chunk is a few strings. */
export const READ_CHUNK_BYTES = 1024 * 1024;

export const STDIN = '-';

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
 * A plain file, stdin, or a `.gz` file. zlib inflates on the thread pool; a deeper read-ahead for it (4 and
 * 8 MiB instead of one piece) measured no faster, so the stream's default stays.
 */
export function batchSource(path: string, stdin: Readable): ChunkSource {
  const name = sourceName(path);
  const commit = () => {};
  if (path === STDIN) return { name, commit, chunks: () => offsets(stdin) };
  if (path.endsWith('.gz')) {
    return {
      name,
      commit,
      chunks() {
        const file = fs.createReadStream(path, { highWaterMark: READ_CHUNK_BYTES });
        const gunzip = zlib.createGunzip({ chunkSize: GUNZIP_CHUNK_BYTES });
        file.on('error', (error) => gunzip.destroy(error));
        return offsets(file.pipe(gunzip));
      },
    };
  }
  return {
    name,
    commit,
    chunks: () => offsets(fs.createReadStream(path, { highWaterMark: READ_CHUNK_BYTES })),
  };
}

/**
 * The bytes `[start, end)` of a plain file (a block read by a worker thread), read into one buffer that every
 * chunk reuses: a chunk is valid until the next is asked for. Fresh 1 MiB buffers per read, in three
 * threads at once, left glibc's arenas holding ~20 MiB more at the peak. A reader of many ranges passes the
 * same `buffer` for them all.
 */
export function rangeSource(
  path: string,
  start: number,
  end: number,
  buffer: Buffer = Buffer.allocUnsafe(READ_CHUNK_BYTES),
): ChunkSource {
  return {
    name: sourceName(path),
    commit() {},
    async *chunks() {
      const file = await fs.promises.open(path, 'r');
      try {
        for (let offset = start; offset < end; ) {
          const { bytesRead } = await file.read(buffer, 0, Math.min(buffer.length, end - offset), offset);
          if (bytesRead === 0) return;
          yield { bytes: buffer.subarray(0, bytesRead), offset };
          offset += bytesRead;
        }
      } finally {
        await file.close();
      }
    },
  };
}

/** zlib's output piece size: large, so the scanner sees few chunks (16 KiB pieces took ~1.6x the CPU). */
export const GUNZIP_CHUNK_BYTES = 256 * 1024;
