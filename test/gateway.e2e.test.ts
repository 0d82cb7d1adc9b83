// The shipped gateway snippets, end to end: Debian's nginx (Lua, then njs) in front of s3rver and an OSS-like server.
import fs from 'node:fs';
import http from 'node:http';
import type net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import {
  CopyObjectCommand,
  CreateBucketCommand,
  DeleteBucketCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  S3ServiceException,
} from '@aws-sdk/client-s3';
import OSS from 'ali-oss';
import S3rver from 's3rver';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CATALOG } from '../src/catalog/index.js';
import { freePort, listeningUrl, parseScrape, ROOT, spawnCli, waitFor } from './helpers/cli.js';
import { missingNginx, type NginxModule, nginxModulesDir, startNginx } from './helpers/nginx.js';
import { unavailable } from './helpers/tools.js';

const GATEWAYS = path.join(ROOT, 'examples/gateways');
const S3_BUCKET = 'photos';
const OSS_BUCKET = 'oss-bucket';
const CAP = 8192; // the snippets' body cap

interface Flavour {
  name: string;
  modules: readonly NginxModule[];
  /** Lines of the http block, of each server block, and of each proxied location. */
  http: string;
  server: string;
  location: string;
  /** How the log format writes a `"` of the body. */
  quote: string;
}

const FLAVOURS: readonly Flavour[] = [
  {
    name: 'nginx + Lua (body_filter_by_lua_block, combined format, escape=default)',
    modules: [
      { file: 'ndk_http_module.so', debianPackage: 'libnginx-mod-http-ndk' },
      { file: 'ngx_http_lua_module.so', debianPackage: 'libnginx-mod-http-lua' },
    ],
    http: `include "${GATEWAYS}/nginx-lua/log-format.conf";\naccess_log ACCESS_LOG oss_combined;`,
    server: `include "${GATEWAYS}/nginx-lua/error-body.conf";`,
    location: '',
    quote: '\\x22',
  },
  {
    name: 'nginx + njs (js_body_filter, JSON format, escape=json)',
    modules: [{ file: 'ngx_http_js_module.so', debianPackage: 'libnginx-mod-http-js' }],
    http: `js_path "${GATEWAYS}/nginx-njs";\ninclude "${GATEWAYS}/nginx-njs/http.conf";\naccess_log ACCESS_LOG oss_json;`,
    server: '',
    location: `include "${GATEWAYS}/nginx-njs/location.conf";`,
    quote: '\\"',
  },
];

/** What one failed request must become: exactly one event with these fields. */
interface Expected {
  code: string;
  status: number;
  requestId: string | null;
  resource: string | null;
  bucket: string | null;
  key: string | null;
  truncated?: true;
}

/** The requests one client run made: failures as expected events, and how many requests in all. */
interface Made {
  failures: Expected[];
  requests: number;
}

const xmlText = (s: string) => s.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;');

/**
 * An OSS-flavoured upstream: `GET /bucket/codes/<Code>/<status>` answers that catalogue row as OSS does (an
 * `x-oss-request-id` header, the same id in the body, `statusCode` and `EC` elements); `…/huge/…` adds 20 KB
 * after the usual elements, past the gateway's cap; anything else is a 200.
 */
function startOssUpstream(): Promise<{ server: http.Server; port: number }> {
  let served = 0;
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://upstream');
    const m = /^\/([^/]+)\/codes\/(huge\/)?([A-Za-z0-9]+)\/(\d{3})$/.exec(url.pathname);
    req.resume();
    if (!m) {
      res.writeHead(200, { 'content-type': 'text/plain', 'x-oss-request-id': 'OK' });
      res.end('fine');
      return;
    }
    const [, bucket, huge, code = '', status = '500'] = m;
    const row = CATALOG.find((r) => r.code === code && r.status === Number(status));
    const id = `6565B0C1${(++served).toString(16).toUpperCase().padStart(16, '0')}`;
    const body = [
      '<?xml version="1.0" encoding="UTF-8"?>',
      '<Error>',
      `  <statusCode>${status}</statusCode>`,
      `  <Code>${code}</Code>`,
      `  <Message>${xmlText(row?.description ?? 'unknown')}</Message>`,
      `  <RequestId>${id}</RequestId>`,
      `  <HostId>${bucket}.oss-cn-hangzhou.aliyuncs.com</HostId>`,
      `  <Resource>${xmlText(url.pathname)}</Resource>`,
      '  <EC>0002-00000000</EC>',
      '  <RecommendDoc>https://api.aliyun.com/troubleshoot?q=0002-00000000</RecommendDoc>',
      ...(huge ? [`  <Padding>${'x'.repeat(20_000)}</Padding>`] : []),
      '</Error>',
      '',
    ].join('\n');
    res.writeHead(Number(status), {
      'content-type': 'application/xml',
      'content-length': Buffer.byteLength(body),
      'x-oss-request-id': id,
    });
    res.end(body);
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () =>
      resolve({ server, port: (server.address() as net.AddressInfo).port }),
    ),
  );
}

