// Finds every OSS error body in one log record, whatever escaping surrounds it, and turns each into an event.
import { inferCategory, lookupCode, rowFor, statusClass } from '../catalog/index.js';
import { jsonContext, type LineContext, textLineContext } from './context.js';
import { closerAfter, firstOpener, hasOpener, openerAfter } from './find.js';
import { redactDetails, redactStrings, redactText } from './redact.js';
import { hitElements, mergeHits, type SdkHit, sdkObjectHit, sdkTextHits } from './sdk.js';
import type { BodyFailure, Extraction, LogRecord, OssErrorEvent } from './types.js';
import { escapeLayers, unescapeBody } from './unescape.js';
import { type BodyElements, isSpace, MAX_BODY_CHARS, parseBody } from './xml.js';

export type * from './types.js';

// A body in any escaping contains `Error` (`<Error>`, `\u003cError\u003e`, `\x22`-escaped nginx lines); most SDK
// renderings contain `Error` or `error` (ClientError, ErrorCode, `operation error`, `S3 error`, the JS SDKs'
// `handleError`/`extractError` frames) or `xception`. Two alternatives only: each one more costs about as much as
// the whole check did before (bench/run.mjs measures it).
const MARKERS = /[Ee]rror|xception/;
// What a record that passed the framer may still hold in a JSON string or an assembled record: the markers of
// the SDK templates that carry no `Error` (a status line, a request id, a `statusCode`, an `x-oss-err` header).
const SDK_MARKERS =
  /[Ee]rror|xception|tatus ?[Cc]ode|equest[ I-]?[IiDd]|Traceback|oss-err|\$metadata|\(Message: /;
// The keys of SDK error objects in JSON (aws-sdk-js v3, v2, ali-oss, minio-js, header maps), looked for once a
// record: the JSON access logs that carry XML bodies hold none of them and skip the per-object check.
const SDK_OBJECT = /"\$metadata"|"requestId"|"requestid"|"S3Error"|"x-(?:amz|oss)-/i;

/**
 * The cheap check that runs on every line. Lines without a marker never reach the parser, except a line
 * ending with `{` (the last stack frame before util.inspect's properties) and the first lines of aws-sdk-go
 * v1's status line and of a Python traceback, recognised by their first characters. `start` is where a
 * container runtime's prefix ends.
 */
export function mayHoldBody(text: string, start = 0): boolean {
  return MARKERS.test(text) || mayHoldSdk(text, start);
}

/** The cheap check's cases that need no marker. */
function mayHoldSdk(text: string, start: number): boolean {
  return text.charCodeAt(text.length - 1) === 123 || startsSdkLine(text, start);
}

/** `\tstatus code: 404, request id: …` (aws-sdk-go v1's second line), `Traceback (most recent call last):`. */
function startsSdkLine(text: string, start: number): boolean {
  const c = text.charCodeAt(start);
  if (c === 9) return text.startsWith('status code: ', start + 1);
  if (c === 84) return text.startsWith('Traceback (', start);
  return false;
}

// Docker json-file: `{"log":"` then the content, JSON-escaped (a tab is `\\t`), ending before `\\n","stream"…`.
const DOCKER_CONTENT = 8;
// `","stream":"stdout","time":"2026-11-24T10:00:00.123456789Z"}` and some room.
const DOCKER_TAIL = 96;

/** The cheap check for a raw Docker json-file line. */
export function mayHoldWrapped(line: string): boolean {
  return (
    mayHoldBody(line, DOCKER_CONTENT) ||
    line.startsWith('\\tstatus code: ', DOCKER_CONTENT) ||
    endsWithBrace(line)
  );
}

/**
 * Whether the content ends with `{\\n`: `","stream"` is looked for only in the line's last bytes (the stream
 * and time fields), so this costs no scan of the content.
 */
function endsWithBrace(line: string): boolean {
  const end = line.indexOf('","stream"', line.length - DOCKER_TAIL);
  return end > 2 && line.charCodeAt(end - 3) === 123 && line.charCodeAt(end - 2) === 92;
}

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
  // Each search reads to the text's end when it finds nothing; a `!` before `to` is rare and found faster, and
  // neither declaration starts before it.
  const bang = text.indexOf('!', from);
  if (bang < 0 || bang >= to) return false;
  const doctype = text.indexOf('!DOCTYPE', bang);
  if (doctype >= 0 && doctype < to) return true;
  const entity = text.indexOf('!ENTITY', bang);
  return entity >= 0 && entity < to;
}

/**
 * @example extractRecord({ text: '<Error><Code>NoSuchKey</Code></Error>', source: 'stdin', line: 1 }, new Date().toISOString())
 */
