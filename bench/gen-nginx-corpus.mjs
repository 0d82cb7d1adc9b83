#!/usr/bin/env node
// gen-nginx-corpus.mjs — deterministic synthetic nginx "combined" access log with
// object-storage XML error bodies appended to a fraction of lines.
// No dependencies. Node >= 18.
//
// Usage:
//   node gen-nginx-corpus.mjs --out /tmp/oss-1m.log --lines 1000000 \
//        [--error-fraction 0.02] [--seed 42] [--escape mixed|nginx|json]   (defaults shown first)
//
// Line shape (nginx combined + one extra quoted field holding the error body):
//   $remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent
//   "$http_referer" "$http_user_agent" "$oss_error_body"
// Non-error lines carry "-" in the last field. Some non-error lines are 4xx/5xx
// WITHOUT a body (e.g. nginx-level 401/413/499/502) so that a detector keyed on
// status alone over-counts; only lines with an XML body count as OSS errors.
//
// --escape nginx : body escaped like nginx `escape=default` (" -> \x22, \ -> \x5C,
//                  bytes < 0x20 or >= 0x7F -> \xHH; so the XML's \n -> \x0A)
// --escape json  : body escaped like nginx `escape=json` (\" \\ \n \t \uXXXX)
// --escape mixed : (default) per error line, coin flip between the two forms
//
// The true counts are printed to stdout as JSON and also written to <out>.truth.json.

import fs from 'node:fs';

// ---------- args ----------
function parseArgs(argv) {
  const a = { out: null, lines: 1000000, errorFraction: 0.02, seed: 42, escape: 'mixed' };
  for (let i = 2; i < argv.length; i++) {
    const k = argv[i];
    const v = argv[i + 1];
    switch (k) {
      case '--out':
        a.out = v;
        i++;
        break;
      case '--lines':
        a.lines = Number(v);
        i++;
        break;
      case '--error-fraction':
        a.errorFraction = Number(v);
        i++;
        break;
      case '--seed':
        a.seed = Number(v) >>> 0;
        i++;
        break;
      case '--escape':
        a.escape = v;
        i++;
        break;
      case '-h':
      case '--help':
        console.error(
          'usage: node gen-nginx-corpus.mjs --out PATH --lines N [--error-fraction 0.02] [--seed 42] [--escape mixed|nginx|json]',
        );
        process.exit(0);
        break;
      default:
        console.error(`unknown argument: ${k}`);
        process.exit(2);
    }
  }
  if (!a.out) {
    console.error('--out PATH is required');
    process.exit(2);
  }
  if (!Number.isInteger(a.lines) || a.lines < 0) {
    console.error('--lines must be a non-negative integer');
    process.exit(2);
  }
  if (!(a.errorFraction >= 0 && a.errorFraction <= 1)) {
    console.error('--error-fraction must be in [0,1]');
    process.exit(2);
  }
  if (!['nginx', 'json', 'mixed'].includes(a.escape)) {
    console.error('--escape must be nginx|json|mixed');
    process.exit(2);
  }
  return a;
}
const args = parseArgs(process.argv);

