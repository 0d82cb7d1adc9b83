// The chunk scanner at the framer's front: finds body markers in whole Buffers; quiet lines never become strings.

import type { LogRecord } from '../extract/types.js';
import { countRequest, type PipelineStats } from '../stats.js';
import type { ContainerFormat } from './container.js';
import type { Framer } from './framer.js';
import { QuietLines, SCAN_BYTES } from './quiet-lines.js';

const NEWLINE = 10;
const CR = 13;
const SPACE = 32;
const QUOTE = 34;
const BRACE = 123;
const F = 70;
const P = 80;
const TAB = 9;
const T = 84;
const BACKSLASH = 92;
const OPEN_BRACE = 123;
const LOWER_E = 101;
const LOWER_O = 111;
const LOWER_N = 110;
const RROR = Buffer.from('rror');
const XCEPTI = Buffer.from('xcepti');
// The lines extract/index.ts's `mayHoldBody` lets through without a marker: the first lines of aws-sdk-go v1's
// status line and of a Python traceback, and (by their last byte) util.inspect's `{` after a stack.
const STATUS_CODE = Buffer.from('status code: ');
const TRACEBACK = Buffer.from('Traceback (');
const DOCKER_STATUS_CODE = Buffer.from('\\tstatus code: ');
const DOCKER_STREAM = Buffer.from('","stream"');
// `mayHoldWrapped`'s constants: Docker's content starts after `{"log":"`; its stream and time fit in 96 bytes.
const DOCKER_CONTENT = 8;
const DOCKER_TAIL = 96;

/** Where a restart may resume: a byte offset at a line start, and how many lines lie before it. */
export interface ScanPosition {
  offset: number;
  line: number;
}

/**
 * The next place of one needle in one buffer, remembered between calls. Lines ask in increasing order, so a
 * needle absent from many lines is searched for once, not once per line (no search runs past its line's end
 * twice). Not found is the buffer's length.
 */
class Next {
  private buffer: Buffer | undefined;
  private from = 0;
  private at = 0;

  constructor(private readonly needle: Buffer | number) {}

  find(buffer: Buffer, from: number): number {
    if (buffer !== this.buffer || from < this.from || this.at < from) {
      this.buffer = buffer;
      this.from = from;
      const at = buffer.indexOf(this.needle, from);
      this.at = at < 0 ? buffer.length : at;
    }
    return this.at;
  }

  forget(): void {
    this.buffer = undefined;
  }
}

// The JSON status fields extract/status.ts reads, in its order.
const JSON_STATUS_KEYS = ['"status":', '"http_status":', '"DownstreamStatus":'].map((k) => Buffer.from(k));

/**
 * Cuts byte chunks into lines and feeds the framer. A line with no `Error` in it, while the framer holds
 * nothing, is a quiet line: its status class is read from its bytes, and only the two newest of a run of them
 * become strings (the framer's previous lines, a header or a declaration for a body that may follow). Every
 * other line goes to `Framer.push` as a byte string, exactly as a line splitter would hand it over, so the
 * records, counters and line numbers are those of pushing every line.
 */
export class ChunkScanner {
  // The body and SDK markers of `mayHoldBody` (`Error`, `error`, `xception`), searched for as `rror` and `xcepti`
  // and checked around each find: a native search for a needle of 7 bytes or more, or one starting with a
  // common letter (`e`), costs several times more per byte (3 needles took 0.8 s per GB, these 2 take 0.2).
  private readonly rror = new Next(RROR);
  private readonly xcepti = new Next(XCEPTI);
  private readonly keys = JSON_STATUS_KEYS.map((k) => new Next(k));
  private readonly dockerEnd = new Next(Buffer.from('\\n","'));
  private readonly finders = [this.rror, this.xcepti, ...this.keys, this.dockerEnd];
  private readonly quietLines = new QuietLines();

  /** The start of a line not ended yet (its bytes), or an over-long one being skipped to its newline. */
  private pending = Buffer.alloc(0);
  private pendingLength = 0;
  private overflow = false;
  /** Absolute offset of the next byte to arrive, and of the end of the last whole line. */
  private offset: number;
  private lineEnd: number;
  /** Absolute start of the last whole line seen, for a body whose declaration sits on the line before. */
  private lastLineStart: number;
  /** And of the line before it: an SDK's header before a body's declaration. */
  private olderLineStart: number;
  /** Absolute start of the last line whose push gave records: a restart must not read it again. */
  private emittedAt = -1;

