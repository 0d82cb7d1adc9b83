// Reads object-store errors that JSON logs carry as objects: JSON.stringify'd or serialized SDK errors, header maps.
import { type SdkHit, sdkTextHits } from './sdk-text.js';

type JsonObject = Record<string, unknown>;

function str(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

function num(value: unknown): number | undefined {
  const n = typeof value === 'number' ? value : typeof value === 'string' ? Number(value) : Number.NaN;
  return Number.isInteger(n) && n >= 100 && n <= 599 ? n : undefined;
}

function obj(value: unknown): JsonObject | undefined {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
    ? (value as JsonObject)
    : undefined;
}

// Other AWS services' modeled errors end in Exception (ResourceNotFoundException); S3's and OSS's never do.
const CODE = /^[A-Za-z][\w.-]{0,63}$/;
function storeCode(code: string | undefined): string | undefined {
  return code !== undefined && CODE.test(code) && !code.endsWith('Exception') ? code : undefined;
}

/**
 * The error an object describes, when it has the shape of an SDK error (aws-sdk-js v2/v3, ali-oss, minio-js,
 * as JSON.stringify or a logger's serializer writes them) or of a response-header map.
 */
export function sdkObjectHit(o: JsonObject): SdkHit | undefined {
  const meta = obj(o.$metadata);
  if (meta) {
    const status = num(meta.httpStatusCode);
    const code =
      storeCode(str(o.Code) ?? str(o.code) ?? str(o.name) ?? str(o.type)) ??
      (status === 404 ? 'NotFound' : status === 403 ? 'Forbidden' : undefined);
    if (code === undefined || code === 'Error') return undefined;
    return {
      shape: 'sdk',
      sdk: 'aws-sdk-js-v3',
      code,
      status,
      message: str(o.message) ?? str(o.Message),
      requestId: str(meta.requestId) ?? str(o.RequestId),
      hostId: str(meta.extendedRequestId) ?? str(o.HostId),
      bucket: str(o.BucketName),
      key: str(o.Key),
    };
  }
  const code = storeCode(str(o.code));
  const name = str(o.name);
  if (code !== undefined && 'statusCode' in o && ('retryable' in o || 'requestId' in o)) {
    return {
      shape: 'sdk',
      sdk: 'aws-sdk-js',
      code,
      status: num(o.statusCode),
      message: str(o.message),
      requestId: str(o.requestId),
      hostId: str(o.extendedRequestId),
    };
  }
  if (code !== undefined && name?.endsWith('Error') && 'status' in o && 'requestId' in o) {
    const params = obj(o.params);
    return {
      shape: 'sdk',
      sdk: 'ali-oss',
      code,
      status: num(o.status),
      message: str(o.message),
      requestId: str(o.requestId),
      hostId: str(o.hostId),
      bucket: str(params?.bucket),
      key: str(params?.object),
      ec: str(o.ecCode),
    };
  }
  if (code !== undefined && name === 'S3Error') {
    return {
      shape: 'sdk',
      sdk: 'minio-js',
      code,
      status: code === 'NotFound' ? 404 : code === 'Forbidden' ? 403 : undefined,
      message: str(o.message),
      requestId: str(o.requestid) ?? str(o.amzRequestid),
      hostId: str(o.hostid) ?? str(o.amzId2),
      bucket: str(o.bucketname),
      key: str(o.key),
      ec: str(o.ec),
    };
  }
  return headerMapHit(o);
}

/** `{"x-amz-error-code": …, "x-amz-request-id": …}` or `{"x-oss-err": …}`: read as the header lines they are. */
function headerMapHit(o: JsonObject): SdkHit | undefined {
  let lines = '';
  for (const [name, value] of Object.entries(o)) {
    // Not lowercased unless it starts with x or X: this runs on every object of every JSON candidate line.
    if ((name.charCodeAt(0) | 32) !== 120) continue;
    const lower = name.toLowerCase();
    if (lower.startsWith('x-amz-') || lower.startsWith('x-oss-')) lines += `${lower}: ${String(value)}\n`;
  }
  if (!lines.includes('-err')) return undefined;
  const status = num(o.status ?? o.statusCode);
  const hit = sdkTextHits(lines).find((h) => h.shape === 'header');
  if (hit) hit.status ??= status;
  return hit;
}
