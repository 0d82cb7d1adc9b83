#!/usr/bin/env node
// Per-body micro-benchmark, in-process, no I/O: extraction for each log shape, then the event's JSON line
// (pino's serializer and the writer's) and the counters (summary and metrics) for one body.
import { extractRecord } from '../build/extract/index.js';
import { eventFormatter, pinoFormatter } from '../build/sinks/events.js';
import { ExporterMetrics } from '../build/sinks/metrics.js';
import { Summary } from '../build/sinks/summary.js';
import { newStats } from '../build/stats.js';

const xml =
  '<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>NoSuchKey</Code><Message>The specified key does not exist.</Message>' +
  '<Key>images/cat&amp;v=2.jpg</Key><Resource>/media-prod/images/cat.jpg</Resource><RequestId>5C3D9F2E8A1B4C7D9E0F1A2B</RequestId>' +
  '<HostId>media-prod.oss-cn-hangzhou.aliyuncs.com</HostId></Error>';
const nginxEsc = (s) =>
  [...Buffer.from(s)]
    .map((c) =>
      c === 0x22 || c === 0x5c || c < 0x20 || c >= 0x7f
        ? `\\x${c.toString(16).toUpperCase().padStart(2, '0')}`
        : String.fromCharCode(c),
    )
    .join('');
const clf = (body) =>
  `10.0.0.1 - - [24/Nov/2026:09:00:05 +0000] "GET /media-prod/images/cat.jpg HTTP/1.1" 404 243 "-" "aws-sdk-go/1.44.122" "${body}"`;
const json = JSON.stringify({
  time: '2026-11-24T09:00:05Z',
  status: 404,
  request: 'GET /media-prod/images/cat.jpg HTTP/1.1',
  resp_body: xml,
});
const shapes = {
  'raw xml': xml.replace('\n', ''),
  'pretty-printed (assembled)': xml.replace(/></g, '>\n  <'),
  'nginx escape=default': clf(nginxEsc(xml)),
  'nginx escape=json': clf(JSON.stringify(xml).slice(1, -1)),
  'JSON access log': json,
  'docker-wrapped JSON': JSON.stringify({
    log: `${json}\n`,
    stream: 'stdout',
    time: '2026-11-24T09:00:05.1Z',
  }),
  'structured body (fast-xml-parser path)': `<Error><Code>NoSuchKey</Code><Message><![CDATA[gone]]></Message><RequestId>1</RequestId></Error>`,
  'presigned path + SignatureDoesNotMatch (redaction at work)': clf(
    '<Error><Code>SignatureDoesNotMatch</Code><Message>The request signature we calculated does not match the signature you provided.</Message>' +
      '<AWSAccessKeyId>AKIAIOSFODNN7EXAMPLE</AWSAccessKeyId><StringToSign>AWS4-HMAC-SHA256&#10;20261124T090005Z</StringToSign>' +
      '<SignatureProvided>fe5f80f77d5fa3beca038a248ff027d0445342fe2855ddc963176630326f1024</SignatureProvided><RequestId>5C3D9F2E8A1B4C7D</RequestId></Error>',
  ).replace(
    '/media-prod/images/cat.jpg',
    '/media-prod/images/cat.jpg?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20261124%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Date=20261124T090000Z&X-Amz-Expires=900&X-Amz-SignedHeaders=host&X-Amz-Signature=fe5f80f77d5fa3beca038a248ff027d0445342fe2855ddc963176630326f1024',
  ),
  'no body (cheap check only)': clf('-'),
};
const now = new Date().toISOString();

/** Runs `work` in batches for 0.4 s; returns calls per second. */
function rate(work) {
  let n = 0;
  const until = performance.now() + 400;
  while (performance.now() < until) {
    for (let i = 0; i < 1000; i++) work();
    n += 1000;
  }
  return Math.round(n / 0.4);
}

const line = (name, perSec, note) =>
  console.log(
    `  ${name.padEnd(40)} ${String(perSec).padStart(10)} /s  ${(1e6 / perSec).toFixed(2).padStart(6)} µs  ${note}`,
  );

for (const [name, text] of Object.entries(shapes)) {
  const record = { text, source: 'bench', line: 1 };
  const found = extractRecord(record, now).events.length;
  line(
    name,
    rate(() => extractRecord(record, now)),
    found === 0 ? 'no events' : `${found} event each`,
  );
}

console.log('\nper event, after extraction:');
const event = extractRecord({ text: shapes['JSON access log'], source: 'bench', line: 1 }, now).events[0];
const viaPino = pinoFormatter();
const { format } = eventFormatter();
line(
  'JSON line: pino serializer',
  rate(() => viaPino([event])),
  '(before)',
);
line(
  'JSON line: event writer',
  rate(() => format([event])),
  'JSON.stringify, pino bytes',
);
const summary = new Summary();
line(
  'summary counter',
  rate(() => summary.observe(event)),
  '',
);
const metrics = new ExporterMetrics(newStats(), {
  maxUnknownCodes: 100,
  maxBuckets: 100,
  labelBucket: true,
  processMetrics: false,
  version: 'bench',
});
line(
  'metrics counters (code, bucket)',
  rate(() => metrics.observe(event)),
  'prom-client children, cached',
);