  // Quiet lines not yet told to the framer, and the two newest to remember: (buffer, start, end, content start).
  private quiet = 0;
  private remembered = 0;
  private newBuf: Buffer | undefined;
  private newStart = 0;
  private newEnd = 0;
  private newContent = 0;
  private oldBuf: Buffer | undefined;
  private oldStart = 0;
  private oldEnd = 0;
  private oldContent = 0;

  private fast: ContainerFormat | undefined;
  /** The record the framer holds: its first line, where that line starts, and where the line before it starts. */
  private held: { line: number; start: number; resume: ScanPosition; before: number | undefined } | undefined;

  constructor(
    private readonly framer: Framer,
    private readonly stats: PipelineStats,
    private readonly maxLineBytes: number,
    /** Where the first chunk starts in its source (a byte range of a file, a resumed followed file). */
    startOffset = 0,
  ) {
    this.offset = startOffset;
    this.lineEnd = startOffset;
    this.lastLineStart = startOffset;
    this.olderLineStart = startOffset;
    this.fast = framer.quietFormat;
  }

  /**
   * Where a restart may resume: after the last whole line, but never past the first line of a record the
   * framer still holds (a multi-line body, a partial container line), so that record is read again whole,
   * with the SDK header line before it when that line gave no records of its own.
   */
  get position(): ScanPosition {
    if (this.held !== undefined) return this.held.resume;
    // An over-long line is counted when it is found, before its newline arrives.
    return this.wholeLines;
  }

  /** After the last whole line, whatever the framer holds: where a fresh framer would go on reading. */
  get wholeLines(): ScanPosition {
    this.flush();
    return { offset: this.lineEnd, line: this.framer.lines - (this.overflow ? 1 : 0) };
  }

  /** Frames one chunk; the records it completes are appended to `out`. */
  push(chunk: Buffer, out: LogRecord[]): void {
    if (chunk.length > SCAN_BYTES) {
      // The WebAssembly loop takes at most SCAN_BYTES: a longer chunk is framed in pieces, as if read so.
      for (let at = 0; at < chunk.length; at += SCAN_BYTES)
        this.push(chunk.subarray(at, at + SCAN_BYTES), out);
      return;
    }
    this.framer.countBytes(chunk.length);
    const chunkStart = this.offset;
    this.offset += chunk.length;
    let from = 0;
    if (this.pendingLength > 0 || this.overflow) {
      const nl = chunk.indexOf(NEWLINE);
      if (nl < 0) {
        this.hold(chunk, 0);
        return;
      }
      if (this.overflow) {
        this.overflow = false;
        this.olderLineStart = this.lastLineStart;
        this.lastLineStart = this.lineEnd;
        this.lineEnd = chunkStart + nl + 1;
      } else {
        // The line that spans chunks is framed on its own, from a buffer of its whole bytes.
        const line = Buffer.allocUnsafe(this.pendingLength + nl + 1);
        this.pending.copy(line, 0, 0, this.pendingLength);
        chunk.copy(line, this.pendingLength, 0, nl + 1);
        const lineStart = chunkStart - this.pendingLength;
        this.pendingLength = 0;
        this.scan(line, 0, lineStart, out, false);
      }
      from = nl + 1;
    }
    const rest = this.scan(chunk, from, chunkStart, out);
    if (rest < chunk.length) this.hold(chunk, rest);
    // Nothing kept may point into the chunk: the reader may reuse it.
    this.flush();
    this.framer.settle();
  }

  /** The end of the input: a last line without a newline, then whatever the framer still holds. */
  end(out: LogRecord[]): void {
    this.finish(out);
    for (const record of this.framer.end()) out.push(record);
    this.held = undefined;
  }

  /** The end of a byte range: its last line, even without a newline; the framer keeps what it holds. */
  finish(out: LogRecord[]): void {
    if (this.pendingLength > 0) {
      const line = Buffer.allocUnsafe(this.pendingLength + 1);
      this.pending.copy(line, 0, 0, this.pendingLength);
      line[this.pendingLength] = NEWLINE;
      const lineStart = this.offset - this.pendingLength;
      this.pendingLength = 0;
      this.scan(line, 0, lineStart, out, false);
      this.lineEnd = this.offset;
    }
    this.overflow = false;
    this.flush();
  }