/** ali-oss through the gateway: one request per catalogue row, one over the cap, one success. */
async function ossRequests(port: number): Promise<Made> {
  // sldEnable is an ali-oss option its type definitions lack.
  const options: OSS.Options & { sldEnable: boolean } = {
    endpoint: `http://127.0.0.1:${port}`,
    bucket: OSS_BUCKET,
    accessKeyId: 'LTAI5tGatewayTestKey01',
    accessKeySecret: 'secret-of-the-gateway-test',
    secure: false,
    sldEnable: true, // path-style `/bucket/key`: with an IP endpoint ali-oss would otherwise drop the bucket
    timeout: 10_000,
  };
  const client = new OSS(options);
  const failures: Expected[] = [];
  const fail = async (key: string, code: string, status: number, truncated: boolean) => {
    const error = await client.get(key).then(
      () => undefined,
      (e: { code?: string; status?: number; requestId?: string }) => e,
    );
    // The client saw the failure it was meant to see, with the upstream's request id.
    expect({ code: error?.code, status: error?.status }, key).toEqual({ code, status });
    const requestId = error?.requestId ?? null;
    expect(requestId).toMatch(/^6565B0C1/);
    failures.push({
      code,
      status,
      requestId,
      resource: `/${OSS_BUCKET}/${key}`,
      bucket: OSS_BUCKET,
      key,
      ...(truncated ? { truncated: true as const } : {}),
    });
  };
  const rows = new Map(CATALOG.map((r) => [`${r.code}/${r.status}`, r]));
  for (const row of rows.values()) await fail(`codes/${row.code}/${row.status}`, row.code, row.status, false);
  await fail('codes/huge/NoSuchKey/404', 'NoSuchKey', 404, true);
  expect((await client.get('fine.txt')).content.toString()).toBe('fine');
  return { failures, requests: failures.length + 1 };
}

