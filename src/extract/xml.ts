// Reads one decoded `<Error>…</Error>` body into its elements: a strict flat scan first, fast-xml-parser for the rest.
import { createRequire } from 'node:module';
import type { FailureReason } from './types.js';
import { decodeXmlEntities } from './unescape.js';

/** A body's elements in document order, first occurrence of each name kept. */
export type BodyElements = Map<string, unknown>;

export type BodyParse = { ok: true; elements: BodyElements } | { ok: false; reason: FailureReason };

/** Bodies larger than this are not parsed (real ones are well under 4 KiB). */
export const MAX_BODY_CHARS = 64 * 1024;

const DTD = /<!(?:DOCTYPE|ENTITY)/i;
const OPEN_TAG = /^<Error(?:\s[^<>]*)?>/;
const CLOSE_TAG = /<\/Error\s*>\s*$/;
// `<Name>text</Name>` with nothing but whitespace around: the shape of nearly every real body.
const FLAT_ELEMENT = /\s*<([A-Za-z_][\w.-]*)>([^<]*)<\/\1>/y;

type Fxp = typeof import('fast-xml-parser');
let structured: { parser: InstanceType<Fxp['XMLParser']>; validator: Fxp['XMLValidator'] } | undefined;

/** fast-xml-parser is loaded on the first body the flat scan cannot read: most runs never need it. */
function structuredParser(): NonNullable<typeof structured> {
  if (structured) return structured;
  const { XMLParser, XMLValidator } = createRequire(import.meta.url)('fast-xml-parser') as Fxp;
  const parser = new XMLParser({
    ignoreAttributes: true,
    ignoreDeclaration: true,
    ignorePiTags: true,
    parseTagValue: false,
    trimValues: true,
    processEntities: true,
    htmlEntities: false,
  });
  structured = { parser, validator: XMLValidator };
  return structured;
}

/**
 * @example parseBody('<Error><Code>NoSuchKey</Code></Error>') // { ok: true, elements: Map { 'Code' => 'NoSuchKey' } }
 */
export function parseBody(xml: string): BodyParse {
  if (xml.length > MAX_BODY_CHARS) return { ok: false, reason: 'too-large' };
  if (xml.includes('<!') && DTD.test(xml)) return { ok: false, reason: 'dtd' };
  const open = OPEN_TAG.exec(xml);
  const close = CLOSE_TAG.exec(xml);
  if (!open || !close) return { ok: false, reason: 'malformed' };
  return scanFlat(xml, open[0].length, close.index) ?? parseStructured(xml);
}

function scanFlat(xml: string, start: number, end: number): BodyParse | undefined {
  const elements: BodyElements = new Map();
  FLAT_ELEMENT.lastIndex = start;
  let pos = start;
  for (
    let m = FLAT_ELEMENT.exec(xml);
    m !== null && FLAT_ELEMENT.lastIndex <= end;
    m = FLAT_ELEMENT.exec(xml)
  ) {
    const name = m[1] as string;
    if (!elements.has(name)) elements.set(name, decodeXmlEntities((m[2] as string).trim()));
    pos = FLAT_ELEMENT.lastIndex;
  }
  // Anything else between the elements (attributes, CDATA, comments, nesting) goes to the real parser.
  if (pos !== end && !/^\s*$/.test(xml.slice(pos, end))) return undefined;
  return { ok: true, elements };
}

function parseStructured(xml: string): BodyParse {
  const { parser, validator } = structuredParser();
  if (validator.validate(xml) !== true) return { ok: false, reason: 'malformed' };
  let doc: { Error?: unknown };
  try {
    doc = parser.parse(xml) as { Error?: unknown };
  } catch {
    // The parser throws on what its validator let through (nesting past its depth limit): one bad body.
    // Found by the reliability branch.
    return { ok: false, reason: 'malformed' };
  }
  const root = doc.Error;
  const elements: BodyElements = new Map();
  if (root !== null && typeof root === 'object') {
    for (const [name, value] of Object.entries(root))
      elements.set(name, Array.isArray(value) ? value[0] : value);
  } else if (typeof root !== 'string') {
    return { ok: false, reason: 'malformed' };
  }
  return { ok: true, elements };
}
