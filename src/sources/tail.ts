// One followed file: reads whole lines from its offset, notices truncation and replaced content, hands on a held record.
import fs from 'node:fs/promises';
import type { LogRecord } from '../extract/types.js';
import { Framer, type FramingLimits } from '../framing/framer.js';
import { pushLine } from '../framing/lines.js';
import type { PipelineStats } from '../stats.js';
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

/** Per-path figures for the tailer's metrics. */
export interface FileFigures {
  bytes: number;
  lines: number;
  rotations: number;
  truncations: number;
  /** Bytes between the read offset and the end of the file. */
  lag: number;
}

export function newFigures(): FileFigures {
  return { bytes: 0, lines: 0, rotations: 0, truncations: 0, lag: 0 };
}

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

/** The lines of a record still held when its file was rotated away: the next file under the name continues it. */
export interface Carried {
  lines: string[];
  /** Lines before the first carried one, in the old file. */
  line: number;
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

const NEWLINE = 10;
/** How much of a suspected copy is compared with the file it may copy, at its start and at its end. */
const COMPARE_BYTES = 1024 * 1024;

/**
 * An open file being followed. Lines are framed as they are read; the committed offset (what a restart
 * resumes from) never passes a record the framer still holds, nor a line without its newline yet.
 */
export class TailedFile {
  lastData: number;
  private offset: number;
  private line: number;
  private committedOffset: number;
  private committedLine: number;
  /** Size and modification time at the last check, to skip work on files nobody writes to. */
  private seen: { size: number; mtimeMs: number } | undefined;
  /** The last check found nothing new: reading can be skipped until the next check. */
  quiet = false;
  /** Fingerprint of the bytes just before the committed offset (plain files): what proves a copy is one. */
  private edge: string | undefined;
  private framer: Framer;
  private held: Start | undefined;
  /** Carried lines were numbered from 1 - (their count): records starting there get their old file's numbers back. */
  private carriedShift = 0;
  /** The last lines read: where each started and whether it produced records (newest last, at most 3). */
  private recent: { start: number; emitted: boolean }[] = [];
  private skipping = false;
  private readonly buffer: Buffer;

  private constructor(
    public path: string,
    private readonly source: ByteSource,
    readonly dev: number,
    readonly ino: number,
    private fingerprint: Fingerprint,
    start: Start,
    private readonly limits: FramingLimits,
    private readonly stats: PipelineStats,
    public figures: FileFigures,
    now: number,
  ) {
    this.offset = start.offset;
    this.line = start.line;
    this.committedOffset = start.offset;
    this.committedLine = start.line;
    this.framer = this.newFramer(start.line);
    this.lastData = now;
    // A line longer than the bound never fits: a read of this size without a newline means "skip it".
    this.buffer = Buffer.allocUnsafe(limits.maxLineBytes + 1);
  }

  /**
   * Opens `path` (a `.gz` decompressed) and starts where `place` says, from what the file looks like;
   * undefined (and the file closed again) when `place` says it is not to be read.
   */
  static async open(
    path: string,
    place: (opened: Opened) => Promise<Start | undefined> | Start | undefined,
    limits: FramingLimits,
    stats: PipelineStats,
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
      const file = new TailedFile(
        path,
        source,
        st.dev,
        st.ino,
        fingerprintBytes(head),
        start,
        limits,
        stats,
        figures,
        now,
      );
      await file.takeEdge();
      return file;
    } catch (error) {
      await handle.close();
      throw error;
    }
  }

  get compressed(): boolean {
    return this.source.compressed;
  }

  get identity(): { dev: number; ino: number; fingerprint: Fingerprint } {
    return { dev: this.dev, ino: this.ino, fingerprint: this.fingerprint };
  }