export function extractRecord(record: LogRecord, readTime: string): Extraction {
  const out: Extraction = { events: [], failures: [] };
  const text = record.text;
  // The cheap check, keeping where the first marker stands: an opener holds `Error`, a marker, so the search
  // for the first opener starts there instead of at the start of the line.
  const marker = MARKERS.exec(text)?.index ?? -1;
  if (marker < 0 && !mayHoldSdk(text, 0) && !SDK_MARKERS.test(text)) return out;
  const json = opensObject(text);
  const first = json ? undefined : marker < 0 ? null : firstOpener(text, marker);
  const hits: FoundHit[] = [];
  if (json) {
    const doc = tryParseJson(text);
    if (doc !== undefined) {
      walkJson(doc, [], 0, record, readTime, out, hits, SDK_OBJECT.test(text));
      addSdkEvents(hits, record, readTime, out);
      return out;
    }
  }
  const context = memo(() => withHeader(textLineContext(text), record.header));
  scanText(text, context, record, readTime, out, {
    first,
    marker: Math.max(marker, 0),
    hostilePrologue: hostileHeader(record.header),
    foreignPrologue: foreignHeader(record.header),
  });
  // A text that gave an XML event is that error's: its SDK rendering, if any, would be the same one again.
  if (out.events.length === 0) for (const hit of sdkTextHits(text)) hits.push({ hit, context });
  addSdkEvents(hits, record, readTime, out);
  return out;
}

interface FoundHit {
  hit: SdkHit;
  context: Context;
}

/** One event per SDK-rendered error, after the record's XML bodies (which win for the same code). */
function addSdkEvents(
  found: readonly FoundHit[],
  record: LogRecord,
  readTime: string,
  out: Extraction,
): void {
  if (found.length === 0) return;
  const contexts = new Map(found.map((f) => [f.hit, f.context]));
  const merged = mergeHits(
    found.map((f) => f.hit),
    new Set(out.events.map((e) => e.code)),
  );
  for (const hit of merged) {
    const origin = found.find((f) => f.hit.code === hit.code);
    const context = (origin && contexts.get(origin.hit)) ?? found[0]?.context;
    if (!context) continue;
    const event = buildEvent(hitElements(hit), context(), record, readTime);
    if (event) out.events.push({ ...event, shape: hit.shape, sdk: hit.sdk });
  }
}

// An STS or IAM `<ErrorResponse><Error>…` wraps its error: another service's, not a store's.
const FOREIGN_WRAPPER = /(?:<|\\+u003[cC])ErrorResponse[\s>\\]/;
// Azure Blob puts its request id and time inside the message; its auth errors carry a detail element.
const AZURE_MESSAGE = /RequestId:[\w-]{8,}\s*(?:\\n)?\s*Time:\d{4}-\d\d-\d\dT/;

function foreignHeader(header: string | undefined): boolean {
  return header !== undefined && FOREIGN_WRAPPER.test(header) && !/\/ErrorResponse/.test(header);
}

/** Whether the body at `start` sits inside an `<ErrorResponse>` opened shortly before it. */
function insideForeignWrapper(text: string, start: number): boolean {
  const before = text.slice(Math.max(0, start - 256), start);
  return FOREIGN_WRAPPER.test(before) && !before.includes('/ErrorResponse');
}

function foreignBody(elements: BodyElements): boolean {
  const code = text(elements.get('Code') ?? elements.get('code'));
  if (code === undefined || lookupCode(code)) return false;
  return (
    elements.has('AuthenticationErrorDetail') || AZURE_MESSAGE.test(String(elements.get('Message') ?? ''))
  );
}

// A DOCTYPE on the line before a multi-line body is its prologue (an internal subset spanning lines ends
// with `]>` there); a line that holds a body of its own after its DOCTYPE is that body's business only.
function hostileHeader(header: string | undefined): boolean {
  if (header === undefined) return false;
  if (/^\s*\]>\s*$/.test(header)) return true;
  return DTD_MARK.test(header) && !hasOpener(header);
}

function withHeader(ctx: LineContext, header: string | undefined): LineContext {
  if (!header) return ctx;
  const head = textLineContext(header);
  return { time: ctx.time ?? head.time, request: { ...head.request, ...ctx.request } };
}

