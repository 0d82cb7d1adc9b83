// The shared record and event types: what framing hands to extraction, and what extraction hands to sinks.
import type { Category, StatusClass } from '../catalog/index.js';

/** One logical log record after framing: a line, a joined partial, or an assembled multi-line body. */
export interface LogRecord {
  /** The record's text, container wrapping already removed. */
  text: string;
  /** File name, or `stdin`. */
  source: string;
  /** 1-based physical line where the record started. */
  line: number;
  /** Time given by the container runtime (CRI or Docker json-file), when the record came wrapped. */
  runtimeTime?: string | undefined;
  /** The line before a multi-line body (an SDK's header line), for its timestamp. */
  header?: string | undefined;
}

/** What the access-log line around a body says about the request. */
export interface RequestInfo {
  method?: string;
  path?: string;
  status?: number;
  host?: string;
  client?: string;
  userAgent?: string;
  /** Seconds. */
  duration?: number;
}

/** One OSS error: the JSON event written per error and counted by the metrics. */
export interface OssErrorEvent {
  code: string;
  status: number | null;
  message: string;
  resource: string | null;
  requestId: string | null;
  bucket: string | null;
  key: string | null;
  class: StatusClass;
  category: Category;
  known: boolean;
  description: string | null;
  details: Record<string, unknown>;
  time: string;
  source: string;
  line: number;
  request: RequestInfo | null;
  /** Set when the body was cut short and only its Code could be salvaged. */
  truncated?: true;
  /**
   * Where the error was read, when not from an XML body (events from bodies have no `shape`, as before):
   * `sdk` for an SDK's or tool's rendering (an exception, an error object), `header` for response headers.
   */
  shape?: 'sdk' | 'header';
  /** Which SDK, tool or header printed it, e.g. `botocore`, `aws-sdk-java`, `ali-oss`, `x-amz-error-code`. */
  sdk?: string;
}

/** Why a body could not be read. A bounded set: it is a metric label. `internal` is an extractor bug. */
export const FAILURE_REASONS = ['truncated', 'malformed', 'dtd', 'no-code', 'too-large', 'internal'] as const;
export type FailureReason = (typeof FAILURE_REASONS)[number];

export interface BodyFailure {
  reason: FailureReason;
  source: string;
  line: number;
}

/** Extraction's answer for one record: the events found and the bodies that could not be read. */
export interface Extraction {
  events: OssErrorEvent[];
  failures: BodyFailure[];
}