  /** Line numbers continue from the saved position, so events keep their real line after a restart. */
  private newFramer(firstLine: number): Framer {
    return new Framer(this.path, this.limits, this.stats, firstLine);
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
   * the first bytes changed. Reading restarts at 0 with a fresh framer and the new content's fingerprint;
   * the answer describes the content replaced, whose copy may still hold its unread end.
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
      this.line = 0;
      this.committedOffset = 0;
      this.committedLine = 0;
      this.held = undefined;
      this.carriedShift = 0;
      this.recent = [];
      this.skipping = false;
      this.framer = this.newFramer(0);
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
   * Reads the whole lines available now, at most one buffer's worth, and returns their records, or
   * undefined when there was nothing new. Call `commit` once the records' events are written.
   */
  async read(now: number): Promise<LogRecord[] | undefined> {
    const bytesRead = await this.source.read(this.buffer, this.offset);
    if (bytesRead === 0) return undefined;
    const data = this.buffer.subarray(0, bytesRead);
    const lastNewline = data.lastIndexOf(NEWLINE);
    if (lastNewline < 0) {
      if (bytesRead < this.buffer.length) return undefined; // a line still being written: wait for its newline
      // Longer than the bound with no end in sight: drop what we have, skip to the next newline.
      if (!this.skipping) this.framer.skipOverlong();
      this.skipping = true;
      this.advance(bytesRead, 0, now);
      return [];
    }
    const text = data.toString('latin1', 0, lastNewline);
    const lines = text.split('\n');
    const records: LogRecord[] = [];
    let start = this.offset;
    let first = 0;
    if (this.skipping) {
      // The rest of the overlong line: already counted.
      start += (lines[0] as string).length + 1;
      first = 1;
      this.skipping = false;
    }
    for (let i = first; i < lines.length; i++) {
      const line = lines[i] as string;
      const heldBefore = this.framer.heldSince;
      const before = records.length;
      pushLine(this.framer, line, records);
      this.recent.push({ start, emitted: records.length > before });
      if (this.recent.length > 3) this.recent.shift();
      const heldNow = this.framer.heldSince;
      if (heldNow === undefined) this.held = undefined;
      else if (heldNow !== heldBefore) this.held = this.heldFrom(heldNow);
      start += line.length + 1;
    }
    this.advance(lastNewline + 1, lines.length - first, now);
    if (this.carriedShift !== 0) this.renumberCarried(records);
    return records;
  }

  /** A record begun in the rotated file keeps that file's line number. */
  private renumberCarried(records: LogRecord[]): void {
    for (const record of records) if (record.line <= 0) record.line += this.carriedShift;
    if (this.framer.heldSince === undefined) this.carriedShift = 0;
  }

  /**
   * Where a restart must begin to read a held record again whole: its first line, or the line before it
   * (an SDK's header, which gives the body its time) when that line produced no events of its own.
   */
  private heldFrom(firstLine: number): Start {
    if (firstLine <= 0) return { offset: 0, line: 0 }; // begun in the rotated file: from this file's start
    const back = this.framer.lines - firstLine; // 0: held from this line; 1: from the line before (a declaration)
    const body = this.recent[this.recent.length - 1 - back];
    const header = this.recent[this.recent.length - 2 - back];
    if (body === undefined) return { offset: this.offset, line: firstLine - 1 };
    if (header !== undefined && !header.emitted) return { offset: header.start, line: firstLine - 2 };
    return { offset: body.start, line: firstLine - 1 };
  }

  private advance(bytes: number, lines: number, now: number): void {
    this.framer.countBytes(bytes);
    this.offset += bytes;
    this.line += lines;
    this.figures.bytes += bytes;
    this.figures.lines += lines;
    this.lastData = now;
  }

  /** Everything read so far has reached the output: a restart may resume after it. */
  async commit(): Promise<void> {
    const before = this.committedOffset;
    if (this.held) {
      this.committedOffset = this.held.offset;
      this.committedLine = this.held.line;
    } else {
      this.committedOffset = this.offset;
      this.committedLine = this.line;
    }
    if (this.committedOffset !== before) await this.takeEdge();
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

  /**
   * The record this file still holds, as its raw lines, for the file that replaced it under its name; this
   * file goes on with a fresh framer. Undefined when nothing is held (or the file is compressed).
   */
  async takeHeld(): Promise<Carried | undefined> {
    if (this.held === undefined || this.source.compressed || this.carriedShift !== 0) return undefined;
    const bytes = Buffer.alloc(this.offset - this.held.offset);
    const read = await this.source.read(bytes, this.held.offset);
    const text = bytes.toString('latin1', 0, read);
    const carried = { lines: text.split('\n').slice(0, -1), line: this.held.line };
    this.held = undefined;
    this.recent = [];
    this.framer = this.newFramer(this.line);
    await this.commit();
    return carried;
  }

  /** Goes on with a record begun in the rotated file: its lines are framed again before this file's first. */
  adopt(carried: Carried): void {
    const k = carried.lines.length;
    this.framer = new Framer(this.path, this.limits, this.stats, -k);
    // These lines were counted when the old file was read: framing them again must not count them twice.
    const lines = this.stats.lines;
    const requests = Float64Array.from(this.stats.requestsByClass);
    const records: LogRecord[] = [];
    for (const line of carried.lines) pushLine(this.framer, line, records);
    this.stats.lines = lines;
    this.stats.requestsByClass.set(requests);
    this.carriedShift = carried.line + k;
    this.held = this.framer.heldSince === undefined ? undefined : { offset: 0, line: 0 };
  }

  /** Whether nothing read so far is still to be committed or framed: a fresh file to hand a record to. */
  get untouched(): boolean {
    return this.offset === 0 && this.held === undefined;
  }

  /** For a file closed for good (rotated and idle): its last line without a newline, and held records. */
  async drain(): Promise<LogRecord[]> {
    const records: LogRecord[] = [];
    const bytesRead = await this.source.read(this.buffer, this.offset);
    if (bytesRead > 0 && !this.skipping)
      pushLine(this.framer, this.buffer.toString('latin1', 0, bytesRead), records);
    if (bytesRead > 0) this.advance(bytesRead, 1, this.lastData);
    records.push(...this.framer.end());
    if (this.carriedShift !== 0) this.renumberCarried(records);
    this.held = undefined;
    return records;
  }

  close(): Promise<void> {
    return this.source.close();
  }
}