  /**
   * Frames the whole lines of `buf` from `from`; returns where the unfinished last line starts. One line
   * (a line that spanned chunks, up to `--max-line-length`) is not copied into the WebAssembly memory:
   * `wholeChunk` false keeps it on the JS path, and that memory no larger than a chunk.
   */
  private scan(buf: Buffer, from: number, base: number, out: LogRecord[], wholeChunk = true): number {
    for (const finder of this.finders) finder.forget();
    const max = this.maxLineBytes;
    let pos = from;
    let previous = this.lastLineStart - base;
    let older = this.olderLineStart - base;
    // Where the next marker starts, once looked for: the WebAssembly loop looks instead on a whole chunk.
    let hit = -1;
    let loaded = false;
    for (;;) {
      // Runs of quiet lines are counted 16 bytes at a step; the line it stops at comes here.
      let marked: boolean | undefined;
      const format = this.fast;
      if (wholeChunk && format !== undefined) {
        if (!loaded) {
          this.quietLines.load(buf, from);
          loaded = true;
        }
        const run = this.quietLines;
        const stop = run.run(pos, max, format);
        if (stop > pos) {
          if (format === 'docker') {
            // The framer neither counts nor remembers a complete Docker record without a marker.
            this.quiet += run.lines;
          } else {
            // The framer remembers a CRI line with where its content starts.
            const content = (start: number, end: number) =>
              format === 'cri' ? criContentStart(buf, start, end) - start : 0;
            if (run.lines >= 2)
              this.note(buf, run.olderStart, run.olderEnd, content(run.olderStart, run.olderEnd));
            this.note(buf, run.lastStart, run.lastEnd, content(run.lastStart, run.lastEnd));
            this.quiet += run.lines - Math.min(run.lines, 2);
          }
          older = run.lines >= 2 ? run.olderStart : previous;
          previous = run.lastStart;
          pos = stop;
        }
        marked = run.stoppedAtMarker;
      }
      const nl = buf.indexOf(NEWLINE, pos);
      if (nl < 0) break;
      let end = nl;
      if (end > pos && buf[end - 1] === CR) end--;
      if (marked === undefined) {
        if (hit < pos) hit = this.nextMarker(buf, pos);
        marked = hit < nl;
      }
      if (end - pos > max) this.framer.skipOverlong();
      else if (marked || !this.quietLine(buf, pos, end)) this.slow(buf, pos, end, base, previous, older, out);
      older = previous;
      previous = pos;
      pos = nl + 1;
    }
    if (loaded) this.quietLines.drain(this.stats.requestsByClass);
    if (pos > from) {
      this.olderLineStart = base + older;
      this.lastLineStart = base + previous;
      this.lineEnd = base + pos;
    }
    return pos;
  }

  /** Where the next marker (`Error`, `error`, `xception`) is at or after `from`, or the buffer's length. */
  private nextMarker(buf: Buffer, from: number): number {
    let rror = this.rror.find(buf, from);
    // `rror` after anything but `E` or `e` is no marker; the line's first byte has nothing before it.
    while (rror < buf.length && (rror === from || ((buf[rror - 1] as number) | 32) !== LOWER_E)) {
      rror = this.rror.find(buf, rror + 1);
    }
    let xcepti = this.xcepti.find(buf, from);
    while (xcepti < buf.length && !(buf[xcepti + 6] === LOWER_O && buf[xcepti + 7] === LOWER_N)) {
      xcepti = this.xcepti.find(buf, xcepti + 1);
    }
    return rror < xcepti ? rror - 1 : xcepti;
  }

  /** Handles a line with no body marker in place, as `Framer.push` would; false when it must go there. */
  private quietLine(buf: Buffer, start: number, end: number): boolean {
    switch (this.fast) {
      case 'plain':
        if (opensSdkError(buf, start, end, start)) return false;
        countRequest(this.stats, this.status(buf, end, start));
        this.note(buf, start, end, 0);
        return true;
      case 'cri': {
        const content = criContentStart(buf, start, end);
        if (content < 0 || buf[content - 2] !== F || opensSdkError(buf, start, end, content)) return false;
        countRequest(this.stats, this.status(buf, end, content));
        this.note(buf, start, end, content - start);
        return true;
      }
      case 'docker':
        // The framer neither counts nor remembers a complete Docker record without a marker.
        if (this.dockerEnd.find(buf, start) >= end || opensWrappedSdkError(buf, start, end)) return false;
        this.quiet++;
        return true;
      default:
        return false;
    }
  }

