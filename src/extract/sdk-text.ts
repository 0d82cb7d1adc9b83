// Reads object-store errors as SDKs and tools print them in text: one hit per rendering, from each SDK's own template.
import { lookupCode } from '../catalog/index.js';
import { parseBody } from './xml.js';

/** One error as an SDK, a tool or a response header rendered it. */
export interface SdkHit {
  /** `sdk` for an exception or error object, `header` for `x-amz-error-code` / `x-oss-err` response headers. */
  shape: 'sdk' | 'header';
  /** Which SDK, tool or header printed it (a bounded set: the names in this file). */
  sdk: string;
  code: string;
  status?: number | undefined;
  message?: string | undefined;
  requestId?: string | undefined;
  hostId?: string | undefined;
  resource?: string | undefined;
  bucket?: string | undefined;
  key?: string | undefined;
  operation?: string | undefined;
  ec?: string | undefined;
}

// A newline as printed, or as a logfmt/JSON-escaped `\n`, `\t`, with the spaces around it.
const SEP = String.raw`(?:\s|\\[nt])*`;
const NL = String.raw`(?:\r?\n|\\n)`;

// botocore `ClientError.MSG_TEMPLATE`: "An error occurred ({error_code}) when calling the {operation_name} operation{retry_info}: {error_message}".
const BOTOCORE =
  /An error occurred \(([^()\s]{1,64})\) when calling the (\w{1,64}) operation(?: \(reached max retries: \d+\))?(?:: ([^\n]*))?/g;
// S3 and OSS operation names; STS (`AssumeRole`), DynamoDB (`GetItem`)… name none of these.
const STORE_OPERATION = /Object|Bucket|Multipart|Part|Upload/;
// aws-sdk-go v1 `awserr.SprintError` + the S3 request failure's extra: "Code: message\n\tstatus code: 404, request id: X, host id: Y".
const GO_V1 = new RegExp(
  String.raw`([A-Z][A-Za-z0-9.]{1,63}): ([^\n]*?)${NL}(?:\t|\\t|[ ])*status code: (\d{3}), request id: ([\w-]*)(?:, host id: ([^\s"\\,]*))?`,
  'g',
);
// AWS SDK for Java v1 `AmazonServiceException.getMessage` (and AmazonS3Exception's extended id; COS Java adds Status Message).
const JAVA_V1 =
  /\((?:Service: ([^;)]{1,64}); )?Status Code: (\d{3}); (?:Status Message: [^;)]*; )?Error Code: ([^;)]{1,64}); Request ID: ([^;)\s]*)(?:; (?:S3 )?Extended Request ID: ([^;)\s]*))?/g;
// AWS SDK for Java v2 `AwsServiceException`: "NoSuchKeyException: msg (Service: S3, Status Code: 404, Request ID: X, Extended Request ID: Y)".
const JAVA_V2 =
  /([A-Za-z]\w{0,63})Exception: ([^\n]*?) \(Service: (\w[\w ]{0,40}), Status Code: (\d{3}), Request ID: ([^,)\s]*)(?:, Extended Request ID: ([^,)\s]*))?/g;
