// Reads what the access-log line around a body says: time, HTTP status, method, path, client, agent, duration.
import type { RequestInfo } from './types.js';

/** Time and request facts found around a body. */
export interface LineContext {
  time?: string;
  request: RequestInfo;
}

const MONTHS: Readonly<Record<string, string>> = {
  Jan: '01',
  Feb: '02',
  Mar: '03',
  Apr: '04',
  May: '05',
  Jun: '06',
  Jul: '07',
  Aug: '08',
  Sep: '09',
  Oct: '10',
  Nov: '11',
  Dec: '12',
};

// nginx/Apache combined: $remote_addr - $remote_user [$time_local] "$request" $status $bytes "$referer" "$agent"
const COMBINED =
  /^(\S+) \S+ \S+ \[([^\]]+)\] "([A-Z]+) (\S+)(?: [^"]*)?" (\d{3}) (?:\d+|-)(?: "(?:[^"\\]|\\.)*" "((?:[^"\\]|\\.)*)")?/;
const CLF_TIME = /^(\d{2})\/([A-Z][a-z]{2})\/(\d{4}):(\d{2}):(\d{2}):(\d{2}) ([+-])(\d{2})(\d{2})$/;
const ISO_TIME = /(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2}:\d{2})(?:[.,](\d{1,9}))?(Z|[+-]\d{2}:?\d{2})?/;
const LOGFMT_STATUS = /\b(?:status|http_status|status_code|DownstreamStatus)["']?[=:]\s*["']?([1-5]\d{2})\b/;

// Consecutive error lines mostly share their second: remember the last answer.
let lastClf: { text: string; iso: string | undefined } = { text: '', iso: undefined };

/** `10/Oct/2024:13:55:36 +0200` → `2024-10-10T11:55:36.000Z`. */
export function parseClfTime(text: string): string | undefined {
  if (text === lastClf.text) return lastClf.iso;
  const iso = clfToIso(text);
  lastClf = { text, iso };
  return iso;
}

function clfToIso(text: string): string | undefined {
  const m = CLF_TIME.exec(text);
  const month = m && MONTHS[m[2] as string];
  if (!m || !month) return undefined;
  // A zero offset is written as UTC: the text is then what toISOString writes, when it is a real time.
  const zone = m[8] === '00' && m[9] === '00' ? '.000Z' : `${m[7]}${m[8]}:${m[9]}`;
  return isoOrUndefined(`${m[3]}-${month}-${m[1]}T${m[4]}:${m[5]}:${m[6]}${zone}`);
}

/** The first ISO-8601-like timestamp in `text`, as UTC ISO 8601; a time with no zone is taken as UTC. */
export function parseIsoTime(text: string): string | undefined {
  const m = ISO_TIME.exec(text);
  if (!m) return undefined;
  const fraction = `.${(m[3] ?? '').slice(0, 3).padEnd(3, '0')}`;
  let zone = m[4] ?? 'Z';
  if (zone.length === 5) zone = `${zone.slice(0, 3)}:${zone.slice(3)}`;
  return isoOrUndefined(`${m[1]}T${m[2]}${fraction}${zone}`);
}

// Days in each month of a common year; February has one more in a leap year.
const MONTH_DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/** The number of two digits at `at`. */
function twoDigits(text: string, at: number): number {
  return (text.charCodeAt(at) - 48) * 10 + text.charCodeAt(at + 1) - 48;
}

/**
 * Whether `text`, a time Date.parse accepted, is already what toISOString writes for it: `YYYY-MM-DDTHH:mm:
 * ss.sssZ` with an hour below 24 and a day its month has (Date.parse takes `T24:00` and February 30 and moves
 * them on to the next day).
 */
function writtenAsIso(text: string): boolean {
  if (text.length !== 24 || text.charCodeAt(23) !== 90 || text.charCodeAt(19) !== 46) return false;
  if (text.charCodeAt(10) !== 84 || text.charCodeAt(4) !== 45 || text.charCodeAt(7) !== 45) return false;
  if (text.charCodeAt(13) !== 58 || text.charCodeAt(16) !== 58 || twoDigits(text, 11) > 23) return false;
  const year = twoDigits(text, 0) * 100 + twoDigits(text, 2);
  const month = twoDigits(text, 5);
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  return twoDigits(text, 8) <= (MONTH_DAYS[month - 1] as number) + (month === 2 && leap ? 1 : 0);
}

/** A time as toISOString writes it, or undefined when Date.parse refuses it. */
function isoOrUndefined(text: string): string | undefined {
  const ms = Date.parse(text);
  if (Number.isNaN(ms)) return undefined;
  // Most times are written so already (JSON logs, UTC access logs): a Date and its text are not made again.
  return writtenAsIso(text) ? text : new Date(ms).toISOString();
}

/** A time value from a JSON field: ISO string, CLF string, or epoch seconds/milliseconds. */
export function parseAnyTime(value: unknown): string | undefined {
  if (typeof value === 'number' && Number.isFinite(value)) {
    const ms = value > 1e12 ? value : value * 1000;
    return ms > 0 && ms < 8.64e15 ? new Date(ms).toISOString() : undefined;
  }
  if (typeof value !== 'string') return undefined;
  return parseClfTime(value) ?? parseIsoTime(value);
}

function parseStatus(value: unknown): number | undefined {
  const n = typeof value === 'number' ? value : typeof value === 'string' ? Number(value.trim()) : Number.NaN;
  return Number.isInteger(n) && n >= 100 && n <= 599 ? n : undefined;
}

/** Context from a plain-text line: combined log format, else a leading timestamp and a `status=NNN`. */
export function textLineContext(line: string): LineContext {
  const m = COMBINED.exec(line);
  if (m) {
    const request: RequestInfo = {
      method: m[3] as string,
      path: m[4] as string,
      status: Number(m[5]),
      client: m[1] as string,
    };
    if (m[6] !== undefined && m[6] !== '-') request.userAgent = m[6];
    const time = parseClfTime(m[2] as string);
    return time ? { time, request } : { request };
  }
  const request: RequestInfo = {};
  const status = LOGFMT_STATUS.exec(line);
  if (status) request.status = Number(status[1]);
  const time = parseIsoTime(line.slice(0, 64));
  return time ? { time, request } : { request };
}

type JsonObject = Record<string, unknown>;

/** A field's name, and its parts when it names a nested field (`response.status`): split once, not per body. */
interface FieldName {
  name: string;
  path: readonly string[] | undefined;
}

function fieldNames(names: readonly string[]): readonly FieldName[] {
  return names.map((name) => ({ name, path: name.includes('.') ? name.split('.') : undefined }));
}

// Field names seen in nginx JSON formats, Traefik, Envoy, Caddy, ECS and app loggers; nearest object first.
const TIME_FIELDS = fieldNames([
  'time',
  'timestamp',
  '@timestamp',
  'ts',
  'time_iso8601',
  'time_local',
  'StartUTC',
  'datetime',
]);
const STATUS_FIELDS = fieldNames([
  'status',
  'http_status',
  'status_code',
  'statusCode',
  'DownstreamStatus',
  'response.status',
  'response.status_code',
  'http.response.status_code',
  'response_code',
]);
const METHOD_FIELDS = fieldNames([
  'method',
  'request_method',
  'RequestMethod',
  'http.request.method',
  'request.method',
]);
const PATH_FIELDS = fieldNames([
  'path',
  'uri',
  'request_uri',
  'RequestPath',
  'url',
  'request.uri',
  'request.path',
  'url.path',
]);
const HOST_FIELDS = fieldNames(['host', 'http_host', 'RequestHost', 'server_name', 'request.host']);
const CLIENT_FIELDS = fieldNames([
  'remote_addr',
  'client_ip',
  'ClientHost',
  'client',
  'clientip',
  'remote_ip',
  'client.ip',
]);
const AGENT_FIELDS = fieldNames([
  'http_user_agent',
  'user_agent',
  'userAgent',
  'request_User-Agent',
  'user_agent.original',
]);
const REQUEST_FIELDS = fieldNames(['request']);
const DURATION_FIELDS = fieldNames([
  'request_time',
  'duration',
  'Duration',
  'latency',
  'elapsed',
  'response_time',
]);

/** The first field of `names` (nearest object first) whose value `accept` takes: `url` as an object is no path. */
function field(
  objects: readonly JsonObject[],
  names: readonly FieldName[],
  accept: (value: unknown) => boolean = (v) => typeof v === 'string' || typeof v === 'number',
): { name: string; value: unknown } | undefined {
  for (const obj of objects) {
    for (const { name, path } of names) {
      let value: unknown = obj[name];
      if (value === undefined && path !== undefined) value = dotted(obj, path);
      if (value !== '' && value !== '-' && accept(value)) return { name, value };
    }
  }
  return undefined;
}

function dotted(obj: JsonObject, path: readonly string[]): unknown {
  let cur: unknown = obj;
  for (const part of path) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as JsonObject)[part];
  }
  return cur;
}