  private note(buf: Buffer, start: number, end: number, content: number): void {
    this.quiet++;
    this.remembered++;
    this.oldBuf = this.newBuf;
    this.oldStart = this.newStart;
    this.oldEnd = this.newEnd;
    this.oldContent = this.newContent;
    this.newBuf = buf;
    this.newStart = start;
    this.newEnd = end;
    this.newContent = content;
  }

  /** Tells the framer of the quiet lines since the last call, before it sees any other line. */
  private flush(): void {
    if (this.quiet === 0) return;
    const older =
      this.remembered >= 2 && this.oldBuf !== undefined
        ? { bytes: this.oldBuf, start: this.oldStart, end: this.oldEnd }
        : undefined;
    const newer =
      this.remembered >= 1 && this.newBuf !== undefined
        ? { bytes: this.newBuf, start: this.newStart, end: this.newEnd }
        : undefined;
    this.framer.passQuiet(this.quiet, older, this.oldContent, newer, this.newContent);
    this.quiet = 0;
    this.remembered = 0;
    this.oldBuf = undefined;
    this.newBuf = undefined;
  }

  private slow(
    buf: Buffer,
    start: number,
    end: number,
    base: number,
    previous: number,
    older: number,
    out: LogRecord[],
  ): void {
    this.flush();
    const records = this.framer.push(buf.toString('latin1', start, end));
    if (records !== undefined && records.length > 0) {
      for (const record of records) out.push(record);
      this.emittedAt = base + start;
    }
    this.fast = this.framer.quietFormat;
    const since = this.framer.heldSince;
    if (since === undefined) {
      this.held = undefined;
    } else if (this.held?.line !== since) {
      const line = this.framer.lines;
      const here = base + start;
      const before = base + previous;
      // A body starts on this line, or on the line before (its `<?xml …?>` declaration); a joined partial
      // line's body may start on the line before the partial's first part.
      const at = since === line ? here : since === line - 1 ? before : (this.held?.before ?? before);
      // The line before the body (an SDK's header, which gives it its time) is read again with it, unless
      // that line gave records of its own.
      const header = since === line ? before : since === line - 1 ? base + older : undefined;
      const back = header !== undefined && header < at && header !== this.emittedAt;
      this.held = {
        line: since,
        start: at,
        resume: back ? { offset: header as number, line: since - 2 } : { offset: at, line: since - 1 },
        before: since === line ? before : undefined,
      };
    }
  }

  /** Keeps the unfinished end of a chunk; a line already longer than the bound is counted and skipped. */
  private hold(chunk: Buffer, from: number): void {
    if (this.overflow) return;
    const length = this.pendingLength + chunk.length - from;
    // One byte of slack: a CR before the newline is not part of the line.
    if (length > this.maxLineBytes + 1) {
      this.flush();
      this.framer.skipOverlong();
      this.pendingLength = 0;
      this.overflow = true;
      return;
    }
    if (length > this.pending.length) {
      const grown = Buffer.allocUnsafe(
        Math.min(Math.max(length, this.pending.length * 2, 256), this.maxLineBytes + 1),
      );
      this.pending.copy(grown, 0, 0, this.pendingLength);
      this.pending = grown;
    }
    chunk.copy(this.pending, this.pendingLength, from);
    this.pendingLength = length;
  }

  /**
   * The HTTP status of a line from its bytes, exactly as extract/status.ts reads it from the line's string
   * (reading past the line's end gives NaN there, and so here).
   */
  private status(buf: Buffer, end: number, start: number): number {
    if (byteAt(buf, end, start) === BRACE) {
      for (let k = 0; k < this.keys.length; k++) {
        const found = (this.keys[k] as Next).find(buf, start);
        if (found >= end) continue;
        let p = found + (JSON_STATUS_KEYS[k] as Buffer).length;
        if (byteAt(buf, end, p) === SPACE) p++;
        if (byteAt(buf, end, p) === QUOTE) p++;
        return digitsAt(buf, end, p);
      }
      return 0;
    }
    const close = combinedStatusAt(buf, start, end);
    return close < 0 ? 0 : digitsAt(buf, end, close);
  }
}

