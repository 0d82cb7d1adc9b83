// The fields of an event the observers (summary, metrics, report) read: what a worker sends when it writes the lines.
import type { OssErrorEvent } from '../extract/types.js';
import { MovedBytes } from './moved-bytes.js';

/**
 * Every field an observer reads. A block read by a worker thread sends only these for each event (its JSON
 * lines are written there), so an observer that needs another field adds it here and to the tuple below
 * (test/parallel.e2e.test.ts fails until it does).
 */
export const OBSERVED_FIELDS = [
  'code',
  'status',
  'class',
  'category',
  'known',
  'description',
  'requestId',
  'bucket',
  'key',
  'resource',
  'time',
] as const satisfies readonly (keyof OssErrorEvent)[];

/** What an observer is given: an event, or the part of it that a worker sent. */
export type ObservedEvent = Pick<OssErrorEvent, (typeof OBSERVED_FIELDS)[number]>;

/** An event's observed fields in OBSERVED_FIELDS' order, as a worker sends them (no keys to write, read). */
export type ObservedTuple = [
  ObservedEvent['code'],
  ObservedEvent['status'],
  ObservedEvent['class'],
  ObservedEvent['category'],
  ObservedEvent['known'],
  ObservedEvent['description'],
  ObservedEvent['requestId'],
  ObservedEvent['bucket'],
  ObservedEvent['key'],
  ObservedEvent['resource'],
  ObservedEvent['time'],
];

/**
 * An event's observed fields as a tuple (a literal: `JSON.stringify` writes it on its fast path, which a
 * replacer list of keys turns off). As arrays, the observed fields of the 5M-line corpus's worker blocks are
 * 11.4 MB of JSON against 16.4 MB as objects: the two-thread run's peak RSS 128 MiB against 135 (medians of
 * 10), its time the same.
 */
export function observedTuple(event: OssErrorEvent): ObservedTuple {
  return [
    event.code,
    event.status,
    event.class,
    event.category,
    event.known,
    event.description,
    event.requestId,
    event.bucket,
    event.key,
    event.resource,
    event.time,
  ];
}

/** The observed fields a worker sent, as the event an observer is given. */
export function fromObservedTuple(t: ObservedTuple): ObservedEvent {
  return {
    code: t[0],
    status: t[1],
    class: t[2],
    category: t[3],
    known: t[4],
    description: t[5],
    requestId: t[6],
    bucket: t[7],
    key: t[8],
    resource: t[9],
    time: t[10],
  };
}

/**
 * The observed fields of a block's events, written by the thread that framed it: each chunk's events as one JSON
 * array of tuples, in one JSON array, as bytes moved to the reading thread. Kept as strings until the block was
 * done, they lived long enough on the worker's heap to be promoted and collected in full: as bytes, the
 * two-thread run on the 5M-line corpus peaks at 115 MiB against 127, in 0.98x the wall time (30 paired runs).
 */
export class ObservedWriter {
  private readonly out: MovedBytes;
  private chunks = 0;

  /** `room`: an ArrayBuffer to write into first (one the reading thread sent back, done with). */
  constructor(room?: ArrayBuffer) {
    this.out = new MovedBytes(room);
    this.out.write('[');
  }

  add(events: readonly OssErrorEvent[]): void {
    if (this.chunks++ > 0) this.out.write(',');
    this.out.write(JSON.stringify(events.map(observedTuple)));
  }

  finish(): Uint8Array {
    this.out.write(']');
    return this.out.finish();
  }
}

/** Tells `observe` each event of an `ObservedWriter`'s bytes, in order. */
export function forEachObserved(bytes: Uint8Array, observe: (event: ObservedEvent) => void): void {
  const text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString('utf8');
  for (const chunk of JSON.parse(text) as ObservedTuple[][])
    for (const fields of chunk) observe(fromObservedTuple(fields));
}
