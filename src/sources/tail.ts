// One followed file as a chunk source: bytes and offsets from where it stands, truncation and replaced content noticed.
import fs from 'node:fs/promises';
import type { FileFigures } from '../stats.js';
import { type Chunk, type ChunkSource, readBuffer } from './files.js';
import {
  type ByteSource,
  edgeStart,
  type Fingerprint,
  fingerprintBytes,
  firstBytesOf,
  gzipSource,
  isCompressed,
  plainSource,
  sameEdge,
} from './identity.js';
import { FINGERPRINT_BYTES, type FilePosition, fingerprintOf } from './positions.js';

/** Where reading starts in a file just opened. */
export interface Start {
  offset: number;
  line: number;
}

/** What a file looked like when it was opened: enough to decide where to start. */
export interface Opened {
  dev: number;
  ino: number;
  size: number;
  /** The first bytes (decompressed for a `.gz`), up to FINGERPRINT_BYTES. */
  head: Buffer;
}

/** The content a truncation replaced: a copy of it (copytruncate) is read from `offset` on. */
export interface Replaced {
  fingerprint: Fingerprint;
  offset: number;
  line: number;
  edge: string | undefined;
}

/** Whether two sources hold the same bytes in [start, end): small reads first, as files that differ do so early. */
async function sameBytes(a: ByteSource, b: ByteSource, start: number, end: number): Promise<boolean> {
  let chunk = 4096;
  for (let at = start; at < end; at += chunk, chunk = Math.min(chunk * 4, 256 * 1024)) {
    const length = Math.min(chunk, end - at);
    const x = Buffer.alloc(length);
    const y = Buffer.alloc(length);
    if ((await a.read(x, at)) !== length || (await b.read(y, at)) !== length || !x.equals(y)) return false;
  }
  return true;
}

/** How much of a suspected copy is compared with the file it may copy, at its start and at its end. */
const COMPARE_BYTES = 1024 * 1024;

/**
 * An open file being followed, read as chunks from its read offset to its end as it is now. It knows bytes
 * and offsets only: the driver frames the chunks and tells it, through `commit`, where a restart may resume
 * (after the last record whose events reached the output, never past a record the framer still holds).
 */
export class TailedFile implements ChunkSource {
  /** When bytes last arrived (the follower's clock): a rotated file idle for the rotate-wait is closed. */
  lastData: number;
  /** The next byte to read. */
  private offset: number;
  private committedOffset: number;
  private committedLine: number;
  /** Size and modification time at the last check, to skip work on files nobody writes to. */
  private seen: { size: number; mtimeMs: number } | undefined;
  /** The last check found nothing new: reading can be skipped until the next check. */
  quiet = false;
  /** Fingerprint of the bytes just before the committed offset (plain files): what proves a copy is one. */
  private edge: string | undefined;
  /** One read buffer, reused: the scanner keeps nothing that points into a chunk. Allocated on first read. */
  private buffer: Buffer | undefined;

  private constructor(
    public path: string,
    private readonly source: ByteSource,
    readonly dev: number,
    readonly ino: number,
    private fingerprint: Fingerprint,
    start: Start,
    public figures: FileFigures,
    now: number,
  ) {
    this.offset = start.offset;
    this.committedOffset = start.offset;
    this.committedLine = start.line;
    this.lastData = now;
  }

  /**
   * Opens `path` (a `.gz` decompressed) and starts where `place` says, from what the file looks like;
   * undefined (and the file closed again) when `place` says it is not to be read.
   */
  static async open(
    path: string,
    place: (opened: Opened) => Promise<Start | undefined> | Start | undefined,
    figures: FileFigures,
    now: number,
  ): Promise<TailedFile | undefined> {
    const handle = await fs.open(path, 'r');
    try {
      const st = await handle.stat();
      const compressed = isCompressed(path);
      const head = await firstBytesOf(handle, compressed, FINGERPRINT_BYTES);
      const start = await place({ dev: st.dev, ino: st.ino, size: st.size, head });
      if (start === undefined) {
        await handle.close();
        return undefined;
      }
      const source = compressed ? gzipSource(handle) : plainSource(handle);
      const file = new TailedFile(path, source, st.dev, st.ino, fingerprintBytes(head), start, figures, now);
      await file.takeEdge();
      return file;
    } catch (error) {
      await handle.close();
      throw error;
    }
  }

  get name(): string {
    return this.path;
  }

  get compressed(): boolean {
    return this.source.compressed;
  }

  get identity(): { dev: number; ino: number; fingerprint: Fingerprint } {
    return { dev: this.dev, ino: this.ino, fingerprint: this.fingerprint };
  }

  /** Where reading goes on: the next byte to read. */
  get readOffset(): number {
    return this.offset;
  }

  /** Where a restart resumes, with the identity that proves it is the same file. */
  position(): FilePosition {
    return {
      path: this.path,
      dev: this.dev,
      ino: this.ino,
      fingerprint: this.fingerprint.value,
      fingerprintLength: this.fingerprint.length,
      offset: this.committedOffset,
      line: this.committedLine,
      ...(this.edge === undefined ? {} : { edge: this.edge }),
    };
  }