/**
 * Where a combined-format line's status starts (`"GET / HTTP/1.1" 404 …`): after the first `" ` that follows
 * the first quote, with a space 3 bytes on; -1 when there is none (extract/status.ts reads it so).
 */
function combinedStatusAt(buf: Buffer, start: number, end: number): number {
  // A byte loop, not `indexOf`: the quotes sit near the line's start, closer than a native call costs.
  let open = start;
  while (open < end && buf[open] !== QUOTE) open++;
  if (open >= end) return -1;
  // The first `" ` after the opening quote (one at the line's last byte would pair with its CR or newline).
  // Every other byte is read: each pair has one byte there, and the first pair is seen first.
  const last = end - 1;
  for (let j = open + 2; j <= last; j += 2) {
    const c = buf[j];
    if (c === QUOTE) {
      if (j < last && buf[j + 1] === SPACE) return j + 5 < end && buf[j + 5] === SPACE ? j + 2 : -1;
    } else if (c === SPACE && buf[j - 1] === QUOTE) {
      return j + 4 < end && buf[j + 4] === SPACE ? j + 1 : -1;
    }
  }
  return -1;
}

/** `mayHoldBody`'s looks without a marker, on bytes: the line's last byte, and its content's first ones. */
function opensSdkError(buf: Buffer, start: number, end: number, content: number): boolean {
  if (end > start && buf[end - 1] === OPEN_BRACE) return true;
  const c = content < end ? buf[content] : undefined;
  if (c === TAB) return startsWith(buf, end, content + 1, STATUS_CODE);
  if (c === T) return startsWith(buf, end, content, TRACEBACK);
  return false;
}

/** `mayHoldWrapped` on the bytes of a Docker json-file line (its content JSON-escaped). */
function opensWrappedSdkError(buf: Buffer, start: number, end: number): boolean {
  if (opensSdkError(buf, start, end, start + DOCKER_CONTENT)) return true;
  if (startsWith(buf, end, start + DOCKER_CONTENT, DOCKER_STATUS_CODE)) return true;
  // The content ends with `{\n`: `","stream"` looked for in the line's last bytes only.
  const from = start + Math.max(0, end - start - DOCKER_TAIL);
  const found = buf.indexOf(DOCKER_STREAM, from);
  return (
    found >= 0 &&
    found + DOCKER_STREAM.length <= end &&
    found - start > 2 &&
    buf[found - 3] === OPEN_BRACE &&
    buf[found - 2] === BACKSLASH
  );
}

function startsWith(buf: Buffer, end: number, at: number, prefix: Buffer): boolean {
  if (at + prefix.length > end) return false;
  for (let i = 0; i < prefix.length; i++) if (buf[at + i] !== prefix[i]) return false;
  return true;
}

/** A byte of the line, or NaN past its end, as `charCodeAt` gives past a string's end. */
function byteAt(buf: Buffer, end: number, i: number): number {
  return i < end ? (buf[i] as number) : Number.NaN;
}

function digitsAt(buf: Buffer, end: number, p: number): number {
  const a = byteAt(buf, end, p) - 48;
  const b = byteAt(buf, end, p + 1) - 48;
  const c = byteAt(buf, end, p + 2) - 48;
  // A digit past the line's end is NaN, which fails: a status cut short is not read (as extract/status.ts).
  if (!(a >= 1 && a <= 5 && b >= 0 && b <= 9 && c >= 0 && c <= 9)) return 0;
  return a * 100 + b * 10 + c;
}

/** container.ts's `criContentStart` on bytes: where a CRI line's content starts, or -1. */
function criContentStart(buf: Buffer, start: number, end: number): number {
  let sp1 = start;
  while (sp1 < end && buf[sp1] !== SPACE) sp1++;
  let sp2 = sp1 + 1;
  while (sp2 < end && buf[sp2] !== SPACE) sp2++;
  if (sp2 >= end) return -1;
  const tag = sp2 + 1 < end ? buf[sp2 + 1] : undefined;
  if ((tag !== F && tag !== P) || (end > sp2 + 2 && buf[sp2 + 2] !== SPACE)) return -1;
  return sp2 + 3;
}
