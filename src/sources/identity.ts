// What a followed file is: its bytes (plain, or a rotated `.gz` decompressed), its first-bytes fingerprint, its copies.
import { fstatSync, readSync } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import zlib from 'node:zlib';
import { EDGE_BYTES, FINGERPRINT_BYTES, fingerprintOf } from './positions.js';

/** Random access to a file's bytes, as far as the file allows it. */
export interface ByteSource {
  /** Compressed sources are read once, forwards, and never grow. */
  readonly compressed: boolean;
  /** Reads up to `buffer.length` bytes at `position`; 0 at the end. */
  read(buffer: Buffer, position: number): Promise<number>;
  /** The current size and modification time, or undefined when not known without reading it all (compressed). */
  stat(): Promise<{ size: number; mtimeMs: number } | undefined>;
  close(): Promise<void>;
}

export function isCompressed(file: string): boolean {
  return file.endsWith('.gz');
}

/**
 * Reads up to this size are made in place: through the thread pool, a read or a stat costs some 50 µs of CPU
 * (two thread hand-offs) against 2 µs, and a follow round makes several small ones (the size, the first bytes,
 * the bytes before the offset). Data reads stay in the thread pool: between two of them, a backlog being read
 * lets signals and scrapes through.
 */
const SYNC_READ_BYTES = 64 * 1024;

/** A plain file through an open handle: it keeps the inode readable after a rename or delete. */
export function plainSource(handle: fs.FileHandle): ByteSource {
  return {
    compressed: false,
    read: async (buffer, position) =>
      buffer.length <= SYNC_READ_BYTES
        ? readSync(handle.fd, buffer, 0, buffer.length, position)
        : (await handle.read(buffer, 0, buffer.length, position)).bytesRead,
    // The size, at every round of every file: in place (see SYNC_READ_BYTES).
    stat: async () => fstatSync(handle.fd),
    close: () => handle.close(),
  };
}

/**
 * A gzip file decompressed forwards: positions are offsets in the decompressed bytes. Reads may only go
 * forwards (the follower rereads at most the unfinished tail of the last chunk, which stays in `pending`).
 */
export function gzipSource(handle: fs.FileHandle): ByteSource {
  const raw = handle.createReadStream({ start: 0, autoClose: false });
  const gunzip = raw.pipe(zlib.createGunzip());
  const chunks = gunzip[Symbol.asyncIterator]();
  let pending: Buffer = Buffer.alloc(0);
  let pendingStart = 0;
  let ended = false;
  const more = async (): Promise<boolean> => {
    if (ended) return false;
    const next = await chunks.next();
    if (next.done) {
      ended = true;
      return false;
    }
    pending = pending.length === 0 ? (next.value as Buffer) : Buffer.concat([pending, next.value as Buffer]);
    return true;
  };
  return {
    compressed: true,
    async read(buffer, position) {
      if (position < pendingStart) throw new Error(`a compressed file is read forwards only (${position})`);
      // Bytes before `position` are done with: drop them, so memory stays at one buffer's worth.
      for (;;) {
        const skip = Math.min(position - pendingStart, pending.length);
        pending = pending.subarray(skip);
        pendingStart += skip;
        if (pendingStart === position && pending.length >= buffer.length) break;
        if (!(await more())) break;
      }
      if (pendingStart !== position) return 0;
      return pending.copy(buffer, 0, 0, Math.min(buffer.length, pending.length));
    },
    stat: async () => undefined,
    close: async () => {
      gunzip.destroy();
      raw.destroy();
      await handle.close();
    },
  };
}

/** The first `length` bytes of a file, decompressed for a `.gz`; fewer when the file is shorter. */
export async function firstBytes(file: string, length = FINGERPRINT_BYTES): Promise<Buffer> {
  const handle = await fs.open(file, 'r');
  try {
    return await firstBytesOf(handle, isCompressed(file), length);
  } finally {
    await handle.close();
  }
}

export async function firstBytesOf(
  handle: fs.FileHandle,
  compressed: boolean,
  length: number,
): Promise<Buffer> {
  if (!compressed) {
    const buf = Buffer.alloc(length);
    const { bytesRead } = await handle.read(buf, 0, length, 0);
    return buf.subarray(0, bytesRead);
  }
  // Inflate the file's beginning without a stream (the handle's one stream is for reading it later):
  // a sync flush yields what a truncated input holds instead of failing on its missing end.
  const stat = await handle.stat();
  for (let take = 16 * 1024; ; take *= 4) {
    const buf = Buffer.alloc(Math.min(take, stat.size));
    const { bytesRead } = await handle.read(buf, 0, buf.length, 0);
    let out: Buffer;
    try {
      out = zlib.gunzipSync(buf.subarray(0, bytesRead), { finishFlush: zlib.constants.Z_SYNC_FLUSH });
    } catch {
      return Buffer.alloc(0); // not gzip, or damaged at its start: nothing to compare
    }
    if (out.length >= length || bytesRead >= stat.size) return out.subarray(0, length);
  }
}

