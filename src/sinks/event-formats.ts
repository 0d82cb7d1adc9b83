// Maps an error event onto the field names shippers expect: Elastic Common Schema or the OpenTelemetry log model.
import { isIP } from 'node:net';
import type { EventFormat } from '../config.js';
import type { OssErrorEvent } from '../extract/types.js';

/** The ECS version whose field set `toEcs` follows. */
export const ECS_VERSION = '8.11.0';

/**
 * OpenTelemetry semantic-convention attribute names, copied so the runtime needs no extra package; a test
 * checks each against `@opentelemetry/semantic-conventions`.
 */
export const OTEL = {
  httpResponseStatusCode: 'http.response.status_code',
  httpRequestMethod: 'http.request.method',
  urlPath: 'url.path',
  urlQuery: 'url.query',
  userAgentOriginal: 'user_agent.original',
  clientAddress: 'client.address',
  serverAddress: 'server.address',
  errorType: 'error.type',
  errorMessage: 'error.message',
  awsRequestId: 'aws.request_id',
  awsS3Bucket: 'aws.s3.bucket',
  awsS3Key: 'aws.s3.key',
  cloudProvider: 'cloud.provider',
  logFilePath: 'log.file.path',
} as const;

/** Provider by the host names that appear in the event; the values are the semantic conventions' `cloud.provider`. */
const PROVIDER_HOSTS: readonly [RegExp, string][] = [
  [/\.amazonaws\.com(?:\.cn)?$/i, 'aws'],
  [/\.aliyuncs\.com$/i, 'alibaba_cloud'],
  [/\.myqcloud\.com$/i, 'tencent_cloud'],
  [/(?:^|\.)storage\.googleapis\.com$/i, 'gcp'],
];

/**
 * The cloud an error came from, when a host in the event names it (the request's Host, or the body's HostId or
 * Endpoint); undefined for self-hosted stores and unnamed hosts, rather than a guess.
 */
export function cloudProvider(event: OssErrorEvent): string | undefined {
  const hosts = [event.request?.host, event.details.HostId, event.details.Endpoint];
  for (const host of hosts) {
    if (typeof host !== 'string') continue;
    const name = host.replace(/:\d+$/, '');
    for (const [pattern, provider] of PROVIDER_HOSTS) if (pattern.test(name)) return provider;
  }
  return undefined;
}

/** OpenTelemetry severity by status class: a server error is an ERROR, a client error a WARN, a redirect INFO. */
function severity(event: OssErrorEvent): { text: 'ERROR' | 'WARN' | 'INFO'; number: 17 | 13 | 9 } {
  if (event.class === '4xx') return { text: 'WARN', number: 13 };
  if (event.class === '3xx') return { text: 'INFO', number: 9 };
  return { text: 'ERROR', number: 17 };
}

/** The request path without its query string, and the query string alone (both already redacted). */
function splitPath(path: string | undefined): { path?: string; query?: string } {
  if (path === undefined) return {};
  const at = path.indexOf('?');
  return at < 0 ? { path } : { path: path.slice(0, at), query: path.slice(at + 1) };
}

// ECS and OpenTelemetry leave absent fields out rather than null. The serialiser (pino, like JSON.stringify)
// drops keys whose value is undefined, so a null becomes undefined and no per-event copy is made to filter.

/** A one-line summary shared by ECS `message` and OpenTelemetry `Body`. */
function summary(event: OssErrorEvent): string {
  return event.message === '' ? event.code : `${event.code}: ${event.message}`;
}

const hasDetails = (event: OssErrorEvent) => {
  for (const _ in event.details) return true;
  return false;
};

/**
 * The event in Elastic Common Schema: nested objects as Elasticsearch maps them, `@timestamp` first.
 *
 * @example
 * toEcs(event).error // { code: 'NoSuchKey', message: 'The specified key does not exist.' }
 */
