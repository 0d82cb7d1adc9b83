// Writes one JSON event per line with pino's serializer, batching writes and waiting for the output to drain.
import { Writable, type Writable as WritableOutput } from 'node:stream';
import pino from 'pino';
import type { EventFormat } from '../config.js';
import { OutputClosedError } from '../errors.js';
import type { OssErrorEvent } from '../extract/types.js';
import type { PipelineStats } from '../stats.js';
import { eventMapper } from './event-formats.js';

/**
 * How many batches (one per input chunk) each object-mode stage may hold. The bound on memory is in
 * batches, and a batch can carry a whole MiB of input's events: keep it small.
 */
export const BATCHES_IN_FLIGHT = 2;

/** A pino logger that only serialises: no level, time, pid or hostname; lines are collected, not written. */
function eventFormatter(eventFormat: EventFormat): { format: (events: readonly OssErrorEvent[]) => string } {
  const map = eventMapper(eventFormat);
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
  return {
    format(events) {
      collected = '';
      if (map) for (const event of events) logger.info(map(event));
      else for (const event of events) logger.info(event);
      return collected;
    },
  };
}

/**
 * The end of a source's pipeline: takes batches of events, writes them to `output` (stdout or a file),
 * and holds the pipeline while `output` is full. `output` outlives this stream: it is never ended here.
 */
export function eventWriter(
  output: WritableOutput,
  stats: PipelineStats,
  eventFormat: EventFormat = 'native',
): Writable {
  const { format } = eventFormatter(eventFormat);
  return new Writable({
    objectMode: true,
    // Each object is a chunk's worth of events (thousands when every line is an error): a few at most.
    highWaterMark: BATCHES_IN_FLIGHT,
    writev(chunks, callback) {
      const events = chunks.flatMap((c) => c.chunk as OssErrorEvent[]);
      writeBatch(output, format(events), events.length, stats, callback);
    },
    write(chunk: OssErrorEvent[], _encoding, callback) {
      writeBatch(output, format(chunk), chunk.length, stats, callback);
    },
  });
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

/** A sink that counts events and writes nothing (`--no-events`). */
export function discardEvents(): Writable {
  return new Writable({
    objectMode: true,
    write(_chunk, _encoding, callback) {
      callback();
    },
  });
}
