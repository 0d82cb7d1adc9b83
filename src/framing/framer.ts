// Turns physical lines into log records: the cheap check, container unwrapping, partial joins, multi-line bodies.

import type { FramingLimits } from '../config.js';
import { mayHoldBody, mayHoldWrapped } from '../extract/index.js';
import { cheapStatus } from '../extract/status.js';
import type { LogRecord } from '../extract/types.js';
import { countRequest, type PipelineStats } from '../stats.js';
import { bytesToText } from './bytes.js';
import {
  type ContainerFormat,
  criComplete,
  criContentStart,
  dockerLineComplete,
  runtimeTimeIso,
  sniffFormat,
  unwrapCri,
  unwrapDocker,
} from './container.js';
import { type HeldRecord, insideOpenElement, SdkAssembly, type SdkState } from './sdk-assembly.js';

// A raw `<Error>` opener with no `</Error>` after it on the same line starts a multi-line body.
const RAW_OPENER = /<Error(?:\s[^<>]*)?>/;
// A line that starts like a log record of its own (a timestamp, an address, JSON) is not a body's text.
const NEW_RECORD = /^[\d{[]/;
// An escaped line (`\n`, `\x0A`, `\"` anywhere on it, as nginx writes a quoted field) holds its body whole: a missing
// close there means truncation, not more lines (a gateway that caps the body cuts it so).
const ESCAPED = /\\(?:n|x0A|x22|")/;

/**
 * A quiet line the scanner passed over, in its chunk's bytes: read into a string only if the framer comes to
 * need it (a declaration or an SDK's header before a body; rare), and before the chunk is read over (`settle`).
 */
export interface QuietLine {
  bytes: Buffer;
  start: number;
  end: number;
}

type Remembered = string | QuietLine | undefined;

function text(line: Remembered): string | undefined {
  return typeof line === 'object' ? line.bytes.toString('latin1', line.start, line.end) : line;
}

/** A framer's state as plain data (it crosses to and from worker threads). */
export interface FramerState {
  lines: number;
  format: ContainerFormat | undefined;
  previousLine: string | undefined;
  previousStart: number;
  beforeLine: string | undefined;
  beforeStart: number;
  remembered: number;
  reachedBack: boolean;
  partial: { text: string; start: number; time: string | undefined } | undefined;
  assembly: Assembly | undefined;
  sdk: SdkState | undefined;
  previousExtracted: boolean;
}

interface Assembly {
  lines: string[];
  chars: number;
  start: number;
  header: string | undefined;
  runtimeTime: string | undefined;
}

/**
 * One framer per source. `push` takes each physical line, as a byte string (see bytes.ts), and returns the records worth extracting:
 * usually none, because lines without a body marker leave on the first check.
 */
export class Framer {
  private lineNo = 0;
  private format: ContainerFormat | undefined;
  // The last two lines, kept as (line, content start) so the fast path never slices a container prefix off.
  private previousLine: Remembered;
  private previousStart = 0;
  private beforeLine: Remembered;
  private beforeStart = 0;
  private partial: { text: string; start: number; time: string | undefined } | undefined;
  private assembly: Assembly | undefined;
  /** Lines remembered by this framer (up to 2), and whether it ever asked for one it had not seen. */
  private remembered = 0;
  private reachedBack = false;
  private readonly sdk: SdkAssembly;
  // Whether the line in `previousLine` went to extraction: a multi-line SDK error must not take it twice.
  private previousExtracted = false;

  constructor(
    private readonly source: string,
    private readonly limits: FramingLimits,
    private readonly stats: PipelineStats,
    /** Lines already behind the first one pushed (follow mode resuming from a saved position). */
    firstLine = 0,
    /** The source's format when known already (a block in the middle of a file): not sniffed again. */
    format?: ContainerFormat,
  ) {
    this.lineNo = firstLine;
    this.format = format;
    this.sdk = new SdkAssembly(limits.maxBodyLines, limits.maxBodyChars);
  }

  /** The physical line number of the last line pushed. */
  get lines(): number {
    return this.lineNo;
  }

  /**
   * The line where a record still held here starts (a multi-line body or a partial container line), or
   * undefined. Follow mode never commits an offset past it, so a restart reads that record again whole.
   */
  get heldSince(): number | undefined {
    return this.assembly?.start ?? this.sdk.heldSince ?? this.partial?.start;
  }

  /**
   * Line numbers go on from `lines`: the file that took a rotated file's name counts its own lines from 0
   * after the lines of a record carried over from the old one, which keeps its number there.
   */
  continueAt(lines: number): void {
    this.lineNo = lines;
  }

  /** Accounts for input bytes as they arrive, before any line is cut from them. */
  countBytes(bytes: number): void {
    this.stats.bytes += bytes;
  }

  /** Accounts for a line that the splitter dropped for length before it reached `push`. */
  skipOverlong(): void {
    this.lineNo++;
    this.stats.lines++;
    this.stats.skipped['too-long']++;
  }

  /**
   * The format whose quiet lines (no body marker) the chunk scanner may count from their bytes without
   * calling `push`, or undefined while a record is held (or before the first line): then every line comes here.
   */
  get quietFormat(): ContainerFormat | undefined {
    return this.idle && this.partial === undefined ? this.format : undefined;
  }

  /**
   * Accounts for `count` quiet lines the scanner handled as `push` would have (their status classes are
   * counted already); `last` and `beforeLast` are the two newest of them that `push` would have remembered,
   * as (line, content start), newest last.
   */
  passQuiet(
    count: number,
    beforeLast: QuietLine | undefined,
    beforeLastStart: number,
    last: QuietLine | undefined,
    lastStart: number,
  ): void {
    this.lineNo += count;
    this.stats.lines += count;
    if (beforeLast !== undefined) this.remember(beforeLast, beforeLastStart);
    if (last !== undefined) this.remember(last, lastStart);
  }

  push(line: string): LogRecord[] | undefined {
    this.lineNo++;
    this.stats.lines++;
    if (line.length > this.limits.maxLineBytes) {
      this.stats.skipped['too-long']++;
      return undefined;
    }
    this.format ??= sniffFormat(line);
    if (this.format === 'plain') {
      countRequest(this.stats, cheapStatus(line));
      const idle = this.idle;
      if (idle && !mayHoldBody(line)) {
        this.remember(line);
        return undefined;
      }
      return this.logical(line, this.lineNo, undefined, idle);
    }
    return this.container(line);
  }

  /** Reads the quiet lines it remembers into strings: the scanner's chunk is about to be read over. */
  settle(): void {
    this.previousLine = text(this.previousLine);
    this.beforeLine = text(this.beforeLine);
  }

  /**
   * Where this framer stands, for a framer that reads on from here (a block of a file framed in a worker,
   * handed to the reader of the blocks in order). `reachedBack` says its records may depend on lines before
   * its first: then they are not those one reader gives, and the block must be framed again in order.
   */
  snapshot(): FramerState {
    return {
      lines: this.lineNo,
      format: this.format,
      previousLine: text(this.previousLine),
      previousStart: this.previousStart,
      beforeLine: text(this.beforeLine),
      beforeStart: this.beforeStart,
      remembered: this.remembered,
      reachedBack: this.reachedBack,
      partial: this.partial,
      assembly: this.assembly,
      sdk: this.sdk.snapshot(),
      previousExtracted: this.previousExtracted,
    };
  }

  /** Continues as if this framer had pushed the lines a fresh framer (starting at line 0) left `state` from. */
  adopt(state: FramerState): void {
    const base = this.lineNo;
    this.lineNo += state.lines;
    this.format = state.format ?? this.format;
    if (state.remembered >= 2) {
      this.beforeLine = state.beforeLine;
      this.beforeStart = state.beforeStart;
    } else if (state.remembered === 1) {
      this.beforeLine = this.previousLine;
      this.beforeStart = this.previousStart;
    }
    if (state.remembered >= 1) {
      this.previousLine = state.previousLine;
      this.previousStart = state.previousStart;
    }
    this.remembered = Math.min(2, this.remembered + state.remembered);
    this.partial = state.partial && { ...state.partial, start: state.partial.start + base };
    this.assembly = state.assembly && { ...state.assembly, start: state.assembly.start + base };
    this.sdk.adopt(state.sdk, base);
    if (state.remembered >= 1) this.previousExtracted = state.previousExtracted;
  }

  /** Records still held at the end of the input: an unfinished partial line or multi-line body. */
  end(): LogRecord[] {
    const out: LogRecord[] = [];
    if (this.partial) {
      const { text, start, time } = this.partial;
      this.partial = undefined;
      out.push(...this.logical(text, start, time));
    }
    if (this.assembly) out.push(this.finishAssembly());
    const held = this.sdk.end();
    if (held) out.push(this.heldRecord(held));
    return out;
  }

  /** No multi-line record under way: a quiet line may leave on the cheap check. */
  private get idle(): boolean {
    return this.assembly === undefined && !this.sdk.holding;
  }

  private heldRecord(held: HeldRecord): LogRecord {
    this.stats.candidates++;
    return this.record(held.text, held.start, held.runtimeTime, held.header);
  }

  private container(line: string): LogRecord[] | undefined {
    if (this.partial === undefined && this.idle) {
      // Fast path: a complete record without a body marker is counted and dropped without unwrapping it.
      if (this.format === 'cri') {
        const start = criContentStart(line);
        if (start > 0 && criComplete(line, start)) {
          countRequest(this.stats, cheapStatus(line, start));
          if (!mayHoldBody(line, start)) {
            this.remember(line, start);
            return undefined;
          }
        }
      } else if (!mayHoldWrapped(line) && dockerLineComplete(line)) {
        return undefined;
      }
    }
    const record = this.format === 'cri' ? unwrapCri(line) : unwrapDocker(line);
    if (record === undefined) {
      // A line the container format does not explain (blank, foreign) still takes the cheap check.
      if (this.idle && !mayHoldBody(line)) {
        this.remember(line);
        return undefined;
      }
      return this.logical(line, this.lineNo, undefined);
    }
    if (record.partial || this.partial) {
      const start = this.partial?.start ?? this.lineNo;
      const text = (this.partial?.text ?? '') + record.text;
      if (text.length > this.limits.maxLineBytes) {
        this.partial = undefined;
        this.stats.skipped['partial-too-long']++;
        return undefined;
      }
      // A joined line is as old as its first part.
      const time = this.partial?.time ?? record.time;
      if (record.partial) {
        this.partial = { text, start, time };
        return undefined;
      }
      this.partial = undefined;
      if (this.format === 'cri') countRequest(this.stats, cheapStatus(text));
      return this.logical(text, start, time);
    }
    if (this.idle && !mayHoldBody(record.text)) {
      this.remember(record.text);
      return undefined;
    }
    return this.logical(record.text, this.lineNo, record.time);
  }

  /**
   * A whole logical line: part of a multi-line body, the start of one, or a record of its own. `marked` says
   * the cheap check passed it already.
   */
  private logical(
    text: string,
    lineNo: number,
    runtimeTime: string | undefined,
    marked = false,
  ): LogRecord[] {
    const out: LogRecord[] = [];
    if (this.assembly === undefined) {
      const sdk = this.sdk.offer(text, lineNo, runtimeTime, this.lineBefore, this.previousExtracted);
      for (const held of sdk.done) out.push(this.heldRecord(held));
      if (sdk.taken) {
        this.remember(text);
        this.previousExtracted = true;
        return out;
      }
      // A quiet line that came here only because an SDK error was held: nothing in it to extract.
      if (!marked && !mayHoldBody(text)) {
        this.remember(text);
        return out;
      }
    }
    if (this.assembly) {
      const a = this.assembly;
      const trimmed = text.trimStart();
      const last = a.lines[a.lines.length - 1] ?? '';
      const continues =
        !RAW_OPENER.test(text) &&
        (trimmed.startsWith('<') ||
          insideOpenElement(last) ||
          (!NEW_RECORD.test(trimmed) && !last.trimEnd().endsWith('>')));
      if (continues) {
        a.lines.push(text);
        a.chars += text.length + 1;
        if (text.includes('</Error')) {
          out.push(this.finishAssembly());
          this.remember(text);
          return out;
        }
        if (a.lines.length >= this.limits.maxBodyLines || a.chars >= this.limits.maxBodyChars) {
          this.stats.skipped['body-too-many-lines']++;
          out.push(this.finishAssembly());
        }
        this.remember(text);
        return out;
      }
      // Not part of the body: what was gathered is a truncated body; this line stands on its own.
      out.push(this.finishAssembly());
    }
    const opener = RAW_OPENER.exec(text);
    if (opener && !text.includes('</Error', opener.index) && !ESCAPED.test(text)) {
      this.assembly = this.startAssembly(text, lineNo, runtimeTime);
    } else {
      this.stats.candidates++;
      // Only a bare body line (an SDK printing the body under its header line) borrows the line before;
      // any other line carries its own context, and an unrelated previous line must not lend it status or time.
      const header = text.trimStart().startsWith('<') ? this.previous : undefined;
      out.push(this.record(text, lineNo, runtimeTime, header));
    }
    this.remember(text);
    this.previousExtracted = true;
    return out;
  }

  /** The line before, for an SDK's error: Docker's fast path keeps none, so there it is not known. */
  private readonly lineBefore = (): string | undefined =>
    this.format === 'docker' ? undefined : this.previous;

  /** The last two lines, for a multi-line body's declaration and header. */
  private remember(line: string | QuietLine, start = 0): void {
    if (this.remembered < 2) this.remembered++;
    this.beforeLine = this.previousLine;
    this.beforeStart = this.previousStart;
    this.previousLine = line;
    this.previousStart = start;
    this.previousExtracted = false;
  }

  private get previous(): string | undefined {
    if (this.remembered < 1) this.reachedBack = true;
    this.previousLine = text(this.previousLine);
    return this.previousLine?.slice(this.previousStart);
  }

  private get beforePrevious(): string | undefined {
    if (this.remembered < 2) this.reachedBack = true;
    this.beforeLine = text(this.beforeLine);
    return this.beforeLine?.slice(this.beforeStart);
  }

  /** A body whose `<?xml …?>` declaration sits on the line before starts there; the header is the line before that. */
  private startAssembly(text: string, lineNo: number, runtimeTime: string | undefined): Assembly {
    // A previous line that passed the cheap check was extracted already (it held its own body): not a declaration.
    const previous = this.previous;
    const declaration =
      previous?.trimStart().startsWith('<?xml') && !mayHoldBody(previous) ? previous : undefined;
    if (declaration === undefined) {
      return { lines: [text], chars: text.length, start: lineNo, header: headerOf(previous), runtimeTime };
    }
    return {
      lines: [declaration, text],
      chars: declaration.length + text.length + 1,
      start: lineNo - 1,
      header: headerOf(this.beforePrevious),
      runtimeTime,
    };
  }

  private finishAssembly(): LogRecord {
    const a = this.assembly as Assembly;
    this.assembly = undefined;
    this.stats.candidates++;
    return this.record(a.lines.join('\n'), a.start, a.runtimeTime, a.header);
  }

  /** The one place where byte strings become text: only for records that go to extraction. */
  private record(
    bytes: string,
    line: number,
    runtimeTime: string | undefined,
    header: string | undefined,
  ): LogRecord {
    return {
      text: bytesToText(bytes),
      source: this.source,
      line,
      runtimeTime: runtimeTimeIso(runtimeTime),
      header: header === undefined ? undefined : bytesToText(header),
    };
  }
}

/** A line that closed a body of its own was a record, not the header of the next body (its DOCTYPE is not ours). */
function headerOf(line: string | undefined): string | undefined {
  return line?.includes('/Error') ? undefined : line;
}
