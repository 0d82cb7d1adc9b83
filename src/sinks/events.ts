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
} {
  const viaPino = pinoFormatter();
  // ECS and OpenTelemetry are the same event under other field names; native is written as it is.
  const map = eventMapper(eventFormat);
  return {
    format(events) {
      let text = '';
      for (const event of events) {
        const shaped = map ? map(event) : event;
        clearEscaped();
        const line = map ? JSON.stringify(shaped) : eventJson(event);
        // A native line without an escaped string has no backslash: it need not be searched (nor flattened).
        text += (map || anyEscaped()) && line.includes('\\ud') ? viaPino([shaped]) : `${line}\n`;
      }
      return text;
    },
  };
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
