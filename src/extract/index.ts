// Finds every OSS error body in one log record, whatever escaping surrounds it, and turns each into an event.
import { inferCategory, lookupCode, rowFor, statusClass } from '../catalog/index.js';
import { jsonContext, type LineContext, textLineContext } from './context.js';
import { redactDetails, redactStrings, redactText } from './redact.js';
import type { BodyFailure, Extraction, LogRecord, OssErrorEvent } from './types.js';
import { escapeLayers, unescapeBody } from './unescape.js';
import { type BodyElements, MAX_BODY_CHARS, parseBody } from './xml.js';

export type * from './types.js';

/**
 * The cheap check that runs on every line: a body in any escaping contains the letters `Error`
 * (`<Error>`, `\u003cError\u003e`, `\x22`-escaped nginx lines). Lines without them never reach the parser.
 */
export function mayHoldBody(text: string): boolean {
  return text.includes('Error');
}

// `<Error>` raw, or with its angle brackets JSON-escaped once or more (`\u003c`, `\\u003c`); attributes allowed.
const OPENER = /(?:<|\\+u003[cC])Error(?:>|\\+u003[eE]|\s[^<>\\]*(?:>|\\+u003[eE]))/g;
const NEXT_OPENER = new RegExp(OPENER.source, 'g');
// Not global: testing a header must not move the scanners' lastIndex.
const HAS_OPENER = new RegExp(OPENER.source);
// `</Error>`, with `\/` and `\u003c…\u003e` escaping at any depth.
const CLOSER = /(?:<|\\+u003[cC])\\*\/Error\s*(?:>|\\+u003[eE])/g;
const DTD_MARK = /!(?:DOCTYPE|ENTITY)/i;
const COMPLETE_ELEMENT = /<([A-Za-z_][\w.-]*)>([^<]*)<\/\1>/g;
const MAX_JSON_DEPTH = 32;

// Elements that become top-level event fields; every other element goes to `details`.
const CORE_ELEMENTS = new Set([
  'Code',
  'code',
  'statusCode',
  'StatusCode',
  'Message',
  'Resource',
  'RequestId',
  'RequestID',
]);

type Context = () => LineContext;

/** `\\u003cError` → 2; `<Error>` → 0. */
function openerBackslashes(opener: string): number {
  let n = 0;
  while (opener.charCodeAt(n) === 92) n++;
  return n;
}

/** A DOCTYPE or ENTITY declaration between `from` and `to` (XML keywords are case-sensitive). */
function hasDtd(text: string, from: number, to: number): boolean {
  const doctype = text.indexOf('!DOCTYPE', from);
  if (doctype >= 0 && doctype < to) return true;
  const entity = text.indexOf('!ENTITY', from);
  return entity >= 0 && entity < to;
}

/**
 * @example extractRecord({ text: '<Error><Code>NoSuchKey</Code></Error>', source: 'stdin', line: 1 }, new Date().toISOString())
 */
export function extractRecord(record: LogRecord, readTime: string): Extraction {
  const out: Extraction = { events: [], failures: [] };
  const text = record.text;
  if (!mayHoldBody(text)) return out;
  if (text.trimStart().startsWith('{')) {
    const doc = tryParseJson(text);
    if (doc !== undefined) {
      walkJson(doc, [], 0, record, readTime, out);
      return out;
    }
  }
  const context = memo(() => withHeader(textLineContext(text), record.header));
  scanText(text, context, record, readTime, out, hostileHeader(record.header));
  return out;
}

// A DOCTYPE on the line before a multi-line body is its prologue (an internal subset spanning lines ends
// with `]>` there); a line that holds a body of its own after its DOCTYPE is that body's business only.
function hostileHeader(header: string | undefined): boolean {
  if (header === undefined) return false;
  if (/^\s*\]>\s*$/.test(header)) return true;
  return DTD_MARK.test(header) && !HAS_OPENER.test(header);
}

function withHeader(ctx: LineContext, header: string | undefined): LineContext {
  if (!header) return ctx;
  const head = textLineContext(header);
  return { time: ctx.time ?? head.time, request: { ...head.request, ...ctx.request } };
}

function tryParseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function memo(fn: Context): Context {
  let value: LineContext | undefined;
  return () => {
    value ??= fn();
    return value;
  };
}

type JsonObject = Record<string, unknown>;

/** Visits every string of a JSON log at any depth; a string holding JSON (a wrapped log line) is parsed in turn. */
function walkJson(
  value: unknown,
  parents: readonly JsonObject[],
  depth: number,
  record: LogRecord,
  readTime: string,
  out: Extraction,
): void {
  if (depth > MAX_JSON_DEPTH) return;
  if (typeof value === 'string') {
    if (!mayHoldBody(value)) return;
    if (value.trimStart().startsWith('{')) {
      const inner = tryParseJson(value);
      if (inner !== undefined && typeof inner === 'object') {
        walkJson(inner, parents, depth + 1, record, readTime, out);
        return;
      }
    }
    scanText(
      value,
      memo(() => jsonContext(parents)),
      record,
      readTime,
      out,
    );
  } else if (Array.isArray(value)) {
    for (const item of value) walkJson(item, parents, depth + 1, record, readTime, out);
  } else if (value !== null && typeof value === 'object') {
    const chain = [value as JsonObject, ...parents];
    for (const child of Object.values(value)) walkJson(child, chain, depth + 1, record, readTime, out);
  }
}