// aws-sdk-go-v2 smithy `OperationError` around the S3 `ResponseError` and the API error ("api error Code: msg" or "Code: msg").
const GO_V2 =
  /operation error ([\w ]{1,40}): (\w{1,64}), https response error StatusCode: (\d{3}), RequestID: ([^,\s]*), (?:HostID: ([^,\s]*), )?(?:api error )?([A-Za-z][\w.]{0,63}): ([^\n"\\;]*)/g;
// aliyun-oss-go-sdk `ServiceError.Error` (ErrorMessage quoted and `Ec=` in newer releases).
const OSS_GO_V1 =
  /oss: service returned error: StatusCode=(\d{3}), ErrorCode=([^,\s]{1,64}), ErrorMessage=([^\n]*?), RequestId=([\w-]*)(?:, Ec=([\w-]*))?/g;
// alibabacloud-oss-go-sdk-v2 `ServiceError.Error`: one field a line, each ending with a period.
const OSS_GO_V2 = new RegExp(
  String.raw`Http Status Code: (\d{3})\.${SEP}Error Code: ([^.\s\\]{1,64})\.${SEP}Request Id: ([\w-]*)\.(?:${SEP}Message: ([^\n]*?)\.?(?=${NL}|$))?(?:${SEP}EC: ([\w-]*)\.)?(?:${SEP}Timestamp: [^\n]*?\.(?=${NL}|$))?(?:${SEP}Request Endpoint: [A-Z]+ (\S+?)\.?(?=${NL}|\s|$))?`,
  'g',
);
// aliyun-oss-java-sdk `ServiceException.getMessage`: message, then `[ErrorCode]:`, `[RequestId]:`, `[HostId]:` lines.
const OSS_JAVA = new RegExp(
  String.raw`\[ErrorCode\]: ([^\s\\\[]{1,64})(?:${SEP}\[RequestId\]: ([\w-]*))?(?:${SEP}\[HostId\]: ([^\s\\\[]*))?`,
  'g',
);
// oss2 `OssError.__str__`: a Python dict with the status, the request id (newer releases) and the body's details.
const OSS2 = /'status': (\d{3}), (?:'x-oss-request-id': '([^']*)', )?'details': \{([^{}]*)\}/g;
const PY_ITEM = /u?'(\w+)': (?:u?'((?:[^'\\]|\\.)*)'|"((?:[^"\\]|\\.)*)")/g;
// s3cmd `S3Error.__str__` as its error handler prints it.
const S3CMD = /(?:ERROR|WARNING): S3 error: (\d{3}) \(([^()\s]{1,64})\)(?:: ([^\n]*))?/g;
// minio-go `ErrorResponse` printed with %+v.
const MINIO_GO = /\{XMLName:\{Space:[^}]*Local:Error\} ([^\n]*)/g;
// minio-java `ErrorResponse.toString`.
const MINIO_JAVA =
  /ErrorResponse\(code ?= ?([^,\s]{1,64}), message ?= ?([^\n]*?), bucketName ?= ?([^,\s]*), objectName ?= ?([^,\s]*), resource ?= ?([^,\s]*), requestId ?= ?([^,\s]*), hostId ?= ?([^,)\s]*)/g;
// cos-go-sdk-v5 `ErrorResponse.Error`: "GET url: 404 NoSuchKey(Message: msg, RequestId: X, TraceId: Y)".
const COS_GO =
  /\b(?:GET|PUT|HEAD|POST|DELETE) (https?:\/\/[^\s:]+(?::\d+)?\S*): (\d{3}) ([A-Za-z][\w.-]{0,63})\(Message: ([^\n]*?)(?:, RequestId: ([^,)\s]*))?(?:, TraceId: ([^,)\s]*))?\)/g;
