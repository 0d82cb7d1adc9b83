// Properties of the extractor (fast-check): it never throws, never reports an event without a code, and every
// escaping a log writer applies round-trips to the same values.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { extractRecord } from '../src/extract/index.js';
import { jsonEscape, nginxEscape } from './helpers/escape.js';
import { runChunks } from './helpers/pipeline.js';

const READ_TIME = '2026-11-24T12:00:00.000Z';
const extract = (text: string) => extractRecord({ text, source: 'p', line: 1 }, READ_TIME);

const xmlEscape = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
// Go's encoding/json (Docker's json-file) escapes <, > and & too.
const goJson = (v: unknown) =>
  JSON.stringify(v).replace(/[<>&]/g, (c) => `\\u00${c.charCodeAt(0).toString(16)}`);

// Element text as gateways see it: letters, digits, punctuation with XML's specials, quotes, unicode, whitespace.
const textChar = fc.constantFrom(...'abcXYZ019 _-./:;,&<>"\'()[]{}%+=?!报错é\t\n'.split(''));
const value = fc.array(textChar, { maxLength: 40 }).map((a) => a.join(''));
const code = fc.stringMatching(/^[A-Z][A-Za-z0-9]{0,30}$/);
const body = fc.record({
  code,
  message: value,
  resource: value,
  requestId: fc.stringMatching(/^[A-F0-9]{1,24}$/),
});
type Body = { code: string; message: string; resource: string; requestId: string };

const toXml = (b: Body) =>
  `<?xml version="1.0" encoding="UTF-8"?>\n<Error>\n  <Code>${b.code}</Code>\n  <Message>${xmlEscape(b.message)}</Message>\n  ` +
  `<Resource>${xmlEscape(b.resource)}</Resource>\n  <RequestId>${b.requestId}</RequestId>\n</Error>`;

const EMBEDDINGS: [string, (xml: string) => string][] = [
  ['raw in a text line', (xml) => `2026-11-24T10:00:00Z gateway said ${xml}`],
  [
    'nginx escape=default',
    (xml) => `1.2.3.4 - - [24/Nov/2026:10:00:00 +0000] "GET / HTTP/1.1" 404 1 "-" "ua" "${nginxEscape(xml)}"`,
  ],
  [
    'nginx escape=json',
    (xml) => `1.2.3.4 - - [24/Nov/2026:10:00:00 +0000] "GET / HTTP/1.1" 404 1 "-" "ua" "${jsonEscape(xml)}"`,
  ],
  ['a JSON log field', (xml) => JSON.stringify({ status: 404, resp_body: xml })],
  [
    'escaped twice: a JSON log inside a JSON log',
    (xml) => JSON.stringify({ log: JSON.stringify({ response: { body: xml } }) }),
  ],
  [
    'Go-escaped (\\u003c) inside a JSON log',
    (xml) =>
      JSON.stringify({
        log: JSON.stringify({ body: xml }).replace(/</g, '\\u003c').replace(/>/g, '\\u003e'),
      }),
  ],
  // JSON that cannot be parsed (cut off): the escaped opener itself says how many layers to undo.
  ['Go-escaped in a cut-off JSON line', (xml) => `${goJson({ status: 404, body: xml }).slice(0, -2)} …cut`],
  [
    'Go-escaped twice in a cut-off Docker line',
    (xml) => `${goJson({ log: `${goJson({ body: xml })}\n`, stream: 'stdout' }).slice(0, -20)}`,
  ],
];

describe('extractor properties', () => {
  it('never throws and never reports an event without a code, on any string', () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.string({ unit: 'binary', maxLength: 300 }), fc.string({ maxLength: 300 })),
        (text) => {
          const { events } = extract(text);
          for (const e of events) expect(e.code.trim()).not.toBe('');
        },
      ),
      { numRuns: 2000, seed: 7 },
    );
  });

  it('never throws on body-shaped noise: cut, nested, duplicated and escaped elements', () => {
    const piece = fc.constantFrom(
      '<Error>',
      '</Error>',
      '<Code>',
      '</Code>',
      'NoSuchKey',
      '<Message>',
      '</Message>',
      '<Code>X</Code>',
      '<!DOCTYPE a [<!ENTITY b "c">]>',
      '&b;',
      '&amp;',
      '<![CDATA[',
      ']]>',
      '\\u003c',
      '\\x22',
      '\\"',
      '\\n',
      '"',
      '\n',
      ' ',
      '<Details><Error><Code>Y</Code></Error></Details>',
      '<?xml version="1.0"?>',
      '{"log":"',
      '"}',
    );
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 40 }), (pieces) => {
        const { events } = extract(pieces.join(''));
        for (const e of events) expect(e.code.trim()).not.toBe('');
      }),
      { numRuns: 3000, seed: 11 },
    );
  });

  it('never throws through framing and extraction on random bytes in random chunks', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.uint8Array({ maxLength: 2000 }),
        fc.array(fc.integer({ min: 1, max: 300 }), { minLength: 1 }),
        async (bytes, sizes) => {
          const buf = Buffer.from(bytes);
          const chunks: Buffer[] = [];
          for (let at = 0, i = 0; at < buf.length; i++) {
            const size = sizes[i % sizes.length] as number;
            chunks.push(buf.subarray(at, at + size));
            at += size;
          }
          const { events } = await runChunks(chunks);
          for (const e of events) expect(e.code.trim()).not.toBe('');
        },
      ),
      { numRuns: 300, seed: 3 },
    );
  });

  it.each(EMBEDDINGS)('round-trips code, message, resource and RequestId: %s', (name, embed) => {
    fc.assert(
      fc.property(body, (b) => {
        // A raw body cannot tell a literal backslash from an escape; nothing here writes one.
        fc.pre(name !== 'raw in a text line' || !/[\\\n]/.test(b.message + b.resource));
        const { events, failures } = extract(embed(toXml(b)));
        expect(failures).toEqual([]);
        expect(events).toHaveLength(1);
        expect(events[0]).toMatchObject({
          code: b.code,
          message: b.message.trim(),
          resource: b.resource.trim() === '' ? null : b.resource.trim(),
          requestId: b.requestId,
        });
      }),
      { numRuns: 300, seed: 5 },
    );
  });
});
