// The fields of an event the observers (summary, metrics, report) read: what a worker sends when it writes the lines.
import type { OssErrorEvent } from '../extract/types.js';

/**
 * Every field an observer reads. A block read by a worker thread sends only these for each event (its JSON
 * lines are written there), so an observer that needs another field adds it here.
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

/**
 * The observed fields of an event as a plain object, for a worker to send: `JSON.stringify` writes it on its
 * fast path, which a replacer list of keys turns off (that cost each worker a tenth of its time).
 */
export function observedFields(event: OssErrorEvent): ObservedEvent {
  return {
    code: event.code,
    status: event.status,
    class: event.class,
    category: event.category,
    known: event.known,
    description: event.description,
    requestId: event.requestId,
    bucket: event.bucket,
    key: event.key,
    resource: event.resource,
    time: event.time,
  };
}