/** `text.trimStart().startsWith('{')`, without the trimmed copy. */
function opensObject(text: string): boolean {
  let at = 0;
  while (isSpace(text.charCodeAt(at))) at++;
  return text.charCodeAt(at) === 123;
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
  hits: FoundHit[],
  sdkObjects: boolean,
): void {
  if (depth > MAX_JSON_DEPTH) return;
  if (typeof value === 'string') {
    if (!SDK_MARKERS.test(value)) return;
    if (opensObject(value)) {
      const inner = tryParseJson(value);
      if (inner !== undefined && typeof inner === 'object') {
        walkJson(inner, parents, depth + 1, record, readTime, out, hits, sdkObjects);
        return;
      }
    }
    const context = memo(() => jsonContext(parents));
    const before = out.events.length;
    scanText(value, context, record, readTime, out);
    if (out.events.length === before) for (const hit of sdkTextHits(value)) hits.push({ hit, context });
  } else if (Array.isArray(value)) {
    for (const item of value) walkJson(item, parents, depth + 1, record, readTime, out, hits, sdkObjects);
  } else if (value !== null && typeof value === 'object') {
    const chain = [value as JsonObject, ...parents];
    const hit = sdkObjects ? sdkObjectHit(value as JsonObject) : undefined;
    if (hit) hits.push({ hit, context: memo(() => jsonContext(chain)) });
    for (const child of Object.values(value))
      walkJson(child, chain, depth + 1, record, readTime, out, hits, sdkObjects);
  }
}

interface ScanStart {
  /** The text's first opener when it was looked for already (null: it has none). */
  first?: RegExpExecArray | null;
  /** Where the text's first marker stands, when known: no `ErrorResponse`, which holds one, starts before it. */
  marker?: number;
  /** The record's header line is a DTD prologue: the first body is refused. */
  hostilePrologue?: boolean;
  /** The record's header line opens an `<ErrorResponse>`: the first body is another service's. */
  foreignPrologue?: boolean;
}

/** A body's escaping undone; a body with no backslash has none to undo, whatever its enclosing text shows. */
function decodeBody(opener: string, segment: string, text: string): string {
  if (!segment.includes('\\')) return segment;
  return unescapeBody(segment, escapeLayers(openerBackslashes(opener), segment, text));
}

/** Finds each `<Error>…</Error>` in a string, decodes its escaping and parses it. */
function scanText(
  text: string,
  context: Context,
  record: LogRecord,
  readTime: string,
  out: Extraction,
  { first, marker = 0, hostilePrologue = false, foreignPrologue = false }: ScanStart = {},
): void {
  let searchFrom = 0;
  // Whether the text names an `<ErrorResponse>` at all: looked for once, not around every body.
  const wrapped = text.includes('ErrorResponse', marker);
  for (
    let open = first === undefined ? openerAfter(text, 0) : first;
    open !== null;
    open = openerAfter(text, searchFrom)
  ) {
    const start = open.index;
    const afterOpen = start + open[0].length;
    const error = text.indexOf('Error', afterOpen);
    const close = closerAfter(text, afterOpen, error);
    const closeEnd = close === null ? afterOpen : close.index + close[0].length;
    // Every opener holds `Error` after its first character, and one that starts before a closer ends its
    // `Error` before it too: with no other `Error` in the body, no opener can cut it short.
    const next = close === null || error < close.index ? openerAfter(text, afterOpen) : null;
    const failure = (reason: BodyFailure['reason']) =>
      out.failures.push({ reason, source: record.source, line: record.line });

    if ((hostilePrologue && searchFrom === 0) || hasDtd(text, searchFrom, start)) {
      failure('dtd');
    } else if (close === null || (next !== null && next.index < close.index)) {
      failure('truncated');
      const window = text.slice(start, Math.min(next?.index ?? text.length, start + MAX_BODY_CHARS));
      salvageTruncated(decodeBody(open[0], window, text));
      searchFrom = afterOpen;
      continue;
    } else if ((foreignPrologue && searchFrom === 0) || (wrapped && insideForeignWrapper(text, start))) {
      // another service's error: neither an event nor a failure
    } else {
      const parsed = parseBody(decodeBody(open[0], text.slice(start, closeEnd), text));
      if (!parsed.ok) failure(parsed.reason);
      else if (foreignBody(parsed.elements)) {
        // an Azure Blob error shaped like a store's
      } else {
        const event = buildEvent(parsed.elements, context(), record, readTime);
        if (event) out.events.push(event);
        else failure('no-code');
      }
    }
    searchFrom = closeEnd;
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

/** Where the first of `a` and `b` stands in `text`, or -1. */
function firstOf(text: string, a: string, b: string): number {
  const i = text.indexOf(a);
  const j = text.indexOf(b);
  return i < 0 ? j : j < 0 ? i : Math.min(i, j);
}

function hasFields(facts: object): boolean {
  for (const _ in facts) return true;
  return false;
}

/**
 * `/bucket/dir/key` → bucket and key; COS and virtual-hosted forms (`bucket.cos.region.myqcloud.com/key`)
 * take the bucket from the host's first label.
 */
export function splitResource(resource: string): { bucket?: string; key?: string } {
  // A path (the usual resource) has no scheme to strip.
  let path = resource.charCodeAt(0) === 47 ? resource : resource.replace(/^[a-z][a-z0-9+.-]*:\/\//i, '');
  const query = firstOf(path, '?', '#');
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
  const hasRequest = hasFields(ctx.request);
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
