// A small application for the SDK tests: real JS SDKs fail against real local servers and it prints the errors.
//
// Usage: node sdk-app.mjs --print inspect|json|jsonlog|string (jsonlog: a JSON log line with the error as pino
// serializes it)
// Starts s3rver (a real S3-compatible server) and a small server answering S3- and OSS-style XML errors with
// request-id headers (s3rver sends none; ali-oss speaks the OSS protocol), both on 127.0.0.1 free ports,
// runs each case, prints its error as an application would, then stops both servers.
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import util, { parseArgs } from 'node:util';
import { GetObjectCommand, HeadObjectCommand, S3Client } from '@aws-sdk/client-s3';
import OSS from 'ali-oss';
import AWS from 'aws-sdk';
import * as Minio from 'minio';
import S3rver from 's3rver';

const { values } = parseArgs({
  options: { print: { type: 'string', default: 'inspect' } },
});

/** The XML error the small server answers for a request, by bucket and key; request ids name the key. */
function answer(req) {
  const url = new URL(req.url ?? '/', 'http://x');
  const parts = url.pathname.split('/').filter(Boolean);
  const key = parts.at(-1) ?? '';
  const requestId = `REQ-${key.toUpperCase()}`;
  if (parts[0] === 'missing-bucket') {
    return { status: 404, code: 'NoSuchBucket', message: 'The specified bucket does not exist', requestId };
  }
  if (String(req.headers.authorization ?? '').includes('BADKEY')) {
    return {
      status: 403,
      code: 'InvalidAccessKeyId',
      message: 'The AWS Access Key Id you provided does not exist in our records.',
      requestId,
    };
  }
  return { status: 404, code: 'NoSuchKey', message: 'The specified key does not exist.', requestId, key };
}

const xmlServer = http.createServer((req, res) => {
  req.resume();
  const a = answer(req);
  const body =
    `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${a.code}</Code><Message>${a.message}</Message>` +
    `${a.key ? `<Key>${a.key}</Key>` : ''}<RequestId>${a.requestId}</RequestId><HostId>HOST-${a.requestId}</HostId></Error>`;
  res.writeHead(a.status, {
    'content-type': 'application/xml',
    'x-amz-request-id': a.requestId,
    'x-amz-id-2': `HOST-${a.requestId}`,
    'x-oss-request-id': a.requestId,
  });
  res.end(req.method === 'HEAD' ? undefined : body);
});
await new Promise((resolve) => xmlServer.listen(0, '127.0.0.1', resolve));
const xmlPort = xmlServer.address().port;

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 's3rver-'));
const s3rver = new S3rver({
  port: 0,
  address: '127.0.0.1',
  silent: true,
  directory: dir,
  configureBuckets: [{ name: 'bucket-one' }],
});
const { port: s3Port } = await s3rver.run();

const creds = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };
const v3 = (port, credentials = creds) =>
  new S3Client({
    endpoint: `http://127.0.0.1:${port}`,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials,
    maxAttempts: 1,
  });
const v2 = (port, keys = creds) =>
  new AWS.S3({
    endpoint: `http://127.0.0.1:${port}`,
    s3ForcePathStyle: true,
    ...keys,
    region: 'us-east-1',
    signatureVersion: 'v4',
    maxRetries: 0,
  });
const minio = new Minio.Client({
  endPoint: '127.0.0.1',
  port: xmlPort,
  useSSL: false,
  accessKey: 'minio-user',
  secretKey: 'minio-secret',
  region: 'us-east-1',
  pathStyle: true,
});
const alioss = new OSS({
  endpoint: `http://127.0.0.1:${xmlPort}`,
  cname: true,
  accessKeyId: 'ak',
  accessKeySecret: 'sk',
  bucket: 'bucket-one',
  retryMax: 0,
});
const bad = { accessKeyId: 'BADKEY', secretAccessKey: 'x' };

// The order here is the order of the test's expectations.
const cases = [
  [
    'v3 s3rver missing key',
    () => v3(s3Port).send(new GetObjectCommand({ Bucket: 'bucket-one', Key: 'nope' })),
  ],
  [
    'v3 s3rver missing bucket',
    () => v3(s3Port).send(new GetObjectCommand({ Bucket: 'nobucket', Key: 'nope' })),
  ],
  [
    'v3 s3rver bad credentials',
    () =>
      v3(s3Port, { accessKeyId: 'BADKEY', secretAccessKey: 'x' }).send(
        new GetObjectCommand({ Bucket: 'bucket-one', Key: 'nope' }),
      ),
  ],
  ['v3 s3rver head', () => v3(s3Port).send(new HeadObjectCommand({ Bucket: 'bucket-one', Key: 'nope' }))],
  ['v2 s3rver missing key', () => v2(s3Port).getObject({ Bucket: 'bucket-one', Key: 'nope' }).promise()],
  ['v2 s3rver missing bucket', () => v2(s3Port).getObject({ Bucket: 'nobucket', Key: 'nope' }).promise()],
  ['v3 missing key', () => v3(xmlPort).send(new GetObjectCommand({ Bucket: 'bucket-one', Key: 'v3-key' }))],
  ['v3 bad credentials', () => v3(xmlPort, bad).send(new GetObjectCommand({ Bucket: 'b1', Key: 'v3-cred' }))],
  ['v2 missing key', () => v2(xmlPort).getObject({ Bucket: 'bucket-one', Key: 'v2-key' }).promise()],
  [
    'v2 missing bucket',
    () => v2(xmlPort).getObject({ Bucket: 'missing-bucket', Key: 'v2-bucket' }).promise(),
  ],
  ['minio-js missing key', () => minio.getObject('bucket-one', 'minio-key')],
  ['minio-js stat', () => minio.statObject('bucket-one', 'minio-stat')],
  ['ali-oss get', () => alioss.get('ali-key')],
  ['ali-oss head', () => alioss.head('ali-head')],
];

/** What pino's standard error serializer writes: type, message, stack, then the error's own properties. */
function serialize(err) {
  return { type: err.constructor.name, message: err.message, stack: err.stack, ...err };
}

const out = [];
let second = 0;
const emit = (line) => out.push(line);

for (const [name, run] of cases) {
  second++;
  emit(`2026-11-24 10:00:${String(second).padStart(2, '0')} INFO case ${name}`);
  let failure;
  try {
    await run();
  } catch (err) {
    failure = err;
  }
  if (failure === undefined) throw new Error(`${name}: the call did not fail`);
  const printed =
    values.print === 'json'
      ? JSON.stringify(failure)
      : values.print === 'jsonlog'
        ? JSON.stringify({
            level: 50,
            time: Date.UTC(2026, 10, 24, 10, 0, second),
            msg: 'request failed',
            err: serialize(failure),
          })
        : values.print === 'string'
          ? String(failure)
          : util.inspect(failure);
  for (const line of printed.split('\n')) emit(line);
}
second++;
emit('2026-11-24 10:00:59 INFO done');
process.stdout.write(`${out.join('\n')}\n`);

await s3rver.close();
xmlServer.close();
fs.rmSync(dir, { recursive: true, force: true });