/** @aws-sdk/client-s3 through the gateway to s3rver, failing in known ways. */
async function s3Requests(port: number): Promise<Made> {
  const make = (accessKeyId: string, secretAccessKey: string, systemClockOffset = 0) =>
    new S3Client({
      systemClockOffset,
      endpoint: `http://127.0.0.1:${port}`,
      region: 'us-east-1',
      forcePathStyle: true,
      credentials: { accessKeyId, secretAccessKey },
      maxAttempts: 1, // a retried 5xx or throttling answer would be a second request, and a second event
    });
  const good = make('S3RVER', 'S3RVER');
  // Successes pass through the body filter untouched, headers included: a HEAD keeps its Content-Length.
  await good.send(new PutObjectCommand({ Bucket: S3_BUCKET, Key: 'cat.jpg', Body: 'meow' }));
  const got = await good.send(new GetObjectCommand({ Bucket: S3_BUCKET, Key: 'cat.jpg' }));
  expect({ body: await got.Body?.transformToString(), length: got.ContentLength }).toEqual({
    body: 'meow',
    length: 4,
  });
  const head = await good.send(new HeadObjectCommand({ Bucket: S3_BUCKET, Key: 'cat.jpg' }));
  expect(head.ContentLength).toBe(4);
  let requests = 3;
  const failures: Expected[] = [];
  const unknownKey = make('AKIAUNKNOWNKEY000001', 'S3RVER');
  const skewed = make('S3RVER', 'S3RVER', -3_600_000);
  // s3rver checks signature version 2 only (a V4 signature is taken as is): a V2 presigned URL is the one way
  // to make it refuse a signature.
  const presigned = (expires: number) =>
    `http://127.0.0.1:${port}/${S3_BUCKET}/cat.jpg?AWSAccessKeyId=S3RVER&Expires=${expires}&Signature=bm90LXRoZS1zaWduYXR1cmU%3D`;
  const inAnHour = Math.floor(Date.now() / 1000) + 3600;
  const cases: { what: string; send: () => Promise<unknown>; expected: Expected }[] = [
    {
      what: 'a missing key',
      send: () => good.send(new GetObjectCommand({ Bucket: S3_BUCKET, Key: 'dog.jpg' })),
      expected: {
        code: 'NoSuchKey',
        status: 404,
        requestId: null,
        resource: null,
        bucket: null,
        key: 'dog.jpg',
      },
    },
    {
      what: 'a missing bucket',
      send: () => good.send(new GetObjectCommand({ Bucket: 'no-such-bucket', Key: 'cat.jpg' })),
      expected: {
        code: 'NoSuchBucket',
        status: 404,
        requestId: null,
        resource: null,
        bucket: 'no-such-bucket',
        key: null,
      },
    },
    {
      what: 'listing a missing bucket',
      send: () => good.send(new ListObjectsV2Command({ Bucket: 'gone-bucket' })),
      expected: {
        code: 'NoSuchBucket',
        status: 404,
        requestId: null,
        resource: null,
        bucket: 'gone-bucket',
        key: null,
      },
    },
    {
      what: 'copying from a missing source',
      send: () =>
        good.send(
          new CopyObjectCommand({ Bucket: S3_BUCKET, Key: 'copy.jpg', CopySource: `${S3_BUCKET}/nope.jpg` }),
        ),
      expected: {
        code: 'NoSuchKey',
        status: 404,
        requestId: null,
        resource: null,
        bucket: null,
        key: 'nope.jpg',
      },
    },
    {
      what: 'deleting a bucket that holds objects',
      send: () => good.send(new DeleteBucketCommand({ Bucket: S3_BUCKET })),
      expected: {
        code: 'BucketNotEmpty',
        status: 409,
        requestId: null,
        resource: null,
        bucket: S3_BUCKET,
        key: null,
      },
    },
    {
      what: 'creating a bucket that exists',
      send: () => good.send(new CreateBucketCommand({ Bucket: S3_BUCKET })),
      expected: {
        code: 'BucketAlreadyExists',
        status: 409,
        requestId: null,
        resource: null,
        bucket: null, // s3rver's body names no bucket here
        key: null,
      },
    },
    {
      what: 'an unknown access key',
      send: () => unknownKey.send(new GetObjectCommand({ Bucket: S3_BUCKET, Key: 'cat.jpg' })),
      expected: {
        code: 'InvalidAccessKeyId',
        status: 403,
        requestId: null,
        resource: null,
        bucket: null,
        key: null,
      },
    },
    {
      what: 'a client clock an hour late',
      send: () => skewed.send(new GetObjectCommand({ Bucket: S3_BUCKET, Key: 'cat.jpg' })),
      expected: {
        code: 'RequestTimeTooSkewed',
        status: 403,
        requestId: null,
        resource: null,
        bucket: null,
        key: null,
      },
    },
    {
      what: 'a bad signature (presigned URL)',
      send: () => fetch(presigned(inAnHour)),
      expected: {
        code: 'SignatureDoesNotMatch',
        status: 403,
        requestId: null,
        resource: null,
        bucket: null,
        key: null,
      },
    },
    {
      what: 'an expired presigned URL',
      send: () => fetch(presigned(inAnHour - 7200)),
      expected: {
        code: 'AccessDenied',
        status: 403,
        requestId: null,
        resource: null,
        bucket: null,
        key: null,
      },
    },
  ];
  for (const c of cases) {
    const seen = await c.send().then(
      async (r) =>
        r instanceof Response ? { code: /<Code>(\w+)</.exec(await r.text())?.[1], status: r.status } : r,
      (e: unknown) =>
        e instanceof S3ServiceException ? { code: e.name, status: e.$metadata.httpStatusCode } : { error: e },
    );
    requests++;
    // The client saw the failure it was meant to see.
    expect(seen, c.what).toEqual({ code: c.expected.code, status: c.expected.status });
    failures.push(c.expected);
  }
  return { failures, requests };
}

interface Event {
  code: string;
  status: number | null;
  requestId: string | null;
  resource: string | null;
  bucket: string | null;
  key: string | null;
  truncated?: boolean;
}

const byFields = (a: Expected, b: Expected) => JSON.stringify(a).localeCompare(JSON.stringify(b));

let s3rver: S3rver | undefined;
let s3Port = 0;
let oss: { server: http.Server; port: number } | undefined;

beforeAll(async () => {
  s3Port = await freePort();
  s3rver = new S3rver({
    address: '127.0.0.1',
    port: s3Port,
    silent: true,
    directory: fs.mkdtempSync(path.join(os.tmpdir(), 'oee-s3rver-')),
    configureBuckets: [{ name: S3_BUCKET, configs: [] }],
  });
  await s3rver.run();
  oss = await startOssUpstream();
});

afterAll(async () => {
  await s3rver?.close();
  await new Promise((resolve) => oss?.server.close(resolve));
});