// Response headers in HTTP dumps (curl -v, SDK wire logs, header maps in JSON).
const AMZ_CODE = /x-amz-error-code["']?\s*[:=]\s*["']?([A-Za-z][\w.-]{0,63})/gi;
const AMZ_MESSAGE = /x-amz-error-message["']?\s*[:=]\s*["']?([^"'\r\n]*)/i;
const AMZ_REQUEST = /x-(?:amz|oss)-request-id["']?\s*[:=]\s*["']?([\w-]+)/i;
const OSS_ERR = /x-oss-err["']?\s*[:=]\s*["']?([A-Za-z0-9+/]{16,}={0,2})/gi;
const OSS_EC = /x-oss-ec["']?\s*[:=]\s*["']?([\w-]+)/i;
const HTTP_STATUS = /HTTP\/[\d.]+ (\d{3})/;
// The first line of a JavaScript error as util.inspect prints it: `Name: message`, `Error [Name]: message`.
const JS_HEADER = /^(?:Error \[\w+\]|[A-Z]\w{0,63}): ([^\n]*)/;
// util.inspect's property block after the stack: `  code: 'NoSuchKey',` … `}`.
const JS_BLOCK = / \{\n([\s\S]*?)\n\}/;
// A known code followed by its message: the bare `Code: message` of aws-sdk-go, aws-sdk-js and rclone.
const BARE = /(?:^|[\s"'=(]|: )([A-Z][A-Za-z0-9]{2,63}): ([A-Z][^\n]*)/g;
// Object URLs that name bucket and key (Hadoop S3A, aws-cli, rclone).
const STORE_URL = /\b(?:s3a?|s3n|oss|cos|gs):\/\/([a-z0-9][\w.-]{1,62})(?:\/([^\s"'`,;:)\\]+))?/;

// Messages S3 prints under fixed codes: the Java v2 SDK's generic S3Exception carries no code, only these.
const S3_MESSAGES: ReadonlyMap<string, string> = new Map([
  ['Access Denied', 'AccessDenied'],
  ['The specified key does not exist.', 'NoSuchKey'],
  ['The specified bucket does not exist', 'NoSuchBucket'],
  [
    'The specified upload does not exist. The upload ID may be invalid, or the upload may have been aborted or completed.',
    'NoSuchUpload',
  ],
  ['Please reduce your request rate.', 'SlowDown'],
  ['The AWS Access Key Id you provided does not exist in our records.', 'InvalidAccessKeyId'],
  ['We encountered an internal error. Please try again.', 'InternalError'],
  ['At least one of the pre-conditions you specified did not hold', 'PreconditionFailed'],
]);
// A body-less response (HEAD) leaves SDKs only the status; they name the error after it.
const STATUS_CODES: Readonly<Record<number, string>> = {
  301: 'MovedPermanently',
  304: 'NotModified',
  400: 'BadRequest',
  403: 'Forbidden',
  404: 'NotFound',
  412: 'PreconditionFailed',
  416: 'InvalidRange',
  500: 'InternalError',
  503: 'ServiceUnavailable',
};

const STATUS_OF_NAME: ReadonlyMap<string, number> = new Map(
  Object.entries(STATUS_CODES).map(([s, name]) => [name, Number(s)]),
);

const MAX_MESSAGE = 512;

function status(text: string | undefined): number | undefined {
  const n = Number(text);
  return Number.isInteger(n) && n >= 100 && n <= 599 ? n : undefined;
}

/** Quotes, escapes and the trailing punctuation of the frame around a message, not the message's own period. */
function cleanMessage(text: string | undefined): string | undefined {
  if (text === undefined) return undefined;
  let m = text.replace(/\\"/g, '"').trim();
  m = m.replace(/^["']+/, '').replace(/["'\\]+[,}\])]*$/, '');
  m = m.slice(0, MAX_MESSAGE).trim();
  return m === '' ? undefined : m;
}

function empty(text: string | undefined): string | undefined {
  return text === undefined || text === '' || text === 'null' || text === 'undefined' ? undefined : text;
}

/** `404` (botocore's code for a body-less HEAD) or `403 Forbidden` (Hadoop's) → the name SDKs give it. */
function numericCode(code: string): { code: string; status: number } | undefined {
  const m = /^(\d{3})(?: (.*))?$/.exec(code);
  const s = status(m?.[1]);
  if (!m || s === undefined) return undefined;
  const named = m[2] ? m[2].replace(/[^A-Za-z]/g, '') : STATUS_CODES[s];
  return named ? { code: named, status: s } : undefined;
}

/** The message in front of a Java-style `(Service: …)` suffix: what follows the exception class on that line. */
function messageBefore(text: string, at: number): string | undefined {
  const lineStart = Math.max(
    text.lastIndexOf('\n', at - 1),
    text.lastIndexOf('\\n', at - 1) + 1,
    at - 600,
    0,
  );
  const line = text.slice(lineStart, at);
  const cls = /(?:.*[\s:]|^)[\w.$]*(?:Exception|Error): (.*)$/.exec(line);
  return cleanMessage(cls ? cls[1] : line);
}

/** A template's matches, after one `includes` of its fixed words: most records hold none of them. */
function matches(text: string, words: string, template: RegExp): IterableIterator<RegExpExecArray> | [] {
  return text.includes(words) ? text.matchAll(template) : [];
}

function push(out: SdkHit[], hit: SdkHit): void {
  const numeric = numericCode(hit.code);
  if (numeric) {
    hit.code = numeric.code;
    hit.status ??= numeric.status;
  }
  if (!/^[A-Za-z][\w.-]{0,63}$/.test(hit.code)) return;
  hit.status ??= STATUS_OF_NAME.get(hit.code);
  out.push(hit);
}

/**
 * Every SDK- or tool-rendered error in `text`, specific templates first (they name the SDK), the bare
 * `Code: message` form last and only for codes the catalogue knows.
 * @example sdkTextHits("An error occurred (NoSuchKey) when calling the GetObject operation: The specified key does not exist.")
 */
export function sdkTextHits(text: string): SdkHit[] {
  const out: SdkHit[] = [];
  for (const m of matches(text, 'An error occurred (', BOTOCORE)) {
    if (!STORE_OPERATION.test(m[2] as string) && !/^\d{3}$/.test(m[1] as string)) continue;
    push(out, {
      shape: 'sdk',
      sdk: 'botocore',
      code: m[1] as string,
      message: cleanMessage(m[3]),
      operation: m[2],
    });
  }
  for (const m of matches(text, 'operation error ', GO_V2)) {
    if (m[1] !== 'S3') continue;
    push(out, {
      shape: 'sdk',
      sdk: 'aws-sdk-go-v2',
      code: m[6] as string,
      status: status(m[3]),
      requestId: empty(m[4]),
      hostId: empty(m[5]),
      message: cleanMessage(m[7]),
      operation: m[2],
    });
  }
  for (const m of matches(text, 'status code: ', GO_V1)) {
    let code = m[1] as string;
    let message = m[2];
    // "S3: NoSuchKey: msg" — the code is the last `Code:` before the message.
    const inner = message ? /^([A-Z][A-Za-z0-9]{1,63}): (.*)$/.exec(message) : null;
    if (inner && !lookupCode(code)) [code, message] = [inner[1] as string, inner[2]];
    if (m[5] === undefined && !lookupCode(code)) continue;
    push(out, {
      shape: 'sdk',
      sdk: 'aws-sdk-go',
      code,
      status: status(m[3]),
      message: cleanMessage(message),
      requestId: empty(m[4]),
      hostId: empty(m[5]),
    });
  }
  for (const m of matches(text, 'Status Code: ', JAVA_V1)) {
    const service = m[1];
    if (service !== undefined && !/^(?:Amazon S3|S3|OSS|COS)$/i.test(service.trim())) continue;
    const cos = /qcloud|myqcloud|CosServiceException|CosXmlServiceException/.test(text);
    push(out, {
      shape: 'sdk',
      sdk: cos ? 'cos-java-sdk' : 'aws-sdk-java',
      code: (m[3] as string).trim(),
      status: status(m[2]),
      requestId: empty(m[4]),
      hostId: empty(m[5]),
      message: messageBefore(text, m.index),
    });
  }
  for (const m of matches(text, '(Service: ', JAVA_V2)) {
    if (m[3] !== 'S3') continue;
    const s = status(m[4]);
    const message = cleanMessage(m[2]);
    const named = m[1] as string;
    const cls = /(?:^|\.)(\w+)$/.exec(named)?.[1] ?? named;
    const code =
      cls === 'S3' || cls === 'AwsService' || cls === 'SdkService'
        ? (S3_MESSAGES.get(message ?? '') ?? (s === undefined ? undefined : STATUS_CODES[s]))
        : cls;
    if (code === undefined) continue;
    push(out, {
      shape: 'sdk',
      sdk: 'aws-sdk-java-v2',
      code,
      status: s,
      message,
      requestId: empty(m[5]),
      hostId: empty(m[6]),
    });
  }
  for (const m of matches(text, 'oss: service returned error', OSS_GO_V1)) {
    push(out, {
      shape: 'sdk',
      sdk: 'aliyun-oss-go-sdk',
      code: m[2] as string,
      status: status(m[1]),
      message: cleanMessage(m[3]),
      requestId: empty(m[4]),
      ec: empty(m[5]),
    });
  }
  for (const m of matches(text, 'Http Status Code: ', OSS_GO_V2)) {
    push(out, {
      shape: 'sdk',
      sdk: 'alibabacloud-oss-go-sdk-v2',
      code: m[2] as string,
      status: status(m[1]),
      requestId: empty(m[3]),
      message: cleanMessage(m[4]),
      ec: empty(m[5]),
      resource: empty(m[6]),
    });
  }
  for (const m of matches(text, '[ErrorCode]: ', OSS_JAVA)) {
    const code = m[1] as string;
    const before = text.slice(Math.max(0, m.index - 600), m.index);
    if (!/OSS|\.oss\./.test(before) && !lookupCode(code)) continue;
    push(out, {
      shape: 'sdk',
      sdk: 'aliyun-oss-java-sdk',
      code,
      message: messageBefore(text, m.index - (before.length - before.replace(/(?:\s|\\[nt])*$/, '').length)),
      requestId: empty(m[2]),
      hostId: empty(m[3]),
    });
  }
  for (const m of matches(text, "'details': ", OSS2)) {
    const details = new Map<string, string>();
    for (const item of (m[3] as string).matchAll(PY_ITEM))
      details.set(item[1] as string, item[2] ?? item[3] ?? '');
    const code = details.get('Code');
    if (!code) continue;
    push(out, {
      shape: 'sdk',
      sdk: 'oss2',
      code,
      status: status(m[1]),
      message: cleanMessage(details.get('Message')),
      requestId: empty(m[2]) ?? empty(details.get('RequestId')),
      hostId: empty(details.get('HostId')),
      bucket: empty(details.get('BucketName')),
      key: empty(details.get('Key')),
      ec: empty(details.get('EC')),
    });
  }
  for (const m of matches(text, 'S3 error: ', S3CMD)) {
    push(out, {
      shape: 'sdk',
      sdk: 's3cmd',
      code: m[2] as string,
      status: status(m[1]),
      message: cleanMessage(m[3]),
    });
  }
  for (const m of matches(text, 'Local:Error}', MINIO_GO)) {
    const body = m[1] as string;
    const field = (name: string) => new RegExp(`(?:^| )${name}:(\\S*)`).exec(body)?.[1];
    const code = field('Code');
    if (!code) continue;
    push(out, {
      shape: 'sdk',
      sdk: 'minio-go',
      code,
      status: status(field('StatusCode')),
      message: cleanMessage(
        /(?:^| )Message:(.*?) (?:BucketName|Key|Resource|RequestID|HostID|Region|Server|StatusCode):/.exec(
          body,
        )?.[1],
      ),
      requestId: empty(field('RequestID')),
      hostId: empty(field('HostID')),
      resource: empty(field('Resource')),
      bucket: empty(field('BucketName')),
      key: empty(field('Key')),
    });
  }
  for (const m of matches(text, 'ErrorResponse(', MINIO_JAVA)) {
    push(out, {
      shape: 'sdk',
      sdk: 'minio-java',
      code: m[1] as string,
      message: cleanMessage(m[2]),
      bucket: empty(m[3]),
      key: empty(m[4]),
      resource: empty(m[5]),
      requestId: empty(m[6]),
      hostId: empty(m[7]),
    });
  }
  for (const m of matches(text, '(Message: ', COS_GO)) {
    const url = m[1] as string;
    if (!/myqcloud|\.cos\./.test(url) && !lookupCode(m[3] as string)) continue;
    push(out, {
      shape: 'sdk',
      sdk: 'cos-go-sdk-v5',
      code: m[3] as string,
      status: status(m[2]),
      message: cleanMessage(m[4]),
      requestId: empty(m[5]),
      resource: url,
    });
  }
  if (text.includes('x-')) headerHits(text, out);
  if (text.includes(' {\n')) jsHits(text, out);
  for (const m of matches(text, ': ', BARE)) {
    const code = m[1] as string;
    if (!lookupCode(code)) continue;
    push(out, { shape: 'sdk', sdk: 'unknown', code, message: cleanMessage(m[2]) });
  }
  const url = out.length > 0 ? STORE_URL.exec(text) : null;
  if (url) {
    for (const hit of out) {
      hit.bucket ??= url[1];
      hit.key ??= url[2];
    }
  }
  return out;
}

function headerHits(text: string, out: SdkHit[]): void {
  const request = AMZ_REQUEST.exec(text)?.[1];
  const httpStatus = status(HTTP_STATUS.exec(text)?.[1]);
  for (const m of text.matchAll(AMZ_CODE)) {
    push(out, {
      shape: 'header',
      sdk: 'x-amz-error-code',
      code: m[1] as string,
      status: httpStatus,
      message: cleanMessage(AMZ_MESSAGE.exec(text)?.[1]),
      requestId: request,
    });
  }
  for (const m of text.matchAll(OSS_ERR)) {
    const xml = Buffer.from(m[1] as string, 'base64').toString('utf8');
    const start = xml.indexOf('<Error');
    const parsed = start >= 0 ? parseBody(xml.slice(start).trim()) : undefined;
    if (!parsed?.ok) continue;
    const get = (name: string) => {
      const v = parsed.elements.get(name);
      return typeof v === 'string' && v !== '' ? v : undefined;
    };
    const code = get('Code');
    if (!code) continue;
    push(out, {
      shape: 'header',
      sdk: 'x-oss-err',
      code,
      status: httpStatus,
      message: cleanMessage(get('Message')),
      requestId: get('RequestId') ?? request,
      hostId: get('HostId'),
      ec: get('EC') ?? OSS_EC.exec(text)?.[1],
    });
  }
}

/**
 * A JavaScript error as util.inspect / console.error print it: a `Name: message` line, the stack, then its
 * properties between ` {` and `}`. The properties carry the code, the status and the request id; the name
 * line alone (String(err)) carries none of them reliably and is not an error on its own.
 */
function jsHits(text: string, out: SdkHit[]): void {
  const block = JS_BLOCK.exec(text)?.[1];
  if (block === undefined) return;
  const prop = (names: string) =>
    new RegExp(`^\\s+'?(?:${names})'?: '?([^',\\n]*)'?,?$`, 'm').exec(block)?.[1];
  const sdk = block.includes("'$metadata'")
    ? 'aws-sdk-js-v3'
    : /^\s+retryable: /m.test(block)
      ? 'aws-sdk-js'
      : /^\s+(?:params|ecCode): /m.test(block)
        ? 'ali-oss'
        : /^\s+amzRequestid: /m.test(block)
          ? 'minio-js'
          : undefined;
  const s = status(prop('statusCode|httpStatusCode|status'));
  const requestId = empty(prop('requestId|RequestId|requestid|amzRequestid'));
  let code = empty(prop('code|Code'));
  if (code === undefined && sdk === 'aws-sdk-js-v3' && s !== undefined) code = STATUS_CODES[s];
  if (sdk === undefined || code === undefined || code.endsWith('Exception')) return;
  if (s === undefined && requestId === undefined) return;
  push(out, {
    shape: 'sdk',
    sdk,
    code,
    status: s,
    message: cleanMessage(JS_HEADER.exec(text)?.[1]),
    requestId,
    hostId: empty(prop('hostId|HostId|hostid|extendedRequestId|amzId2')),
    bucket: empty(prop('BucketName|bucket|bucketname')),
    key: empty(prop('Key|key|object')),
    ec: empty(prop('ecCode|ec|EC')),
  });
}