/** The bytes of `file` (decompressed for a `.gz`) in [start, start + length), fewer at its end. */
export async function bytesAt(file: string, start: number, length: number): Promise<Buffer> {
  const handle = await fs.open(file, 'r');
  const source = isCompressed(file) ? gzipSource(handle) : plainSource(handle);
  try {
    const buf = Buffer.alloc(length);
    return buf.subarray(0, await source.read(buf, start));
  } finally {
    await source.close();
  }
}

/** Where the edge before `offset` starts: the EDGE_BYTES before it, or all of them near the start. */
export function edgeStart(offset: number): number {
  return Math.max(0, offset - EDGE_BYTES);
}

/**
 * Whether `file` holds, just before `offset` (from `start`: the edge by default), the bytes whose fingerprint
 * is `edge` (no edge: nothing to check).
 */
export async function sameEdge(
  file: string,
  offset: number,
  edge: string | undefined,
  start = edgeStart(offset),
): Promise<boolean> {
  if (edge === undefined) return true;
  const bytes = await bytesAt(file, start, offset - start).catch(() => undefined);
  return bytes !== undefined && bytes.length === offset - start && fingerprintOf(bytes) === edge;
}

/** A fingerprint the way positions store it. */
export interface Fingerprint {
  value: string;
  length: number;
}

export function fingerprintBytes(bytes: Buffer): Fingerprint {
  return { value: fingerprintOf(bytes), length: bytes.length };
}

/** Whether `head` (a file's first bytes) starts with the content `fp` was taken from. */
export function sameStart(head: Buffer, fp: Fingerprint): boolean {
  return fp.length > 0 && head.length >= fp.length && fingerprintOf(head.subarray(0, fp.length)) === fp.value;
}

/** At most this many siblings are looked into for a copy: a busy log directory costs a bounded amount. */
const MAX_CANDIDATES = 64;

export interface Found {
  path: string;
  dev: number;
  ino: number;
}

/**
 * The copy of a file among its siblings: the same inode under a new name (renamed while we were away), or a
 * file, plain or `.gz`, starting with the same bytes and at least `minSize` long (copytruncate's copy, a rotated
 * file compressed), with the same bytes just before `minSize` when the edge is known. Siblings are files in the same directory whose name starts like the original's (`app` of
 * `app.log` matches `app.log.1`, `app.log-20261125.gz`, `app.1.log`). Newest first.
 */
export async function findCopy(
  original: string,
  identity: { dev: number; ino: number; fingerprint: Fingerprint; minSize: number; edge: string | undefined },
  skip: (found: Found) => boolean,
): Promise<Found | undefined> {
  const dir = path.dirname(original);
  const base = path.basename(original);
  const stem = base.split('.')[0] ?? base;
  let names: string[];
  try {
    names = await fs.readdir(dir);
  } catch {
    return undefined;
  }
  const candidates: (Found & { mtime: number; size: number })[] = [];
  for (const name of names) {
    if (!name.startsWith(stem)) continue;
    const full = path.join(dir, name);
    const st = await fs.stat(full).catch(() => undefined);
    if (!st?.isFile() || skip({ path: full, dev: st.dev, ino: st.ino })) continue;
    candidates.push({ path: full, dev: st.dev, ino: st.ino, mtime: st.mtimeMs, size: st.size });
  }
  candidates.sort((a, b) => b.mtime - a.mtime);
  for (const c of candidates.slice(0, MAX_CANDIDATES)) {
    const sameInode = c.dev === identity.dev && c.ino === identity.ino;
    // With no bytes to compare, only the inode can say it is the same file.
    if (!sameInode && identity.fingerprint.length === 0) continue;
    if (!isCompressed(c.path) && c.size < identity.minSize) continue;
    if (identity.fingerprint.length === 0) return c;
    const head = await firstBytes(c.path, identity.fingerprint.length).catch(() => undefined);
    if (head === undefined || !sameStart(head, identity.fingerprint)) continue;
    if (await sameEdge(c.path, identity.minSize, identity.edge)) return c;
  }
  return undefined;
}