  /**
   * Truncation (copytruncate, `> file`) or content replaced in place: the size went below the offset, or
   * the first bytes changed. Reading restarts at 0 with the new content's fingerprint (the caller starts a
   * fresh framer); the answer describes the content replaced, whose copy may still hold its unread end.
   */
  async checkTruncation(): Promise<Replaced | undefined> {
    if (this.source.compressed) return undefined;
    const st = await this.source.stat();
    const size = st?.size ?? 0;
    // Nothing written since the last look, and all of it read: no need to look at the first bytes again.
    const same = st !== undefined && st.size === this.seen?.size && st.mtimeMs === this.seen.mtimeMs;
    this.seen = st;
    this.quiet = same && this.offset >= size;
    if (this.quiet) return undefined;
    let replaced: Replaced | undefined;
    const head = await this.head(FINGERPRINT_BYTES);
    const changed =
      size < this.offset ||
      (this.fingerprint.length > 0 &&
        fingerprintBytes(head.subarray(0, this.fingerprint.length)).value !== this.fingerprint.value);
    if (changed) {
      replaced = {
        fingerprint: this.fingerprint,
        offset: this.committedOffset,
        line: this.committedLine,
        edge: this.edge,
      };
      this.figures.truncations++;
      this.offset = 0;
      this.committedOffset = 0;
      this.committedLine = 0;
      this.edge = fingerprintOf(Buffer.alloc(0));
    }
    // The fingerprint follows the content: it grows to its full length, and is taken again after a truncation.
    if (changed || (this.fingerprint.length < FINGERPRINT_BYTES && head.length > this.fingerprint.length))
      this.fingerprint = fingerprintBytes(head);
    this.figures.lag = Math.max(0, size - this.offset);
    return replaced;
  }

  private async head(length: number): Promise<Buffer> {
    const buf = Buffer.alloc(length);
    return buf.subarray(0, await this.source.read(buf, 0));
  }

  /**
   * The bytes there are now, from the read offset on, a buffer at a time; stops at the end of the file (or
   * when `signal` aborts, between two chunks). A chunk is valid until the next is asked for.
   */
  async *chunks(signal?: AbortSignal): AsyncIterable<Chunk> {
    this.buffer ??= readBuffer();
    while (!signal?.aborted) {
      const bytesRead = await this.source.read(this.buffer, this.offset);
      if (bytesRead === 0) return;
      const offset = this.offset;
      this.offset += bytesRead;
      this.figures.bytes += bytesRead;
      yield { bytes: this.buffer.subarray(0, bytesRead), offset };
      // A short read was the end: asking again costs a read per round for nothing; the next round reads on.
      if (bytesRead < this.buffer.length) return;
    }
  }

  /**
   * The output took everything framed before `position`: a restart may resume there. A position before
   * this file's start (a record carried over from the file it replaced) resumes at the start.
   */
  async commit(position: Start): Promise<void> {
    const at = position.offset < 0 ? { offset: 0, line: 0 } : position;
    const before = this.committedOffset;
    this.committedOffset = at.offset;
    this.committedLine = at.line;
    if (this.committedOffset !== before) await this.takeEdge();
  }

  /** Reading goes on from `offset` (back to the end of the last whole line, for a fresh framer). */
  seek(offset: number): void {
    this.offset = offset;
  }

  /** The bytes [start, end) as they are in the file: a held record carried over to the next file. */
  async bytes(start: number, end: number): Promise<Buffer> {
    const bytes = Buffer.alloc(Math.max(0, end - start));
    return bytes.subarray(0, await this.source.read(bytes, start));
  }

  private async takeEdge(): Promise<void> {
    if (this.source.compressed) return;
    const start = edgeStart(this.committedOffset);
    const bytes = Buffer.alloc(this.committedOffset - start);
    const read = await this.source.read(bytes, start);
    this.edge = read === bytes.length ? fingerprintOf(bytes) : undefined;
  }

  /**
   * Whether `path` (`size` bytes long, starting like this file) is a copy of it. While this file still has
   * its content, the bytes are compared (the first and the last MiB the two share); once it was replaced
   * (copytruncate caught between the copy and our look), the copy must hold, where our reading stopped,
   * the bytes we had there.
   */
  async copiedIn(path: string, size: number): Promise<boolean> {
    if (this.source.compressed) return false;
    const mySize = (await this.source.stat())?.size ?? 0;
    const myHead = await this.head(this.fingerprint.length);
    if (mySize < this.offset || fingerprintBytes(myHead).value !== this.fingerprint.value)
      return size >= this.committedOffset && sameEdge(path, this.committedOffset, this.edge);
    const shared = Math.min(size, mySize);
    const other = await fs.open(path, 'r').catch(() => undefined);
    if (other === undefined) return false;
    try {
      const theirs = plainSource(other);
      const first = Math.min(shared, COMPARE_BYTES);
      return (
        (await sameBytes(this.source, theirs, 0, first)) &&
        (await sameBytes(this.source, theirs, Math.max(first, shared - COMPARE_BYTES), shared))
      );
    } finally {
      await other.close();
    }
  }

  close(): Promise<void> {
    return this.source.close();
  }
}
