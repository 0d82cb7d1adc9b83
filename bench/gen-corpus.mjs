#!/usr/bin/env node
// Deterministic corpora for the log shapes the nginx peer corpus lacks: JSON access logs, Docker json-file,
// Kubernetes CRI (with partial records), multi-line SDK output with XML bodies, and application logs where
// the errors are SDK-rendered (exceptions, logfmt, Python dicts). Writes <out> and <out>.truth.json.
//
// Usage: node bench/gen-corpus.mjs --shape json|docker|cri|multiline|sdk --out FILE --lines N [--seed 42] [--error-fraction 0.02]
import fs from 'node:fs';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    shape: { type: 'string' },
    out: { type: 'string' },
    lines: { type: 'string', default: '1000000' },
    seed: { type: 'string', default: '42' },
    'error-fraction': { type: 'string', default: '0.02' },
  },
});
const SHAPES = ['json', 'docker', 'cri', 'multiline', 'sdk'];
if (!SHAPES.includes(values.shape) || !values.out) {
  console.error(`usage: gen-corpus.mjs --shape ${SHAPES.join('|')} --out FILE --lines N`);
  process.exit(2);
}
const lines = Number(values.lines);
const errorFraction = Number(values['error-fraction']);

// mulberry32: small, fast, deterministic
let state = Number(values.seed) >>> 0;
const rand = () => {
  state = (state + 0x6d2b79f5) >>> 0;
  let t = state;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
};
const pick = (a) => a[Math.floor(rand() * a.length)];
const hex = (n) => Array.from({ length: n }, () => '0123456789ABCDEF'[Math.floor(rand() * 16)]).join('');

const ERRORS = [
  ['NoSuchKey', 404, 'The specified key does not exist.'],
  ['AccessDenied', 403, 'You have no right to access this object because of bucket acl.'],
  [
    'SignatureDoesNotMatch',
    403,
    'The request signature we calculated does not match the signature you provided.',
  ],
  ['SlowDown', 503, 'Please reduce your request rate.'],
  ['InternalError', 500, 'We encountered an internal error. Please try again.'],
  ['NoSuchBucket', 404, 'The specified bucket does not exist.'],
  ['InvalidArgument', 400, 'Invalid Argument'],
];
const BUCKETS = ['media-prod', 'user-uploads', 'backup-eu-1', 'static-assets', 'ml-datasets'];
const UAS = [
  'aws-sdk-go/1.44.122',
  'aliyun-sdk-java/3.17.1',
  'Boto3/1.28.3',
  'curl/7.88.1',
  'rclone/v1.64.0',
];

const truth = {
  generator: 'bench/gen-corpus.mjs',
  shape: values.shape,
  lines,
  errorLines: 0,
  byCodeStatus: {},
};
let t = Date.UTC(2026, 10, 24, 0, 0, 0);
const out = fs.openSync(values.out, 'w');
let buf = '';
let written = 0;
const emit = (line) => {
  buf += `${line}\n`;
  written++;
  if (buf.length > 1 << 20) {
    fs.writeSync(out, buf);
    buf = '';
  }
};

function body(code, message, bucket, key, pretty) {
  const nl = pretty ? '\n  ' : '';
  return (
    `<?xml version="1.0" encoding="UTF-8"?>\n<Error>${nl}<Code>${code}</Code>${nl}<Message>${message}</Message>${nl}` +
    `<Resource>/${bucket}/${key}</Resource>${nl}<RequestId>${hex(24)}</RequestId>${nl}<HostId>${bucket}.oss.example.com</HostId>${pretty ? '\n' : ''}</Error>`
  );
}

// Go's encoding/json (Docker's json-file) also escapes <, > and &.
const goJson = (value) =>
  JSON.stringify(value).replace(/[<>&]/g, (c) => `\\u00${c.charCodeAt(0).toString(16).padStart(2, '0')}`);

