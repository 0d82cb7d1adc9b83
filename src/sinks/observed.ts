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