export function toEcs(event: OssErrorEvent): Record<string, unknown> {
  const request = event.request ?? {};
  const url = splitPath(request.path);
  const status = event.status ?? request.status;
  const provider = cloudProvider(event);
  return {
    '@timestamp': event.time,
    message: summary(event),
    ecs: { version: ECS_VERSION },
    log: { level: severity(event).text.toLowerCase(), file: { path: event.source } },
    event: {
      kind: 'event',
      category: ['web'],
      type: ['error'],
      outcome: 'failure',
      dataset: 'oss_error_exporter.errors',
      duration: request.duration === undefined ? undefined : Math.round(request.duration * 1e9),
    },
    error: { code: event.code, message: event.message },
    http:
      request.method === undefined && status === undefined
        ? undefined
        : {
            request: request.method === undefined ? undefined : { method: request.method },
            response: status === undefined ? undefined : { status_code: status },
          },
    url:
      url.path === undefined && request.host === undefined
        ? undefined
        : { path: url.path, query: url.query, domain: request.host },
    user_agent: request.userAgent === undefined ? undefined : { original: request.userAgent },
    // client.ip is an `ip` field in Elasticsearch: a value that is not an address would fail the whole document.
    client:
      request.client === undefined
        ? undefined
        : { address: request.client, ip: isIP(request.client) ? request.client : undefined },
    cloud: provider === undefined ? undefined : { provider },
    oss: {
      request_id: event.requestId ?? undefined,
      bucket: event.bucket ?? undefined,
      key: event.key ?? undefined,
      resource: event.resource ?? undefined,
      class: event.class,
      category: event.category,
      known: event.known,
      description: event.description ?? undefined,
      details: hasDetails(event) ? event.details : undefined,
      line: event.line,
      truncated: event.truncated,
    },
  };
}

/**
 * The event in the OpenTelemetry log data model: `Timestamp` in nanoseconds since the epoch (a string, as
 * OTLP/JSON writes 64-bit integers), severity, `Body`, and semantic-convention `Attributes`.
 */
export function toOtel(event: OssErrorEvent): Record<string, unknown> {
  const request = event.request ?? {};
  const url = splitPath(request.path);
  const { text, number } = severity(event);
  const millis = Date.parse(event.time);
  return {
    Timestamp: Number.isNaN(millis) ? undefined : `${BigInt(millis) * 1_000_000n}`,
    SeverityText: text,
    SeverityNumber: number,
    Body: summary(event),
    Attributes: {
      [OTEL.errorType]: event.code,
      [OTEL.errorMessage]: event.message === '' ? undefined : event.message,
      [OTEL.httpResponseStatusCode]: event.status ?? request.status,
      [OTEL.httpRequestMethod]: request.method,
      [OTEL.urlPath]: url.path,
      [OTEL.urlQuery]: url.query,
      [OTEL.serverAddress]: request.host,
      [OTEL.clientAddress]: request.client,
      [OTEL.userAgentOriginal]: request.userAgent,
      [OTEL.awsRequestId]: event.requestId ?? undefined,
      [OTEL.awsS3Bucket]: event.bucket ?? undefined,
      [OTEL.awsS3Key]: event.key ?? undefined,
      [OTEL.cloudProvider]: cloudProvider(event),
      [OTEL.logFilePath]: event.source,
      'oss.resource': event.resource ?? undefined,
      'oss.class': event.class,
      'oss.category': event.category,
      'oss.known': event.known,
      'oss.description': event.description ?? undefined,
      'oss.details': hasDetails(event) ? event.details : undefined,
      'oss.line': event.line,
      'oss.truncated': event.truncated,
      'oss.request.duration': request.duration,
    },
  };
}

/** The mapping for a format; undefined for `native`, the project's own event, written as it is. */
export function eventMapper(
  format: EventFormat,
): ((event: OssErrorEvent) => Record<string, unknown>) | undefined {
  if (format === 'ecs') return toEcs;
  if (format === 'otel') return toOtel;
  return undefined;
}
