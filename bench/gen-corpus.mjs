#!/usr/bin/env node
// Deterministic corpora for the log shapes the nginx peer corpus lacks: JSON access logs, Docker json-file,
// Kubernetes CRI (with partial records) and multi-line SDK output. Writes <out> and <out>.truth.json.
//
// Usage: node bench/gen-corpus.mjs --shape json|docker|cri|multiline --out FILE --lines N [--seed 42] [--error-fraction 0.02]
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
const SHAPES = ['json', 'docker', 'cri', 'multiline'];
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