/** One error as an SDK or tool prints it (one line, or two for aws-sdk-go v1). */
function sdkError(iso, code, status, message, bucket, key) {
  const id = hex(24);
  switch (Math.floor(rand() * 7)) {
    case 0:
      // botocore prints no status: SlowDown would take the catalogue's, so another template carries it.
      if (code !== 'SlowDown') {
        return [
          `${iso} ERROR botocore.exceptions.ClientError: An error occurred (${code}) when calling the GetObject operation: ${message}`,
        ];
      }
      return [`ERROR: S3 error: ${status} (${code}): ${message}`];
    case 1:
      return [
        `${iso.slice(0, 19).replace('T', ' ').replace(/-/g, '/')} get s3://${bucket}/${key}: ${code}: ${message}`,
        `\tstatus code: ${status}, request id: ${id}, host id: ${hex(12)}`,
      ];
    case 2:
      return [
        `${iso} ERROR [pool-1] c.e.Store - com.amazonaws.services.s3.model.AmazonS3Exception: ${message} (Service: Amazon S3; Status Code: ${status}; Error Code: ${code}; Request ID: ${id}; S3 Extended Request ID: ${hex(20)})`,
      ];
    case 3:
      return [
        `time="${iso}" level=error msg="get failed" err="operation error S3: GetObject, https response error StatusCode: ${status}, RequestID: ${id}, HostID: ${hex(12)}, api error ${code}: ${message}"`,
      ];
    case 4:
      return [
        `time="${iso}" level=error msg="oss: service returned error: StatusCode=${status}, ErrorCode=${code}, ErrorMessage=\\"${message}\\", RequestId=${id}"`,
      ];
    case 5:
      return [
        `${iso} ERROR oss2.exceptions.ServerError: {'status': ${status}, 'x-oss-request-id': '${id}', 'details': {'Code': '${code}', 'Message': '${message}', 'RequestId': '${id}'}}`,
      ];
    default:
      return [`ERROR: S3 error: ${status} (${code}): ${message}`];
  }
}

while (written < lines) {
  t += Math.floor(rand() * 3);
  const iso = new Date(t).toISOString();
  const bucket = pick(BUCKETS);
  const key = `images/${hex(8).toLowerCase()}.jpg`;
  const isError = rand() < errorFraction;
  const [code, status, message] = isError ? pick(ERRORS) : [null, pick([200, 200, 200, 206, 304]), null];
  if (isError) {
    truth.errorLines++;
    truth.byCodeStatus[`${code}|${status}`] = (truth.byCodeStatus[`${code}|${status}`] ?? 0) + 1;
  }
  const access = {
    time: iso,
    remote_addr: `10.0.${Math.floor(rand() * 255)}.${Math.floor(rand() * 255)}`,
    request: `GET /${bucket}/${key} HTTP/1.1`,
    status,
    body_bytes_sent: Math.floor(rand() * 100000),
    request_time: Number((rand() / 10).toFixed(3)),
    http_user_agent: pick(UAS),
  };
  if (values.shape === 'sdk') {
    if (isError) {
      for (const l of sdkError(iso, code, status, message, bucket, key)) emit(l);
      continue;
    }
    // Quiet application lines; one in ten carries a marker (a request id, the word error) and no error.
    const r = rand();
    if (r < 0.05) emit(`${iso} INFO  [worker] put s3://${bucket}/${key} ok, request id ${hex(16)}`);
    else if (r < 0.1) emit(`time="${iso}" level=info msg="retry budget: 0 errors in the last minute"`);
    else
      emit(
        `${iso} INFO  [worker] put s3://${bucket}/${key} ${access.body_bytes_sent} bytes in ${access.request_time}s`,
      );
    continue;
  }
  if (values.shape === 'multiline') {
    if (!isError) {
      emit(`${iso} INFO  [gateway] ${access.request} -> ${status} in ${access.request_time}s`);
      continue;
    }
    emit(`${iso} ERROR [oss-client] request failed: ${access.request} status=${status}`);
    for (const l of body(code, message, bucket, key, true).split('\n')) emit(l);
    continue;
  }
  if (isError) access.resp_body = body(code, message, bucket, key, false);
  const json = JSON.stringify(access);
  if (values.shape === 'json') emit(json);
  else if (values.shape === 'docker') emit(goJson({ log: `${json}\n`, stream: 'stdout', time: iso }));
  else {
    // CRI: a tenth of the error lines arrive split into a partial (P) and a final (F) record.
    if (isError && rand() < 0.1) {
      const cut = Math.floor(json.length / 2);
      emit(`${iso} stdout P ${json.slice(0, cut)}`);
      emit(`${iso} stdout F ${json.slice(cut)}`);
    } else emit(`${iso} stdout F ${json}`);
  }
}
fs.writeSync(out, buf);
fs.closeSync(out);
truth.lines = written;
truth.bytes = fs.statSync(values.out).size;
fs.writeFileSync(`${values.out}.truth.json`, `${JSON.stringify(truth, null, 2)}\n`);
console.log(
  JSON.stringify({ shape: values.shape, lines: written, errorLines: truth.errorLines, bytes: truth.bytes }),
);
