// JSON text of an event, byte for byte what JSON.stringify writes, without its per-key work for the native layout.
import type { OssErrorEvent } from '../extract/types.js';

/** Characters JSON.stringify writes escaped: quote, backslash, controls, and surrogates (paired or not). */
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what JSON escapes.
const NEEDS_ESCAPE = /["\\\u0000-\u001f\ud800-\udfff]/;

/**
 * Whether a string written since `clearEscaped` needed escaping: only then can the text hold a `\` (so a
 * caller looking for an escape sequence in it need not read it when this is false).
 */
let escaped = false;

export function clearEscaped(): void {
  escaped = false;
}

export function anyEscaped(): boolean {
  return escaped;
}

/** A string as JSON: most need no escape and are only quoted; the rest go through JSON.stringify. */
export function jsonString(s: string): string {
  if (!NEEDS_ESCAPE.test(s)) return `"${s}"`;
  escaped = true;
  return JSON.stringify(s);
}

/** Thrown for a value this serializer does not write exactly as JSON.stringify would; the caller falls back. */
const UNKNOWN = new Error('not a plain JSON value');
/** Deeper than any event: a cycle or a pathological body falls back to JSON.stringify (and its own error). */
const MAX_DEPTH = 32;

/** Object keys as JSON with their colon; details repeat a few names, so they are kept (a bounded number). */
const keyTexts = new Map<string, string>();
const MAX_KEY_TEXTS = 4096;

function keyText(key: string): string {
  let text = keyTexts.get(key);
  if (text === undefined) {
    text = `${jsonString(key)}:`;
    if (keyTexts.size < MAX_KEY_TEXTS) keyTexts.set(key, text);
  }
  return text;
}

/** The JSON of a value, or undefined where JSON.stringify leaves a property out (undefined, functions, symbols). */
function value(v: unknown, depth: number): string | undefined {
  switch (typeof v) {
    case 'string':
      return jsonString(v);
    case 'number':
      return Number.isFinite(v) ? String(v) : 'null';
    case 'boolean':
      return v ? 'true' : 'false';
    case 'undefined':
    case 'function':
    case 'symbol':
      return undefined;
    case 'object':
      if (v === null) return 'null';
      if (depth > MAX_DEPTH) throw UNKNOWN;
      return Array.isArray(v) ? array(v, depth + 1) : object(v, depth + 1);
    default:
      throw UNKNOWN;
  }
}

/** JSON.stringify calls a toJSON it finds on any object, own or inherited. */
const hasToJson = (o: object) => typeof (o as { toJSON?: unknown }).toJSON === 'function';

function array(a: unknown[], depth: number): string {
  if (Object.getPrototypeOf(a) !== Array.prototype || hasToJson(a)) throw UNKNOWN;
  let out = '[';
  for (let i = 0; i < a.length; i++) {
    if (i > 0) out += ',';
    out += value(a[i], depth) ?? 'null';
  }
  return `${out}]`;
}

/** A plain object (no prototype but Object's or none, no toJSON): its own keys in their order, as JSON.stringify. */
function object(o: object, depth: number): string {
  const proto = Object.getPrototypeOf(o);
  if ((proto !== Object.prototype && proto !== null) || hasToJson(o)) throw UNKNOWN;
  let out = '{';
  for (const key of Object.keys(o)) {
    const text = value((o as Record<string, unknown>)[key], depth);
    if (text === undefined) continue;
    out += out.length === 1 ? keyText(key) : `,${keyText(key)}`;
    out += text;
  }
  return `${out}}`;
}

/** The native event's keys in the order buildEvent writes them; SDK and truncated events add keys after these. */
const NATIVE_KEYS = [
  'code',
  'status',
  'message',
  'resource',
  'requestId',
  'bucket',
  'key',
  'class',
  'category',
  'known',
  'description',
  'details',
  'time',
  'source',
  'line',
  'request',
] as const;

/**
 * The JSON of the fields whose values recur, as the same few strings run after run (class, category, the
 * catalogue's description, the source): looked up, not tested and quoted again. Only strings with nothing to
 * escape are kept (an escaped one must still mark the line as escaped), and a bounded number of them.
 */
const recurringTexts = new Map<string, string>();
const MAX_RECURRING_TEXTS = 1024;

function recurring(v: unknown): string {
  if (typeof v !== 'string') return present(v);
  let text = recurringTexts.get(v);
  if (text !== undefined) return text;
  text = jsonString(v);
  if (!escaped && recurringTexts.size < MAX_RECURRING_TEXTS) recurringTexts.set(v, text);
  return text;
}

/** A field that must be there: a value JSON.stringify would leave out breaks the fixed layout. */
function present(v: unknown): string {
  if (typeof v === 'string') return jsonString(v);
  const text = value(v, 1);
  if (text === undefined) throw UNKNOWN;
  return text;
}

/** The native event with its known keys written from fixed text; undefined when its keys are not in that order. */
function nativeJson(e: OssErrorEvent): string | undefined {
  if (Object.getPrototypeOf(e) !== Object.prototype || hasToJson(e)) return undefined;
  const keys = Object.keys(e);
  if (keys.length < NATIVE_KEYS.length) return undefined;
  for (let i = 0; i < NATIVE_KEYS.length; i++) if (keys[i] !== NATIVE_KEYS[i]) return undefined;
  let out = `{"code":${present(e.code)},"status":${present(e.status)},"message":${present(e.message)},"resource":${present(e.resource)},"requestId":${present(e.requestId)},"bucket":${present(e.bucket)},"key":${present(e.key)},"class":${recurring(e.class)},"category":${recurring(e.category)},"known":${present(e.known)},"description":${recurring(e.description)},"details":${present(e.details)},"time":${present(e.time)},"source":${recurring(e.source)},"line":${present(e.line)},"request":${present(e.request)}`;
  for (let i = NATIVE_KEYS.length; i < keys.length; i++) {
    const key = keys[i] as string;
    const text = value((e as unknown as Record<string, unknown>)[key], 1);
    if (text !== undefined) out += `,${keyText(key)}${text}`;
  }
  return `${out}}`;
}

/**
 * `JSON.stringify(event)`, exactly, for the project's own event: its layout is written from fixed keys, its
 * details and request key by key; anything else (keys in another order, a class instance, toJSON, a bigint,
 * a cycle) is left to JSON.stringify itself. (The ECS and OpenTelemetry shapes, mostly absent fields, are
 * written faster by JSON.stringify.)
 *
 * @example
 * eventJson({ code: 'NoSuchKey', ... }) === JSON.stringify({ code: 'NoSuchKey', ... }) // true
 */
export function eventJson(event: OssErrorEvent): string {
  try {
    const text = nativeJson(event);
    if (text !== undefined) return text;
  } catch (error) {
    if (error !== UNKNOWN) throw error;
  }
  escaped = true;
  return JSON.stringify(event);
}
