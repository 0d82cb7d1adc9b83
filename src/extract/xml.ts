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
  // `!` first: a body is full of `<`, so looking for `<!` stops at every tag; `!` is rare.
  if (xml.includes('!') && xml.includes('<!') && DTD.test(xml)) return { ok: false, reason: 'dtd' };
  const open = OPEN_TAG.exec(xml);
  const close = closeTagAt(xml);
  if (!open || close < 0) return { ok: false, reason: 'malformed' };
  return scanFlat(xml, open[0].length, close) ?? parseStructured(xml);
}

/** Whether `c` is a character of the regex class `\s` (the same set `String.prototype.trim` removes). */
export function isSpace(c: number): boolean {
  if (c <= 32) return c === 32 || (c >= 9 && c <= 13);
  if (c < 160) return false;
  return (
    c === 160 ||
    c === 0x1680 ||
    (c >= 0x2000 && c <= 0x200a) ||
    c === 0x2028 ||
    c === 0x2029 ||
    c === 0x202f ||
    c === 0x205f ||
    c === 0x3000 ||
    c === 0xfeff
  );
}

// The element names real bodies carry (S3, OSS, COS, GCS, MinIO), by length: a name read from a body is given as
// one of these constants when it is one, so the maps and objects it keys find it already hashed and internalised.
const COMMON_NAMES: readonly (readonly string[])[] = (() => {
  const byLength: string[][] = [];
  for (const name of [
    'Code',
    'Message',
    'Resource',
    'RequestId',
    'RequestID',
    'HostId',
    'Key',
    'BucketName',
    'EC',
    'RecommendDoc',
    'StringToSign',
    'StringToSignBytes',
    'SignatureProvided',
    'AWSAccessKeyId',
    'OSSAccessKeyId',
    'ArgumentName',
    'ArgumentValue',
    'CanonicalRequest',
    'StatusCode',
    'Details',
  ]) {
    const list = byLength[name.length] ?? [];
    list.push(name);
    byLength[name.length] = list;
  }
  return byLength;
})();

/** `xml.slice(start, end)`, as a constant when it is a common element name. */
function nameAt(xml: string, start: number, end: number): string {
  const list = COMMON_NAMES[end - start];
  if (list !== undefined) for (const name of list) if (xml.startsWith(name, start)) return name;
  return xml.slice(start, end);
}

/** `[\w.-]`; with `first`, `[A-Za-z_]`. */
function isNameChar(c: number, first: boolean): boolean {
  if ((c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === 95) return true;
  return !first && ((c >= 48 && c <= 57) || c === 46 || c === 45);
}

/** Where the `</Error\s*>\s*` that ends `xml` starts, or -1: read from the end, not searched for from the start. */
export function closeTagAt(xml: string): number {
  let at = xml.length;
  while (at > 0 && isSpace(xml.charCodeAt(at - 1))) at--;
  if (xml.charCodeAt(at - 1) !== 62) return -1;
  at--;
  while (at > 0 && isSpace(xml.charCodeAt(at - 1))) at--;
  at -= 7;
  return at >= 0 && xml.startsWith('</Error', at) ? at : -1;
}

/**
 * The elements between `start` and `end` when they are all `<Name>text</Name>` with nothing but whitespace
 * around (the shape of nearly every real body), else undefined. Read by hand: what the regex
 * `\s*<([A-Za-z_][\w.-]*)>([^<]*)<\/\1>` matched, element after element, without its match arrays.
 */
export function scanFlat(xml: string, start: number, end: number): BodyParse | undefined {
  const elements: BodyElements = new Map();
  let pos = start;
  for (;;) {
    let at = pos;
    while (isSpace(xml.charCodeAt(at))) at++;
    if (xml.charCodeAt(at) !== 60 || !isNameChar(xml.charCodeAt(at + 1), true)) break;
    const nameStart = at + 1;
    let nameEnd = nameStart + 1;
    while (isNameChar(xml.charCodeAt(nameEnd), false)) nameEnd++;
    if (xml.charCodeAt(nameEnd) !== 62) break;
    // `[^<]*` stops at the first `<`: the closing tag must stand there.
    const lt = xml.indexOf('<', nameEnd + 1);
    const after = lt + 3 + (nameEnd - nameStart);
    if (lt < 0 || after > end || xml.charCodeAt(lt + 1) !== 47 || xml.charCodeAt(after - 1) !== 62) break;
    const name = nameAt(xml, nameStart, nameEnd);
    if (!xml.startsWith(name, lt + 2)) break;
    if (!elements.has(name)) {
      // The text trimmed as `trim` would, with one slice.
      let from = nameEnd + 1;
      let to = lt;
      while (from < to && isSpace(xml.charCodeAt(from))) from++;
      while (to > from && isSpace(xml.charCodeAt(to - 1))) to--;
      elements.set(name, decodeXmlEntities(xml.slice(from, to)));
    }
    pos = after;
  }
  // Anything else between the elements (attributes, CDATA, comments, nesting) goes to the real parser.
  for (let at = pos; at < end; at++) if (!isSpace(xml.charCodeAt(at))) return undefined;
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
