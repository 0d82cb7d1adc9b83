// One followed file: reads whole lines from its offset, and notices truncation and replaced content.
import fs from 'node:fs/promises';
import type { LogRecord } from '../extract/types.js';
import { Framer, type FramingLimits } from '../framing/framer.js';
import { pushLine } from '../framing/lines.js';
import type { PipelineStats } from '../stats.js';
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

const NEWLINE = 10;

/**
 * An open file being followed. Lines are framed as they are read; the committed offset (what a restart
 * resumes from) never passes a record the framer still holds, nor a line without its newline yet.
 */
export class TailedFile {
  /** Renamed or deleted under us: read to the end, then closed once idle. */
  rotated = false;
  lastData: number;
  private offset: number;
  private line: number;
  private committedOffset: number;
  private committedLine: number;
  private framer: Framer;
  private held: { offset: number; line: number } | undefined;
  /** The last lines read: where each started and whether it produced records (newest last, at most 3). */
  private recent: { start: number; emitted: boolean }[] = [];
  private skipping = false;
  private readonly buffer: Buffer;

  private constructor(
    readonly path: string,
    private readonly handle: fs.FileHandle,
    readonly dev: number,
    readonly ino: number,
    private fingerprint: { value: string; length: number },
    start: { offset: number; line: number },
    private readonly limits: FramingLimits,
    private readonly stats: PipelineStats,
    readonly figures: FileFigures,
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

  static async open(
    path: string,
    place: (identity: {
      dev: number;
      ino: number;
      size: number;
      fingerprintAt: (length: number) => Promise<string>;
    }) => Promise<{ offset: number; line: number }> | { offset: number; line: number },
    limits: FramingLimits,
    stats: PipelineStats,
    figures: FileFigures,
    now: number,
  ): Promise<TailedFile> {
    const handle = await fs.open(path, 'r');
    try {
      const st = await handle.stat();
      const fingerprintAt = (length: number) => readFingerprint(handle, length).then((f) => f.value);
      const start = await place({ dev: st.dev, ino: st.ino, size: st.size, fingerprintAt });
      const fingerprint = await readFingerprint(handle, FINGERPRINT_BYTES);
      return new TailedFile(path, handle, st.dev, st.ino, fingerprint, start, limits, stats, figures, now);
    } catch (error) {
      await handle.close();
      throw error;
    }
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
    };
  }

  /**
   * Truncation (copytruncate, `> file`) or content replaced in place: the size went below the offset, or
   * the first bytes changed. Reading restarts at 0 with a fresh framer.
   */
  async checkTruncation(): Promise<boolean> {
    const st = await this.handle.stat();
    let replaced = st.size < this.offset;
    if (!replaced && this.fingerprint.length > 0) {
      replaced =
        (await readFingerprint(this.handle, this.fingerprint.length)).value !== this.fingerprint.value;
    }
    if (replaced) {
      this.figures.truncations++;
      this.offset = 0;
      this.line = 0;
      this.committedOffset = 0;
      this.committedLine = 0;
      this.held = undefined;
      this.recent = [];
      this.skipping = false;
      this.framer = this.newFramer(0);
    }
    if (this.fingerprint.length < FINGERPRINT_BYTES && st.size > this.fingerprint.length) {
      this.fingerprint = await readFingerprint(this.handle, FINGERPRINT_BYTES);
    }
    this.figures.lag = Math.max(0, st.size - this.offset);
    return replaced;
  }

  /**
   * Reads the whole lines available now, at most one buffer's worth, and returns their records, or
   * undefined when there was nothing new. Call `commit` once the records' events are written.
   */
  async read(now: number): Promise<LogRecord[] | undefined> {
    const { bytesRead } = await this.handle.read(this.buffer, 0, this.buffer.length, this.offset);
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
    return records;
  }

  /**
   * Where a restart must begin to read a held record again whole: its first line, or the line before it
   * (an SDK's header, which gives the body its time) when that line produced no events of its own.
   */
  private heldFrom(firstLine: number): { offset: number; line: number } {
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
  commit(): void {
    if (this.held) {
      this.committedOffset = this.held.offset;
      this.committedLine = this.held.line;
    } else {
      this.committedOffset = this.offset;
      this.committedLine = this.line;
    }
  }

  /** For a file closed for good (rotated and idle): its last line without a newline, and held records. */
  async drain(): Promise<LogRecord[]> {
    const records: LogRecord[] = [];
    const { bytesRead } = await this.handle.read(this.buffer, 0, this.buffer.length, this.offset);
    if (bytesRead > 0 && !this.skipping)
      pushLine(this.framer, this.buffer.toString('latin1', 0, bytesRead), records);
    if (bytesRead > 0) this.advance(bytesRead, 1, this.lastData);
    records.push(...this.framer.end());
    this.held = undefined;
    return records;
  }

  close(): Promise<void> {
    return this.handle.close();
  }
}

async function readFingerprint(
  handle: fs.FileHandle,
  length: number,
): Promise<{ value: string; length: number }> {
  const buf = Buffer.alloc(length);
  const { bytesRead } = await handle.read(buf, 0, length, 0);
  return { value: fingerprintOf(buf.subarray(0, bytesRead)), length: bytesRead };
}