// ---------- seeded PRNG: splitmix32 seeding + sfc32 ----------
function splitmix32(seed) {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x9e3779b9) >>> 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    return (z ^ (z >>> 16)) >>> 0;
  };
}
function sfc32(seed) {
  const sm = splitmix32(seed);
  let a = sm(),
    b = sm(),
    c = sm(),
    d = 1;
  const next = () => {
    const t = (((a + b) >>> 0) + d) >>> 0;
    d = (d + 1) >>> 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) >>> 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) >>> 0;
    return t;
  };
  for (let i = 0; i < 16; i++) next();
  return next;
}
const rnd32 = sfc32(args.seed);
const rand = () => rnd32() / 4294967296; // [0,1)
const randInt = (n) => Math.floor(rand() * n); // [0,n)
const pick = (arr) => arr[randInt(arr.length)];
function weighted(table) {
  // table: [[item, weight], ...] with precomputed total
  let r = rand() * table.total;
  for (const [item, w] of table) {
    r -= w;
    if (r < 0) return item;
  }
  return table[table.length - 1][0];
}
function mkWeighted(pairs) {
  const t = pairs.slice();
  t.total = pairs.reduce((s, [, w]) => s + w, 0);
  return t;
}
const HEX = '0123456789ABCDEF';
const hex = (n) => {
  let s = '';
  for (let i = 0; i < n; i++) s += HEX[rnd32() & 15];
  return s;
};
const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const b64 = (n) => {
  let s = '';
  for (let i = 0; i < n; i++) s += B64[rnd32() & 63];
  return s;
};
const alnum = 'abcdefghijklmnopqrstuvwxyz0123456789';
const word = (n) => {
  let s = '';
  for (let i = 0; i < n; i++) s += alnum[randInt(36)];
  return s;
};
const pad2 = (n) => (n < 10 ? '0' : '') + n;

// ---------- vocabulary ----------
// [code, status, weight]; statuses as given in the brief (note: S3 itself returns 503 for SlowDown).
const ERROR_CODES = [
  ['NoSuchKey', 404, 40],
  ['NoSuchBucket', 404, 5],
  ['AccessDenied', 403, 15],
  ['SignatureDoesNotMatch', 403, 10],
  ['SlowDown', 400, 8],
  ['InternalError', 500, 5],
  ['ServiceUnavailable', 503, 7],
  ['InvalidArgument', 400, 10],
];
const CODE_TABLE = mkWeighted(ERROR_CODES.map(([c, s, w]) => [[c, s], w]));
const MESSAGES = {
  NoSuchKey: ['The specified key does not exist.'],
  NoSuchBucket: ['The specified bucket does not exist.'],
  AccessDenied: [
    'Access Denied',
    'You have no right to access this object because of bucket acl.',
    'AccessDenied by bucket policy.',
  ],
  SignatureDoesNotMatch: [
    'The request signature we calculated does not match the signature you provided. Check your key and signing method.',
  ],
  SlowDown: [
    'Please reduce your request rate.',
    'Please reduce your request rate. Request rate exceeds the limit of this bucket & prefix.',
  ],
  InternalError: ['We encountered an internal error. Please try again.'],
  ServiceUnavailable: ['Service is unable to handle request.', 'Please reduce your request rate.'],
  InvalidArgument: [
    'Invalid Argument',
    'Argument partNumber must be an integer between 1 and 10000.',
    "x-amz-storage-class header value 'GLACIERX' is invalid",
  ],
};
const BUCKETS = [
  'media-prod',
  'user-uploads',
  'backup-eu-1',
  'static-assets',
  'logs-archive',
  'ml-datasets',
  'cdn-origin',
  'invoices-2024',
  'tmp-scratch',
  'app-config',
];
const PREFIXES = [
  'images',
  'videos/hls',
  'avatars',
  'exports/csv',
  'backups/db',
  'logs/app-01',
  'models/checkpoints',
  'docs/pdf',
  'thumbs/256x256',
  'raw',
];
const EXTS = [
  '.jpg',
  '.png',
  '.webp',
  '.mp4',
  '.ts',
  '.m3u8',
  '.json',
  '.csv',
  '.gz',
  '.parquet',
  '.pdf',
  '.bin',
  '',
];
const METHODS = mkWeighted([
  ['GET', 78],
  ['HEAD', 8],
  ['PUT', 9],
  ['POST', 2],
  ['DELETE', 3],
]);
const UAS = [
  'aws-sdk-go/1.44.122 (go1.20.3; linux; amd64)',
  'aws-sdk-java/1.12.500 Linux/5.15.0 OpenJDK_64-Bit_Server_VM/17.0.7+7 java/17.0.7',
  'Boto3/1.28.3 md/Botocore#1.31.3 ua/2.0 os/linux#5.15.0 md/arch#x86_64 lang/python#3.11.4',
  'aliyun-sdk-java/3.17.1(Linux/5.10.134/amd64;1.8.0_372)',
  'aliyun-sdk-python/2.18.0(Linux/5.10.134/x86_64;3.9.16)',
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36',
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1 Safari/605.1.15',
  'curl/7.88.1',
  'rclone/v1.64.0',
  'MinIO (linux; amd64) minio-go/v7.0.63',
];
const REFERERS = [
  '-',
  '-',
  '-',
  'https://www.example.com/',
  'https://app.example.com/gallery?page=2',
  'https://cdn.example.net/',
];
const OK_STATUS = mkWeighted([
  [200, 86],
  [206, 5],
  [304, 6],
  [204, 2],
  [301, 1],
]);
// 4xx/5xx lines that carry NO XML body (nginx-generated): decoys for status-only counting.
const BODYLESS_ERR = [401, 413, 499, 502, 504, 404];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

