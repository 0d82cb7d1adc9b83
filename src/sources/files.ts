// Opens batch inputs: files in order, stdin for `-`, gzip-compressed files decompressed on the fly.
import fs from 'node:fs';
import type { Readable } from 'node:stream';
import zlib from 'node:zlib';
import { ConfigError } from '../errors.js';

/** Big reads: fewer chunks, fewer calls through the stream machinery per byte. */
export const READ_CHUNK_BYTES = 1024 * 1024;

export const STDIN = '-';

/** The `source` field of events: the path as given, or `stdin`. */
export function sourceName(path: string): string {
  return path === STDIN ? 'stdin' : path;
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

/** The streams that yield a source's bytes, ready to hand to `stream.pipeline`. */
export function openBatchSource(path: string, stdin: Readable): Readable[] {
  if (path === STDIN) return [stdin];
  const file = fs.createReadStream(path, { highWaterMark: READ_CHUNK_BYTES });
  if (path.endsWith('.gz')) return [file, zlib.createGunzip({ chunkSize: 256 * 1024 })];
  return [file];
}
