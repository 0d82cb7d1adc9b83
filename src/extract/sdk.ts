// One event per SDK-rendered error in a record: hits grouped by code, the XML body's own event preferred.

import type { SdkHit } from './sdk-text.js';
import type { BodyElements } from './xml.js';

export { sdkObjectHit } from './sdk-object.js';
export { type SdkHit, sdkTextHits } from './sdk-text.js';

/**
 * A traceback's chained exceptions, a Java `Caused by:` chain, a retry loop's summary and a line with both
 * the body and the SDK's words all name one error several times: one hit per code is kept, the first (most
 * specific) one, with what later ones add. A code the record's XML body already gave is left to that event.
 */
export function mergeHits(hits: readonly SdkHit[], xmlCodes: ReadonlySet<string>): SdkHit[] {
  const byCode = new Map<string, SdkHit>();
  for (const hit of hits) {
    if (xmlCodes.has(hit.code)) continue;
    const seen = byCode.get(hit.code);
    if (seen === undefined) {
      byCode.set(hit.code, { ...hit });
      continue;
    }
    if (seen.sdk === 'unknown' && hit.sdk !== 'unknown') {
      seen.sdk = hit.sdk;
      seen.shape = hit.shape;
    }
    for (const field of [
      'status',
      'message',
      'requestId',
      'hostId',
      'resource',
      'bucket',
      'key',
      'operation',
      'ec',
    ] as const) {
      if (seen[field] === undefined) Object.assign(seen, { [field]: hit[field] });
    }
  }
  return [...byCode.values()];
}

/** A hit as the body elements an XML error would have had, so both become events the same way. */
export function hitElements(hit: SdkHit): BodyElements {
  const elements: BodyElements = new Map();
  const set = (name: string, value: string | number | undefined) => {
    if (value !== undefined) elements.set(name, String(value));
  };
  set('Code', hit.code);
  set('Message', hit.message);
  set('StatusCode', hit.status);
  set('RequestId', hit.requestId);
  set('Resource', hit.resource);
  set('BucketName', hit.bucket);
  set('Key', hit.key);
  set('HostId', hit.hostId);
  set('EC', hit.ec);
  set('Operation', hit.operation);
  return elements;
}