/** Finds each `<Error>…</Error>` in a string, decodes its escaping and parses it. */
function scanText(
  text: string,
  context: Context,
  record: LogRecord,
  readTime: string,
  out: Extraction,
  hostilePrologue = false,
): void {
  let searchFrom = 0;
  OPENER.lastIndex = 0;
  for (let open = OPENER.exec(text); open !== null; open = OPENER.exec(text)) {
    const start = open.index;
    const afterOpen = OPENER.lastIndex;
    CLOSER.lastIndex = afterOpen;
    const close = CLOSER.exec(text);
    NEXT_OPENER.lastIndex = afterOpen;
    const next = NEXT_OPENER.exec(text);
    const failure = (reason: BodyFailure['reason']) =>
      out.failures.push({ reason, source: record.source, line: record.line });

    if ((hostilePrologue && searchFrom === 0) || hasDtd(text, searchFrom, start)) {
      failure('dtd');
    } else if (close === null || (next !== null && next.index < close.index)) {
      failure('truncated');
      const window = text.slice(start, Math.min(next?.index ?? text.length, start + MAX_BODY_CHARS));
      salvageTruncated(unescapeBody(window, escapeLayers(openerBackslashes(open[0]), window, text)));
      OPENER.lastIndex = afterOpen;
      searchFrom = afterOpen;
      continue;
    } else {
      const segment = text.slice(start, CLOSER.lastIndex);
      const parsed = parseBody(
        unescapeBody(segment, escapeLayers(openerBackslashes(open[0]), segment, text)),
      );
      if (!parsed.ok) failure(parsed.reason);
      else {
        const event = buildEvent(parsed.elements, context(), record, readTime);
        if (event) out.events.push(event);
        else failure('no-code');
      }
    }
    OPENER.lastIndex = close ? CLOSER.lastIndex : afterOpen;
    searchFrom = OPENER.lastIndex;
  }

  function salvageTruncated(xml: string): void {
    if (DTD_MARK.test(xml)) return;
    const elements: BodyElements = new Map();
    for (const m of xml.matchAll(COMPLETE_ELEMENT)) {
      const name = m[1] as string;
      if (!elements.has(name)) elements.set(name, (m[2] as string).trim());
    }
    const event = buildEvent(elements, context(), record, readTime);
    if (event) out.events.push({ ...event, truncated: true });
  }
}

function text(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  const trimmed = value.trim();
  return trimmed === '' ? undefined : trimmed;
}

function bodyStatus(value: unknown): number | undefined {
  const n = Number(text(value));
  return Number.isInteger(n) && n >= 100 && n <= 599 ? n : undefined;
}

/**
 * `/bucket/dir/key` → bucket and key; COS and virtual-hosted forms (`bucket.cos.region.myqcloud.com/key`)
 * take the bucket from the host's first label.
 */
export function splitResource(resource: string): { bucket?: string; key?: string } {
  let path = resource.replace(/^[a-z][a-z0-9+.-]*:\/\//i, '');
  const query = path.search(/[?#]/);
  if (query >= 0) path = path.slice(0, query);
  if (!path.startsWith('/')) {
    const slash = path.indexOf('/');
    const host = slash < 0 ? path : path.slice(0, slash);
    if (host.split('.').length < 3) return {};
    const bucket = host.slice(0, host.indexOf('.'));
    const key = slash < 0 ? '' : path.slice(slash + 1);
    return key ? { bucket, key } : { bucket };
  }
  const rest = path.slice(1);
  const slash = rest.indexOf('/');
  if (slash < 0) return rest ? { bucket: rest } : {};
  const key = rest.slice(slash + 1);
  return key ? { bucket: rest.slice(0, slash), key } : { bucket: rest.slice(0, slash) };
}

function buildEvent(
  elements: BodyElements,
  ctx: LineContext,
  record: LogRecord,
  readTime: string,
): OssErrorEvent | undefined {
  const code = text(elements.get('Code') ?? elements.get('code'));
  if (code === undefined) return undefined;
  const info = lookupCode(code);
  const status =
    bodyStatus(elements.get('statusCode') ?? elements.get('StatusCode')) ??
    ctx.request.status ??
    info?.status ??
    null;
  const resourceText = text(elements.get('Resource'));
  const resource = resourceText === undefined ? null : redactText(resourceText);
  const fromResource = resource ? splitResource(resource) : {};

  const details = redactDetails(elements, CORE_ELEMENTS);

  let cls = statusClass(status);
  if (status === null && info) {
    const classes = new Set(info.rows.map((r) => r.class));
    if (classes.size === 1) cls = info.rows[0]?.class ?? cls;
  }
  const hasRequest = Object.keys(ctx.request).length > 0;
  const bucket = text(elements.get('BucketName')) ?? fromResource.bucket;
  const key = text(elements.get('Key')) ?? fromResource.key;
  // Every string from the input passes through redaction here, once: every sink and format shows this event.
  return {
    code: redactText(code),
    status,
    message: redactText(text(elements.get('Message')) ?? ''),
    resource,
    requestId: text(elements.get('RequestId') ?? elements.get('RequestID')) ?? null,
    bucket: bucket === undefined ? null : redactText(bucket),
    key: key === undefined ? null : redactText(key),
    class: cls,
    category: info?.category ?? inferCategory(code, status),
    known: info !== undefined,
    description: info ? rowFor(info, status).description : null,
    details,
    time: ctx.time ?? record.runtimeTime ?? readTime,
    source: record.source,
    line: record.line,
    request: hasRequest ? redactStrings(ctx.request) : null,
  };
}