/** `0.012`, `"0.012"`, `"12ms"`, `"1.5s"`; Traefik's `Duration` is in nanoseconds. */
function parseDuration(name: string, value: unknown): number | undefined {
  if (typeof value === 'number') return name === 'Duration' ? value / 1e9 : value;
  if (typeof value !== 'string') return undefined;
  const m = /^\s*([\d.]+)\s*(ns|µs|us|ms|s)?\s*$/.exec(value);
  if (!m) return undefined;
  const n = Number(m[1]);
  const scale = { ns: 1e-9, µs: 1e-6, us: 1e-6, ms: 1e-3, s: 1 }[m[2] ?? 's'] ?? 1;
  return Number.isFinite(n) ? n * scale : undefined;
}

/** Context from the JSON objects that enclose a body, nearest first. */
export function jsonContext(objects: readonly JsonObject[]): LineContext {
  const request: RequestInfo = {};
  const str = (names: readonly FieldName[]) =>
    field(objects, names, (v) => typeof v === 'string')?.value as string | undefined;
  const status = parseStatus(field(objects, STATUS_FIELDS)?.value);
  if (status !== undefined) request.status = status;
  let method = str(METHOD_FIELDS);
  let path = str(PATH_FIELDS);
  // nginx's `$request`: "GET /bucket/key HTTP/1.1"
  const requestLine = str(REQUEST_FIELDS);
  if (requestLine && (!method || !path)) {
    const m = /^([A-Z]+) (\S+)/.exec(requestLine);
    method ??= m?.[1];
    path ??= m?.[2];
  }
  if (method) request.method = method;
  if (path) request.path = path;
  const host = str(HOST_FIELDS);
  if (host) request.host = host;
  const client = str(CLIENT_FIELDS);
  if (client) request.client = client;
  const agent = str(AGENT_FIELDS);
  if (agent) request.userAgent = agent;
  const d = field(objects, DURATION_FIELDS);
  const duration = d && parseDuration(d.name, d.value);
  if (duration !== undefined) request.duration = duration;
  const time = parseAnyTime(field(objects, TIME_FIELDS)?.value);
  return time ? { time, request } : { request };
}
