// Writes one JSON event per line (pino's bytes), batching writes and waiting for the output to drain.
import type { Writable as WritableOutput } from 'node:stream';
import pino from 'pino';
import type { EventFormat } from '../config.js';
import { OutputClosedError } from '../errors.js';
import type { OssErrorEvent } from '../extract/types.js';
import type { PipelineStats } from '../stats.js';
import { eventMapper } from './event-formats.js';
import { anyEscaped, clearEscaped, eventJson } from './event-json.js';

/**
 * One JSON line per event, byte for byte as pino's serializer writes it, at a fraction of its cost
 * (`eventJson` writes what `JSON.stringify` would, faster). `JSON.stringify` and pino agree on every value
 * but one: a lone UTF-16 surrogate in a short top-level string, which pino writes raw and `JSON.stringify`
 * escapes (`\ud800`). A line with `\ud` in it may hold one and is written by pino itself (rare: a body with
 * a broken `\uXXXX` escape).
 */
export function eventFormatter(eventFormat: EventFormat = 'native'): {
  format: (events: readonly OssErrorEvent[]) => string;
  line: (event: OssErrorEvent) => string;
} {
  const viaPino = pinoFormatter();
  // ECS and OpenTelemetry are the same event under other field names; native is written as it is.
  const map = eventMapper(eventFormat);
  const line = (event: OssErrorEvent): string => {
    const shaped = map ? map(event) : event;
    clearEscaped();
    const json = map ? JSON.stringify(shaped) : eventJson(event);
    // A native line without an escaped string has no backslash: it need not be searched (nor flattened).
    return (map || anyEscaped()) && json.includes('\\ud') ? viaPino([shaped]) : `${json}\n`;
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
 * Events' lines with their line numbers cut out, for a worker thread that reads a block of a file not knowing
 * how many lines come before it: `marks` holds, per event, where its number goes in `text` and the number
 * within the block. `spliceLineNumbers` puts them back, counted from the file's start.
 */
export interface UnnumberedLines {
  text: string;
  marks: Int32Array;
}

export class UnnumberedWriter {
  private readonly line: (event: OssErrorEvent) => string;
  private readonly key: string;
  private text = '';
  private marks: number[] = [];

  constructor(private readonly eventFormat: EventFormat = 'native') {
    this.line = eventFormatter(eventFormat).line;
    this.key = LINE_KEY[eventFormat];
  }

  add(events: readonly OssErrorEvent[]): void {
    const { key } = this;
    for (const event of events) {
      const json = this.line(event);
      const digits = String(event.line);
      const at = json.lastIndexOf(key) + key.length;
      const after = json.charCodeAt(at + digits.length);
      if (at < key.length || !json.startsWith(digits, at) || (after !== 44 && after !== 125))
        throw new Error(`internal: no line number in a ${this.eventFormat} event line`);
      this.text += json.slice(0, at);
      this.marks.push(this.text.length, event.line);
      this.text += json.slice(at + digits.length);
    }
  }

  finish(): UnnumberedLines {
    return { text: this.text, marks: Int32Array.from(this.marks) };
  }
}

/** The lines of an `UnnumberedWriter` with each number put back as `base` plus its number within the block. */
export function spliceLineNumbers(lines: UnnumberedLines, base: number): string {
  const { text, marks } = lines;
  let out = '';
  let from = 0;
  for (let i = 0; i < marks.length; i += 2) {
    const at = marks[i] as number;
    out += `${text.slice(from, at)}${base + (marks[i + 1] as number)}`;
    from = at;
  }
  return out + text.slice(from);
}

/** A pino logger that only serialises: no level, time, pid or hostname; lines are collected, not written. */
export function pinoFormatter(): (events: readonly object[]) => string {
  let collected = '';
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
  text: string,
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

/** Writes lines already formatted (by a worker thread) and resolves once the output took them. */
export function textPrinter(
  output: WritableOutput,
  stats: PipelineStats,
): (text: string, count: number) => Promise<void> {
  return (text, count) =>
    new Promise((resolve, reject) => {
      if (count === 0) return resolve();
      writeBatch(output, text, count, stats, (error) => (error ? reject(error) : resolve()));
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
