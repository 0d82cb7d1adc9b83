// The extractor's shortcuts (no opener search past a body with no other `Error`, a closer searched from the first
// `Error`, no unescaping of a body with no backslash, no wrapper check on a text that names no `ErrorResponse`):
// each one's premise, and the cases at its edge.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { closerAfter, firstOpener } from '../src/extract/find.js';
import { extractRecord } from '../src/extract/index.js';
import { escapeLayers, unescapeBody } from '../src/extract/unescape.js';

const run = (text: string) => extractRecord({ text, source: 's', line: 1 }, '2026-11-24T12:00:00.000Z');
const summary = (text: string) => {
  const { events, failures } = run(text);
  return {
    events: events.map((e) => [e.code, e.message, e.truncated ?? false]),
    failures: failures.map((f) => f.reason),
  };
};

// The extractor's opener and closer, copied: the premise below is a fact about these two patterns.
const OPENER = /(?:<|\\+u003[cC])Error(?:>|\\+u003[eE]|\s[^<>\\]*(?:>|\\+u003[eE]))/g;
const CLOSER = /(?:<|\\+u003[cC])\\*\/Error\s*(?:>|\\+u003[eE])/g;

const PIECES = [
  ...['<Error>', '</Error>', '\\u003cError\\u003e', '\\u003c/Error\\u003e', '\\\\u003cError\\\\u003e'],
  ...['\\\\u003c\\/Error\\\\u003e', '<Error a="1">', '<Error\t>', '</Error >', '<', '>', '\\', '/', 'Error'],
  ...[
    'InternalError',
    '<Code>',
    '</Code>',
    'u003c',
    'u003e',
    'E',
    'rror',
    ' ',
    '"',
    '\\"',
    '<ErrorResponse>',
  ],
];
const textArb = fc
  .array(fc.oneof(fc.constantFrom(...PIECES), fc.string({ maxLength: 3 })), { maxLength: 20 })
  .map((p) => p.join(''));

describe('extraction shortcuts', () => {
  it('no opener starts between an opener and its closer unless an `Error` starts there too', () => {
    fc.assert(
      fc.property(textArb, (text) => {
        OPENER.lastIndex = 0;
        for (let open = OPENER.exec(text); open !== null; open = OPENER.exec(text)) {
          const afterOpen = OPENER.lastIndex;
          CLOSER.lastIndex = afterOpen;
          const close = CLOSER.exec(text);
          if (close === null) break;
          const error = text.indexOf('Error', afterOpen);
          const noErrorBefore = error < 0 || error >= close.index;
          const next = new RegExp(OPENER.source, 'g');
          next.lastIndex = afterOpen;
          const opener = next.exec(text);
          if (noErrorBefore) expect(opener === null || opener.index >= close.index, text).toBe(true);
          OPENER.lastIndex = afterOpen;
        }
      }),
      { numRuns: 20000, seed: 15 },
    );
  });

  it('finds the closer the regex finds from the same place, though it starts at the first `Error`', () => {
    fc.assert(
      fc.property(textArb, fc.nat(60), (text, n) => {
        const from = Math.min(n, text.length);
        CLOSER.lastIndex = from;
        const expected = CLOSER.exec(text);
        const got = closerAfter(text, from, text.indexOf('Error', from));
        expect(got && [got.index, got[0]], text).toEqual(expected && [expected.index, expected[0]]);
      }),
      { numRuns: 20000, seed: 17 },
    );
  });

  it('finds the first opener the regex finds from the start, though it starts at the first `Error`', () => {
    fc.assert(
      fc.property(textArb, (text) => {
        OPENER.lastIndex = 0;
        const expected = OPENER.exec(text);
        const got = firstOpener(text);
        expect(got && [got.index, got[0]], text).toEqual(expected && [expected.index, expected[0]]);
      }),
      { numRuns: 20000, seed: 18 },
    );
  });

  it('a body with no backslash comes out of unescaping as it went in, at any depth', () => {
    fc.assert(
      fc.property(
        textArb.map((t) => t.replaceAll('\\', '')),
        textArb,
        fc.integer({ min: 0, max: 4 }),
        (segment, enclosing, backslashes) => {
          expect(unescapeBody(segment, escapeLayers(backslashes, segment, enclosing))).toBe(segment);
        },
      ),
      { numRuns: 5000, seed: 16 },
    );
  });

  it.each([
    [
      'an `Error` inside a body (its code), then a truncated body',
      '<Error><Code>InternalError</Code></Error> <Error><Code>B</Code><Message>cu',
      {
        events: [
          ['InternalError', '', false],
          ['B', '', true],
        ],
        failures: ['truncated'],
      },
    ],
    [
      'an escaped opener inside a raw body: the first is truncated, the second malformed',
      '<Error><Code>A</Code><Message>see \\u003cError\\u003e</Message></Error>',
      { events: [['A', '', true]], failures: ['truncated', 'malformed'] },
    ],
    [
      'a raw body after an escaped one on one line',
      '\\u003cError\\u003e\\u003cCode\\u003eA\\u003c/Code\\u003e\\u003c/Error\\u003e <Error><Code>B</Code></Error>',
      {
        events: [
          ['A', '', false],
          ['B', '', false],
        ],
        failures: [],
      },
    ],
    [
      'a raw body with no backslash on a line with `\\"` elsewhere',
      'msg=\\"x\\" <Error><Code>A</Code><Message>it is gone</Message></Error>',
      { events: [['A', 'it is gone', false]], failures: [] },
    ],
    [
      'a raw body with a backslash on a line with `\\"` elsewhere (escaped once)',
      'msg=\\"x\\" <Error><Code>A</Code><Message>C:\\\\temp \\"q\\"</Message></Error>',
      { events: [['A', 'C:\\temp "q"', false]], failures: [] },
    ],
    [
      'a raw body with a backslash and no escapes around it (kept as it is)',
      'msg <Error><Code>A</Code><Message>C:\\temp</Message></Error>',
      { events: [['A', 'C:\\temp', false]], failures: [] },
    ],
    [
      "an STS body inside an ErrorResponse: another service's",
      '<ErrorResponse><Error><Code>ExpiredToken</Code></Error></ErrorResponse>',
      { events: [], failures: [] },
    ],
    [
      'a store body after a closed ErrorResponse',
      '<ErrorResponse><Error><Code>X</Code></Error></ErrorResponse> <Error><Code>NoSuchKey</Code></Error>',
      { events: [['NoSuchKey', '', false]], failures: [] },
    ],
  ])('reads %s', (_name, text, expected) => {
    expect(summary(text)).toEqual(expected);
  });
});