// ---------- helpers ----------
function keyPath() {
  let k = `${pick(PREFIXES)}/`;
  const r = rand();
  if (r < 0.3) k += `2024/${pad2(1 + randInt(12))}/${pad2(1 + randInt(28))}/`;
  else if (r < 0.4) k += `user-${100000 + randInt(900000)}/`;
  let name = word(6 + randInt(10));
  if (rand() < 0.05) name += '%20copy'; // URL-encoded space, as seen in request lines
  if (rand() < 0.03) name += '&v=2'; // ampersand in the key: must be &amp; inside XML
  return k + name + pick(EXTS);
}
function xmlEsc(s) {
  return s
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/'/g, '&apos;')
    .replace(/"/g, '&quot;');
}

function errorBody(code, bucket, key, reqId) {
  const resource = code === 'NoSuchBucket' ? `/${bucket}` : `/${bucket}/${key}`;
  let x = '<?xml version="1.0" encoding="UTF-8"?>\n<Error>';
  x += `<Code>${code}</Code><Message>${xmlEsc(pick(MESSAGES[code]))}</Message>`;
  if (code === 'NoSuchBucket') x += `<BucketName>${bucket}</BucketName>`;
  if (code === 'NoSuchKey' && rand() < 0.5) x += `<Key>${xmlEsc(key)}</Key>`;
  if (code === 'SignatureDoesNotMatch') {
    x += `<AWSAccessKeyId>LTAI${b64(20).replace(/[+/]/g, 'x')}</AWSAccessKeyId>`;
    x += `<StringToSign>GET\n\n\n${new Date(1700000000000 + randInt(1e9)).toUTCString()}\n/${bucket}/${xmlEsc(key)}</StringToSign>`;
    x += `<SignatureProvided>${b64(28)}=</SignatureProvided>`;
  }
  if (code === 'InvalidArgument')
    x += '<ArgumentName>partNumber</ArgumentName><ArgumentValue>0</ArgumentValue>';
  x += `<Resource>${xmlEsc(resource)}</Resource><RequestId>${reqId}</RequestId>`;
  if (rand() < 0.5) x += `<HostId>${b64(56)}=</HostId>`;
  x += '</Error>';
  return x;
}

// nginx escape=default: '"', '\\' and bytes < 0x20 / >= 0x7F become \xHH (uppercase hex).
function escNginx(s) {
  let o = '';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x22 || c === 0x5c || c < 0x20 || c >= 0x7f) o += `\\x${HEX[(c >> 4) & 15]}${HEX[c & 15]}`;
    else o += s[i];
  }
  return o;
}
// nginx escape=json: like JSON string escaping without the surrounding quotes.
function escJson(s) {
  return JSON.stringify(s).slice(1, -1);
}

