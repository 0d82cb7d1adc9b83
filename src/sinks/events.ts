// Writes one JSON event per line (pino's bytes), batching writes and waiting for the output to drain.

import { createRequire } from 'node:module';
import type { Writable as WritableOutput } from 'node:stream';
import type pinoFactory from 'pino';
import type { EventFormat } from '../config.js';
import { OutputClosedError } from '../errors.js';
import type { OssErrorEvent } from '../extract/types.js';
import type { PipelineStats } from '../stats.js';
import { eventMapper } from './event-formats.js';
import { MovedBytes } from './moved-bytes.js';

// pino is loaded only when a line needs it (rare, below): a worker thread writing event lines then never loads
// it, which took ~25 ms of that thread's start.
const load = createRequire(import.meta.url);

/**
 * One JSON line per event, byte for byte as pino's serializer writes it, at a fraction of its cost:
 * `JSON.stringify`, whose flat string the write converts at once. (A serializer writing the native layout from
 * fixed text formatted a line ~10% faster, but its string of pieces cost as much more to convert on write: the
 * same run time.) `JSON.stringify` and pino agree on every value but one: a lone UTF-16 surrogate in a short
 * top-level string, which pino writes raw and `JSON.stringify` escapes (`\ud800`). A line with `\ud` in it
 * may hold one and is written by pino itself (rare: a body with a broken `\uXXXX` escape).
 */
export function eventFormatter(eventFormat: EventFormat = 'native'): {
  format: (events: readonly OssErrorEvent[]) => string;
  line: (event: OssErrorEvent) => string;
} {
  let viaPino: ((events: readonly object[]) => string) | undefined;
  // ECS and OpenTelemetry are the same event under other field names; native is written as it is.
  const map = eventMapper(eventFormat);
  const line = (event: OssErrorEvent): string => {
    const shaped = map ? map(event) : event;
    const json = JSON.stringify(shaped);
    if (!json.includes('\\ud')) return `${json}\n`;
    viaPino ??= pinoFormatter();
    return viaPino([shaped]);
  };
  return {
    line,
    format(events) {
      let text = '';
      for (const event of events) text += line(event);
      return text;
    },
  };
}

/**
 * The key of the line number in each format's line. It is the last of its name there: the fields after it
 * (request, truncated, shape, sdk) have other names, and a `details` key of that name comes before it.
 */
const LINE_KEY: Record<EventFormat, string> = { native: '"line":', ecs: '"line":', otel: '"oss.line":' };

/**
 * Events' lines written by a reader of one block of a file, which does not know how many lines of the file
 * come before it: UTF-8 bytes (moved between threads, never copied; no string to collect) and `marks`,
 * per event, where its number stands in `bytes`, how many digits it has there, and the number within the
 * block. `spliceLineNumbers` writes them counted from the file's start.
 */
export interface UnnumberedLines {
  bytes: Uint8Array;
  marks: Int32Array;
}

export class UnnumberedWriter {
  private readonly line: (event: OssErrorEvent) => string;
  private readonly key: string;
  private readonly out: MovedBytes;
  private marks: number[] = [];

  /** `room`: an ArrayBuffer to write into first (one the reading thread sent back, done with). */
  constructor(
    private readonly eventFormat: EventFormat = 'native',
    room?: ArrayBuffer,
  ) {
    this.line = eventFormatter(eventFormat).line;
    this.key = LINE_KEY[eventFormat];
    this.out = new MovedBytes(room);
  }

  add(events: readonly OssErrorEvent[]): void {
    const { key, out } = this;
    for (const event of events) {
      const json = this.line(event);
      const digits = String(event.line);
      const at = json.lastIndexOf(key) + key.length;
      const after = json.charCodeAt(at + digits.length);
      if (at < key.length || !json.startsWith(digits, at) || (after !== 44 && after !== 125))
        throw new Error(`internal: no line number in a ${this.eventFormat} event line`);
      const start = out.length;
      const written = out.write(json);
      // An ASCII line (nearly all) has its number where the string has it.
      const byteAt = written === json.length ? at : Buffer.byteLength(json.slice(0, at));
      this.marks.push(start + byteAt, digits.length, event.line);
    }
  }

