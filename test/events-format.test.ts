// The event writer's JSON lines are pino's, byte for byte, for any event (lone surrogates included).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { OssErrorEvent } from '../src/extract/types.js';
import { eventFormatter, pinoFormatter } from '../src/sinks/events.js';

// Strings as bodies give them: ASCII, quotes and backslashes, control characters, non-Latin text, and
// lone surrogates (from a broken `\uD800` escape), short and longer than pino's 100-character fast path.
const text = fc.oneof(
  fc.string({ maxLength: 30 }),
  fc.string({ unit: 'binary', maxLength: 30 }),
  fc.constantFrom('a"b\\c', 'tab\there', '报错 é', '\ud800', 'x\udfffy', `${'l'.repeat(120)}\ud800`),
);
const event = fc.record({
  code: text,
  status: fc.oneof(fc.constant(null), fc.integer({ min: 100, max: 599 })),
  message: text,
  resource: fc.oneof(fc.constant(null), text),
  requestId: fc.oneof(fc.constant(null), text),
  bucket: fc.oneof(fc.constant(null), text),
  key: fc.oneof(fc.constant(null), text),
  class: fc.constantFrom('3xx', '4xx', '5xx', 'unknown'),
  category: fc.constantFrom('auth', 'server', 'unknown'),
  known: fc.boolean(),
  description: fc.oneof(fc.constant(null), text),
  details: fc.dictionary(fc.string({ maxLength: 8 }), text, { maxKeys: 3 }),
  time: text,
  source: text,
  line: fc.nat(),
  request: fc.oneof(fc.constant(null), fc.record({ method: text, status: fc.nat(), duration: fc.double() })),
  truncated: fc.constantFrom(undefined, true),
}) as fc.Arbitrary<OssErrorEvent>;

describe('event formatter', () => {
  it('writes what pino writes', () => {
    const fast = eventFormatter();
    const pino = pinoFormatter();
    fc.assert(
      fc.property(fc.array(event, { maxLength: 4 }), (events) => {
        expect(fast.format(events)).toBe(pino(events));
      }),
      { numRuns: 500, seed: 15 },
    );
  });

  it.each([
    ['a lone surrogate in a short field', { code: 'A\ud800' }],
    ['a backslash before ud', { code: 'A\\ud' }],
    ['an undefined field', { code: 'A', truncated: undefined }],
  ])('%s', (_name, fields) => {
    const events = [fields as unknown as OssErrorEvent];
    expect(eventFormatter().format(events)).toBe(pinoFormatter()(events));
  });
});