// ---------- generation ----------
const truth = {
  generator: 'gen-nginx-corpus.mjs',
  seed: args.seed,
  lines: args.lines,
  errorFraction: args.errorFraction,
  escape: args.escape,
  bytes: 0,
  errorLines: 0,
  bodylessErrorStatusLines: 0,
  byCode: {},
  byCodeStatus: {},
  byEscape: { nginx: 0, json: 0 },
};
for (const [c, s] of ERROR_CODES) {
  truth.byCode[c] = 0;
  truth.byCodeStatus[`${c}|${s}`] = 0;
}

const fd = fs.openSync(args.out, 'w');
const CHUNK = 4 << 20;
let buf = '';
let tMs = Date.UTC(2024, 9, 10, 0, 0, 0); // 10/Oct/2024:00:00:00 +0000
const t0 = process.hrtime.bigint();

for (let n = 0; n < args.lines; n++) {
  tMs += randInt(3); // a few ms apart
  const d = new Date(tMs);
  const ts = `${pad2(d.getUTCDate())}/${MONTHS[d.getUTCMonth()]}/${d.getUTCFullYear()}:${pad2(d.getUTCHours())}:${pad2(d.getUTCMinutes())}:${pad2(d.getUTCSeconds())} +0000`;
  const ip =
    rand() < 0.3
      ? `10.${randInt(256)}.${randInt(256)}.${1 + randInt(254)}`
      : `${1 + randInt(223)}.${randInt(256)}.${randInt(256)}.${1 + randInt(254)}`;
  const user = rand() < 0.9 ? '-' : `svc-${word(5)}`;
  const bucket = pick(BUCKETS);
  const key = keyPath();
  let method = weighted(METHODS);
  const isErr = rand() < args.errorFraction;
  let status,
    size,
    body = '-';
  let path = rand() < 0.5 ? `/${bucket}/${key}` : `/${key}`; // path-style vs virtual-hosted
  if (isErr) {
    const [code, st] = weighted(CODE_TABLE);
    if (code === 'NoSuchBucket') path = `/${bucket}/`;
    status = st;
    const reqId = hex(24);
    const xml = errorBody(code, bucket, key, reqId);
    size = Buffer.byteLength(xml);
    const mode = args.escape === 'mixed' ? (rand() < 0.5 ? 'nginx' : 'json') : args.escape;
    body = mode === 'nginx' ? escNginx(xml) : escJson(xml);
    truth.errorLines++;
    truth.byCode[code]++;
    truth.byCodeStatus[`${code}|${st}`]++;
    truth.byEscape[mode]++;
    if (method === 'HEAD') method = 'GET'; // HEAD responses carry no body
  } else if (rand() < 0.01) {
    status = pick(BODYLESS_ERR);
    size = rand() < 0.5 ? 0 : 150 + randInt(400);
    truth.bodylessErrorStatusLines++;
  } else {
    status = weighted(OK_STATUS);
    size = status === 304 || status === 204 || method === 'HEAD' ? 0 : randInt(5 << 20);
  }
  const q =
    rand() < 0.15
      ? `?versionId=${hex(8)}`
      : rand() < 0.05
        ? `?partNumber=${1 + randInt(100)}&uploadId=${hex(32)}`
        : '';
  const line = `${ip} - ${user} [${ts}] "${method} ${path}${q} HTTP/1.1" ${status} ${size} "${pick(REFERERS)}" "${pick(UAS)}" "${body}"\n`;
  buf += line;
  if (buf.length >= CHUNK) {
    truth.bytes += fs.writeSync(fd, buf);
    buf = '';
  }
}
if (buf.length) truth.bytes += fs.writeSync(fd, buf);
fs.closeSync(fd);
truth.genSeconds = Number(process.hrtime.bigint() - t0) / 1e9;
fs.writeFileSync(`${args.out}.truth.json`, `${JSON.stringify(truth, null, 2)}\n`);
process.stdout.write(`${JSON.stringify(truth, null, 2)}\n`);