describe.each(FLAVOURS)('$name', (flavour) => {
  const missing = missingNginx(flavour.modules);
  if (missing !== undefined) {
    unavailable(`needs ${missing}: apt-get install nginx libnginx-mod-http-lua libnginx-mod-http-js`);
    return;
  }

  it('logs each failed request of real S3 and OSS clients so that it becomes exactly one event and one count', async ({
    annotate,
  }) => {
    const [s3Gateway, ossGateway] = [await freePort(), await freePort()];
    const proxy = (gatewayPort: number, upstreamPort: number) =>
      [
        'server {',
        `  listen 127.0.0.1:${gatewayPort};`,
        flavour.server,
        '  location / {',
        flavour.location,
        `    proxy_pass http://127.0.0.1:${upstreamPort};`,
        // S3 signatures cover the Host header: the upstream must see the one the client signed.
        '    proxy_set_header Host $http_host;',
        '  }',
        '}',
      ].join('\n');
    const modulesDir = nginxModulesDir() ?? '';
    const nginx = await startNginx(
      flavour.modules.map((m) => `load_module ${path.join(modulesDir, m.file)};`).join('\n'),
      [flavour.http, proxy(s3Gateway, s3Port), proxy(ossGateway, oss?.port ?? 0)].join('\n'),
      [s3Gateway, ossGateway],
    );
    const exporter = spawnCli(['-F', '--listen', '127.0.0.1:0', '--poll-interval', '20ms', nginx.accessLog]);
    try {
      const url = await listeningUrl(exporter);
      const s3 = await s3Requests(s3Gateway);
      const ossMade = await ossRequests(ossGateway);
      const failures = [...s3.failures, ...ossMade.failures];
      const requests = s3.requests + ossMade.requests;

      // nginx wrote one line per request, and the exporter read them all.
      const logged = () => fs.readFileSync(nginx.accessLog, 'utf8').split('\n').length - 1;
      await waitFor(`${requests} access-log lines`, () => (logged() === requests ? true : undefined));
      const scrape = await waitFor('the exporter to read every line', async () => {
        const s = parseScrape(await (await fetch(`${url}/metrics`)).text());
        return s.get('oss_exporter_lines_read_total') === requests ? s : undefined;
      });
      // Every event it wrote, once it reached this end of the pipe; more would need more lines.
      const written = scrape.get('oss_exporter_events_written_total') ?? 0;
      const eventLines = () =>
        exporter
          .stdout()
          .split('\n')
          .filter((l) => l.startsWith('{'));
      await waitFor(`${written} events on stdout`, () => (eventLines().length >= written ? true : undefined));
      const events = eventLines().map((l) => JSON.parse(l) as Event);

      // Every failed request is exactly one event, with its code, status, RequestId and resource.
      const seen = events.map((e) => ({
        code: e.code,
        status: e.status,
        requestId: e.requestId,
        resource: e.resource,
        bucket: e.bucket,
        key: e.key,
        ...(e.truncated ? { truncated: true } : {}),
      }));
      expect([...(seen as Expected[])].sort(byFields)).toEqual([...failures].sort(byFields));

      // Bodies are kept only for statuses from 300 up, and capped: the 20 KB one is cut at CAP bytes.
      const lines = fs.readFileSync(nginx.accessLog, 'utf8').split('\n').slice(0, -1);
      const ok = lines.filter((l) => /" 200 |"status":200,/.test(l));
      expect(ok.length).toBe(requests - failures.length);
      for (const line of ok) expect(line).toMatch(/""\}?$/);
      const longest = Math.max(...lines.map((l) => l.length));
      expect(longest).toBeGreaterThan(CAP);
      expect(longest).toBeLessThan(CAP + 1024);
      // Each body is written as the gateway escapes it: `"` as \x22 (escape=default) or \" (escape=json).
      const withBody = lines.filter((l) => l.includes('<Code>'));
      expect(withBody.length).toBe(failures.length);
      for (const line of withBody)
        expect(line).toContain(`<?xml version=${flavour.quote}1.0${flavour.quote}`);
      // A failing body filter would show here (and, with njs, empty the response).
      expect(nginx.errorLog()).not.toMatch(/\[(error|crit|alert|emerg)\]/);

      // oss_errors_total on a real scrape: one count per failed request, by code and status.
      const counted = new Map<string, number>();
      for (const [series, value] of scrape) {
        const m = /^oss_errors_total\{code="([^"]+)",status="([^"]+)"/.exec(series);
        if (m && value > 0) counted.set(`${m[1]} ${m[2]}`, (counted.get(`${m[1]} ${m[2]}`) ?? 0) + value);
      }
      const expected = new Map<string, number>();
      for (const f of failures)
        expected.set(`${f.code} ${f.status}`, (expected.get(`${f.code} ${f.status}`) ?? 0) + 1);
      expect(Object.fromEntries(counted)).toEqual(Object.fromEntries(expected));
      expect(scrape.get('oss_exporter_unparseable_bodies_total{reason="truncated"}')).toBe(1);
      expect(scrape.get('oss_exporter_events_written_total')).toBe(failures.length);
      // The figures, in the test report.
      await annotate(
        `${flavour.name}: ${failures.length} failed requests (${requests} in all), ${events.length} events, ` +
          `${[...counted.values()].reduce((a, b) => a + b, 0)} counted in oss_errors_total`,
      );
    } finally {
      exporter.child.kill('SIGTERM');
      await exporter.exited;
      await nginx.stop();
    }
  });
});
