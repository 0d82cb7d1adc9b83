// The event writer's JSON lines are pino's, byte for byte, for any event (lone surrogates included), in every format.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { OssErrorEvent } from '../src/extract/types.js';
import { eventMapper } from '../src/sinks/event-formats.js';
import { eventFormatter, pinoFormatter, spliceLineNumbers, UnnumberedWriter } from '../src/sinks/events.js';
import {
  forEachObserved,
  fromObservedTuple,
  OBSERVED_FIELDS,
  type ObservedEvent,
  ObservedWriter,
  observedTuple,
} from '../src/sinks/observed.js';

// Strings as bodies give them: ASCII, quotes and backslashes, control characters, non-Latin text, line and
// paragraph separators, and lone surrogates (from a broken `\uD800` escape), short and longer than pino's
// 100-character fast path.
const text = fc.oneof(
  fc.string({ maxLength: 30 }),
  fc.string({ unit: 'binary', maxLength: 30 }),
  fc.string({ unit: 'grapheme', maxLength: 30 }),
  fc.constantFrom(
    'a"b\\c',
    'tab\there',
    '报错 é',
    '\ud800',
    'x\udfffy',
    '😀 pair',
    'sep\u2028\u2029',
    '\u0000\u001f\u007f',
    'back\\ud800slash',
    `${'l'.repeat(120)}\ud800`,
    `${'m'.repeat(200)}"`,
  ),
);
const nullable = <T>(value: fc.Arbitrary<T>) => fc.oneof(fc.constant(null), value);
// Details as bodies give them: strings mostly, and nested elements as objects and arrays.
const detail = fc.letrec<{ value: unknown }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    text,
    fc.integer(),
    fc.double(),
    fc.boolean(),
    fc.constant(null),
    fc.array(tie('value'), { maxLength: 3 }),
    fc.dictionary(text, tie('value'), { maxKeys: 3 }),
  ),
})).value;
const request = fc.record(
  {
    method: text,
    path: text,
    status: fc.integer({ min: 100, max: 599 }),
    host: text,
    client: fc.oneof(text, fc.constantFrom('10.0.0.1', '::1')),
    userAgent: text,
    duration: fc.oneof(fc.double(), fc.constant(0.012)),
  },
  { requiredKeys: [] },
);
const base = {
  code: text,
  status: nullable(fc.integer({ min: 100, max: 599 })),
  message: text,
  resource: nullable(text),
  requestId: nullable(text),
  bucket: nullable(fc.oneof(text, fc.constant('b.s3.amazonaws.com'))),
  key: nullable(text),
  class: fc.constantFrom('3xx', '4xx', '5xx', 'unknown'),
  category: fc.constantFrom('auth', 'server', 'unknown'),
  known: fc.boolean(),
  description: nullable(text),
  details: fc.dictionary(fc.oneof(fc.string({ maxLength: 8 }), text), detail, { maxKeys: 4 }),
  time: fc.oneof(text, fc.constant('2024-10-10T00:00:00.123Z')),
  source: text,
  line: fc.nat(),
  request: nullable(request),
};
// The shapes extraction makes: a body's event, a truncated one (`truncated` added last), an SDK's or a
// header's (`shape` and `sdk` added last), and one with an undefined field.
const event = fc.oneof(
  fc.record(base),
  fc.record({ ...base, truncated: fc.constant(true as const) }),
  fc.record({ ...base, shape: fc.constantFrom('sdk', 'header'), sdk: text }),
  fc.record({ ...base, truncated: fc.constantFrom(undefined, true) }),
) as fc.Arbitrary<OssErrorEvent>;
// Native events are written as they are: fields missing or out of their order must come out as they are too.
const anyEvent = fc.oneof(
  event,
  fc.record(base, { requiredKeys: ['code', 'line'] }) as fc.Arbitrary<OssErrorEvent>,
);

describe('event formatter', () => {
  it.each(['native', 'ecs', 'otel'] as const)('writes what pino writes (%s)', (format) => {
    const fast = eventFormatter(format);
    const pino = pinoFormatter();
    const map: (e: OssErrorEvent) => object = eventMapper(format) ?? ((e) => e);
    fc.assert(
      fc.property(fc.array(format === 'native' ? anyEvent : event, { maxLength: 4 }), (events) => {
        expect(fast.format(events)).toBe(pino(events.map(map)));
      }),
      { numRuns: 1500, seed: 15 },
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

// A worker thread writes a block's lines before it knows how many lines come before the block, into room the
// reading thread sends back (the ArrayBuffer of lines it merged); the reading thread splices the numbers in.
describe('unnumbered lines', () => {
  it.each(['native', 'ecs', 'otel'] as const)(
    "are the formatter's lines numbered from a block's base, in the room given while they fit (%s)",
    (format) => {
      fc.assert(
        fc.property(
          fc.array(event, { maxLength: 5 }),
          fc.nat({ max: 1e12 }),
          fc.constantFrom(0, 256, 1 << 16),
          (events, blockBase, roomBytes) => {
            const inBlock = events.map((e, i) => ({ ...e, line: i + 1 }));
            const room = new ArrayBuffer(roomBytes);
            const writer = new UnnumberedWriter(format, room);
            writer.add(inBlock);
            const lines = writer.finish();
            const want = eventFormatter(format).format(
              inBlock.map((e) => ({ ...e, line: e.line + blockBase })),
            );
            expect(spliceLineNumbers(lines, blockBase).equals(Buffer.from(want))).toBe(true);
            // Room for three bytes a UTF-16 unit of every line: written there, not into a new ArrayBuffer.
            if (3 * want.length <= roomBytes) expect(lines.bytes.buffer).toBe(room);
            else expect(lines.bytes.buffer).not.toBe(room);
          },
        ),
        { numRuns: 300, seed: 15 },
      );
    },
  );
});

// A worker thread writes the fields the observers read of each chunk's events as bytes, into room the reading
// thread sends back; the reading thread tells its observers each event's fields, in order.
describe("a block's observed fields", () => {
  it("are every event's observed fields, in order, whatever their text, in the room given while they fit", () => {
    fc.assert(
      fc.property(
        fc.array(fc.array(event, { minLength: 1, maxLength: 4 }), { maxLength: 4 }),
        fc.constantFrom(0, 64, 1 << 16),
        (chunks, roomBytes) => {
          const room = new ArrayBuffer(roomBytes);
          const writer = new ObservedWriter(room);
          for (const chunk of chunks) writer.add(chunk);
          const bytes = writer.finish();
          const told: ObservedEvent[] = [];
          forEachObserved(bytes, (observed) => told.push(observed));
          expect(told).toEqual(chunks.flat().map((e) => fromObservedTuple(observedTuple(e))));
          expect(told.map((e) => Object.keys(e))).toEqual(told.map(() => [...OBSERVED_FIELDS]));
          // Room for three bytes a UTF-16 unit of each write: written there, not into a new ArrayBuffer.
          if (4 * bytes.length <= roomBytes) expect(bytes.buffer).toBe(room);
        },
      ),
      { numRuns: 300, seed: 15 },
    );
  });
});
