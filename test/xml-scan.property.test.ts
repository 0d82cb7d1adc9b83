// Property: the hand-written flat body scan reads exactly what the regexes it replaced matched, on any text.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { closeTagAt, isSpace, parseBody, scanFlat } from '../src/extract/xml.js';

// The regexes the scan replaced, kept here as the reference it must agree with.
const CLOSE_TAG = /<\/Error\s*>\s*$/;
const FLAT_ELEMENT = /\s*<([A-Za-z_][\w.-]*)>([^<]*)<\/\1>/y;
const XML_ENTITY = /&(?:#(\d{1,7})|#x([0-9A-Fa-f]{1,6})|(amp|lt|gt|quot|apos));/g;
const PREDEFINED: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

function decodeEntities(text: string): string {
  return text.replace(XML_ENTITY, (all, dec?: string, hex?: string, name?: string) => {
    if (name) return PREDEFINED[name] ?? all;
    const cp = dec ? Number.parseInt(dec, 10) : Number.parseInt(hex as string, 16);
    return cp > 0 && cp <= 0x10ffff ? String.fromCodePoint(cp) : all;
  });
}

function referenceScan(xml: string, start: number, end: number): Map<string, unknown> | undefined {
  const elements = new Map<string, unknown>();
  FLAT_ELEMENT.lastIndex = start;
  let pos = start;
  for (
    let m = FLAT_ELEMENT.exec(xml);
    m !== null && FLAT_ELEMENT.lastIndex <= end;
    m = FLAT_ELEMENT.exec(xml)
  ) {
    const name = m[1] as string;
    if (!elements.has(name)) elements.set(name, decodeEntities((m[2] as string).trim()));
    pos = FLAT_ELEMENT.lastIndex;
  }
  if (pos !== end && !/^\s*$/.test(xml.slice(pos, end))) return undefined;
  return elements;
}

const SPACES = [
  ' ',
  '\t',
  '\n',
  '\r',
  '\v',
  '\f',
  '\u00a0',
  '\u2028',
  '\u3000',
  '\ufeff',
  '\u200b',
  '\u0085',
];
const FRAGMENTS = [
  ...[
    '<Error>',
    '</Error>',
    '</Error >',
    '<Error xmlns="x">',
    '<',
    '>',
    '</',
    '/>',
    '&amp;',
    '&#10;',
    '&lt;',
  ],
  ...['<Code>', '</Code>', '<Code2>', '</Code2>', '<a.b-c_>', '</a.b-c_>', '<_x>', '</_x>', '<1x>', '</1x>'],
  ...['<Key>', '</Key>', '<Keys>', '</Keys>', '<Kex>', '</Kex>', '<HostId>', '</HostId>', '<RequestID>'],
  ...['<Code >', '<![CDATA[x]]>', '<!-- c -->', 'NoSuchKey', 'key', 'é', '报', ...SPACES],
];
const xmlArb = fc
  .array(fc.oneof(fc.constantFrom(...FRAGMENTS), fc.string({ maxLength: 4 })), { maxLength: 24 })
  .map((parts) => parts.join(''));
// Well-formed flat bodies with random spacing, so the agreeing cases are not all failures.
const flatArb = fc
  .array(
    fc.tuple(
      fc.constantFrom('Code', 'Message', 'Key', 'Keys', 'Kex', 'HostId', 'a.b', '_x', 'Code'),
      fc.string({ maxLength: 8 }).filter((s) => !s.includes('<')),
      fc.constantFrom(...SPACES, ''),
    ),
    { maxLength: 6 },
  )
  .map(
    (els) =>
      `<Error>${els.map(([n, v, s]) => `${s}<${n}>${s}${v}${s}</${n}>`).join('')}${els[0]?.[2] ?? ''}</Error>`,
  );

describe('flat body scan', () => {
  it('takes the same characters for whitespace as the regex class \\s and trim, for every UTF-16 code unit', () => {
    const differ: number[] = [];
    for (let c = 0; c < 0x10000; c++) {
      const ch = String.fromCharCode(c);
      if (isSpace(c) !== /\s/.test(ch) || isSpace(c) !== (ch.trim() === '')) differ.push(c);
    }
    expect(differ).toEqual([]);
  });

  it.each([
    ['a plain body', '<Error><Code>A</Code></Error>', 21],
    ['spaces in and after the tag', '<Error><Code>A</Code></Error  >  \n', 21],
    ['no closing tag', '<Error><Code>A</Code>', -1],
    ['text after the closing tag', '<Error></Error>x', -1],
    ['a closing tag of another name', '<Error></Errors>', -1],
    ['only the closing tag', '</Error>', 0],
  ])('finds the closing tag in %s', (_name, xml, expected) => {
    expect(closeTagAt(xml)).toBe(expected);
    expect(CLOSE_TAG.exec(xml)?.index ?? -1).toBe(expected);
  });

  it('finds the closing tag where the regex did, on random texts', () => {
    fc.assert(
      fc.property(fc.oneof(xmlArb, flatArb), (xml) => {
        expect(closeTagAt(xml)).toBe(CLOSE_TAG.exec(xml)?.index ?? -1);
      }),
      { numRuns: 5000, seed: 15 },
    );
  });

  it('reads the same elements as the regex, or gives up where it gave up, on random texts', () => {
    fc.assert(
      fc.property(fc.oneof(xmlArb, flatArb), fc.nat(30), fc.nat(30), (xml, a, b) => {
        const start = Math.min(a, xml.length);
        const end = Math.min(start + b, xml.length);
        const got = scanFlat(xml, start, end);
        const expected = referenceScan(xml, start, end);
        expect(got?.ok ? got.elements : undefined).toEqual(expected);
      }),
      { numRuns: 10000, seed: 15 },
    );
  });

  it('parses random well-formed flat bodies as the regex read them', () => {
    fc.assert(
      fc.property(flatArb, (xml) => {
        const parsed = parseBody(xml);
        const open = /^<Error>/.exec(xml)?.[0].length ?? 0;
        const expected = referenceScan(xml, open, CLOSE_TAG.exec(xml)?.index ?? 0);
        if (expected) expect(parsed).toEqual({ ok: true, elements: expected });
      }),
      { numRuns: 3000, seed: 16 },
    );
  });
});