  finish(): UnnumberedLines {
    return { bytes: this.out.finish(), marks: Int32Array.from(this.marks) };
  }
}

/** The longest line number written: 2^53 has 16 digits. */
const MAX_DIGITS = 16;

/**
 * The lines of an `UnnumberedWriter` with each number written as `base` plus its number within the block. The
 * runs between numbers are set from a view and the digits written byte by byte: with `Buffer.copy` and a
 * `latin1` write of the number's string per line, a line took 266 ns against 207 (the bench corpus's bodies).
 */
export function spliceLineNumbers(lines: UnnumberedLines, base: number): Buffer {
  const { bytes, marks } = lines;
  const out = Buffer.allocUnsafe(bytes.length + (marks.length / 3) * MAX_DIGITS);
  let length = 0;
  let from = 0;
  for (let i = 0; i < marks.length; i += 3) {
    const at = marks[i] as number;
    out.set(bytes.subarray(from, at), length);
    length += at - from;
    length = writeDigits(out, length, base + (marks[i + 2] as number));
    from = at + (marks[i + 1] as number);
  }
  out.set(bytes.subarray(from), length);
  return out.subarray(0, length + bytes.length - from);
}

/** Writes `n` (a whole number below 2^53) in decimal at `at`; returns where its digits end. */
function writeDigits(out: Uint8Array, at: number, n: number): number {
  let end = at + 1;
  for (let p = 10; p <= n; p *= 10) end++;
  for (let d = end - 1, rest = n; d >= at; d--, rest = Math.floor(rest / 10)) out[d] = 48 + (rest % 10);
  return end;
}

/** A pino logger that only serialises: no level, time, pid or hostname; lines are collected, not written. */
export function pinoFormatter(): (events: readonly object[]) => string {
  let collected = '';
  const pino = load('pino') as typeof pinoFactory;
  const logger = pino(
    { base: null, timestamp: false, formatters: { level: () => ({}) } },
    {
      // pino prefixes every field with a comma after its level prefix; with no level that leaves `{,`.
      write(line: string) {
        collected += line.charCodeAt(1) === 44 ? `{${line.slice(2)}` : line;
      },
    },
  );
  return (events) => {
    collected = '';
    for (const event of events) logger.info(event);
    return collected;
  };
}

function writeBatch(
  output: WritableOutput,
  text: string | Uint8Array,
  count: number,
  stats: PipelineStats,
  callback: (error?: Error | null) => void,
): void {
  if (output.destroyed || output.writableEnded) {
    stats.eventsDropped += count;
    callback(new OutputClosedError());
    return;
  }
  const onError = (error: NodeJS.ErrnoException) => {
    output.off('drain', onDrain);
    stats.eventsDropped += count;
    callback(error.code === 'EPIPE' ? new OutputClosedError({ cause: error }) : error);
  };
  const onDrain = () => {
    output.off('error', onError);
    stats.eventsWritten += count;
    callback();
  };
  if (output.write(text)) {
    stats.eventsWritten += count;
    callback();
    return;
  }
  output.once('drain', onDrain);
  output.once('error', onError);
}

/** Writes lines already formatted (by a reader of a block) and resolves once the output took them. */
export function linesPrinter(
  output: WritableOutput,
  stats: PipelineStats,
): (lines: Uint8Array, count: number) => Promise<void> {
  return (lines, count) =>
    new Promise((resolve, reject) => {
      if (count === 0) return resolve();
      writeBatch(output, lines, count, stats, (error) => (error ? reject(error) : resolve()));
    });
}

/**
 * Writes one batch and resolves once the output took it (after 'drain' when it was full): follow mode
 * awaits this before it commits the offsets of the batch's lines.
 */
export function eventPrinter(
  output: WritableOutput,
  stats: PipelineStats,
  eventFormat: EventFormat = 'native',
): (events: readonly OssErrorEvent[]) => Promise<void> {
  const { format } = eventFormatter(eventFormat);
  return (events) =>
    new Promise((resolve, reject) => {
      if (events.length === 0) return resolve();
      writeBatch(output, format(events), events.length, stats, (error) =>
        error ? reject(error) : resolve(),
      );
    });
}
