// extractRecord over every shape of the issue: a table of named cases, expected first.
import { describe, expect, it } from 'vitest';
import { extractRecord } from '../src/extract/index.js';
import type { Extraction, OssErrorEvent } from '../src/extract/types.js';
import { nginxEscape } from './helpers/escape.js';

const READ_TIME = '2026-11-24T12:00:00.000Z';
const run = (text: string, header?: string): Extraction =>
  extractRecord({ text, source: 'test.log', line: 7, header }, READ_TIME);

const SEED_BODY = `<Error>
    <statusCode>404</statusCode>
    <Code>NoSuchBucket</Code>
    <Message>The specified bucket does not exist.</Message>
    <Resource>/henry-dev-test-bucket123123123123</Resource>
    <RequestId>956F69119AE3958B</RequestId>
</Error>`;
const S3 =
  '<Error><Code>NoSuchKey</Code><Message>The specified key does not exist.</Message><Key>photos/2006/February/sample.jpg</Key>' +
  '<BucketName>examplebucket</BucketName><Resource>/examplebucket/photos/2006/February/sample.jpg</Resource>' +
  '<RequestId>4442587FB7D0A2F9</RequestId><HostId>ZtJ0qHcbKq0=</HostId></Error>';
const clf = (body: string, status = 404) =>
  `203.0.113.9 - - [10/Oct/2024:13:55:36 +0200] "GET /examplebucket/photos/x.jpg?versionId=3 HTTP/1.1" ${status} 243 "-" "aws-sdk-go/1.44" "${body}"`;

type Case = [name: string, text: string, expected: Partial<OssErrorEvent>[], header?: string];

const CASES: Case[] = [
  [
    'the seed document example, pretty-printed, lowercase statusCode',
    SEED_BODY,
    [
      {
        code: 'NoSuchBucket',
        status: 404,
        message: 'The specified bucket does not exist.',
        resource: '/henry-dev-test-bucket123123123123',
        requestId: '956F69119AE3958B',
        bucket: 'henry-dev-test-bucket123123123123',
        key: null,
        class: '4xx',
        category: 'not-found',
        known: true,
        description: 'The bucket does not existt',
        details: {},
        time: READ_TIME,
        line: 7,
        request: null,
      },
    ],
  ],
  [
    'raw XML with a double-quoted declaration in a text line',
    `2024-10-10T13:55:36.123Z ERROR oss: <?xml version="1.0" encoding="UTF-8"?><Error><Code>AccessDenied</Code><Message>Access Denied</Message><RequestId>R1</RequestId></Error>`,
    [
      {
        code: 'AccessDenied',
        status: 403,
        message: 'Access Denied',
        time: '2024-10-10T13:55:36.123Z',
        category: 'auth',
      },
    ],
  ],
  [
    'single-quoted standalone declaration, tabs and padded values (trimmed)',
    "<?xml version='1.0' encoding='UTF-8' standalone='yes'?>\n<Error>\n\t<Code>  SlowDown  </Code>\n\t<Message>\n\t\tPlease reduce your request rate.\n\t</Message>\n\t<RequestId> R2 </RequestId>\n</Error>",
    [
      {
        code: 'SlowDown',
        message: 'Please reduce your request rate.',
        requestId: 'R2',
        status: 400,
        category: 'throttling',
      },
    ],
  ],
  [
    'S3 body: Key and BucketName give bucket and key; HostId goes to details',
    S3,
    [
      {
        code: 'NoSuchKey',
        bucket: 'examplebucket',
        key: 'photos/2006/February/sample.jpg',
        requestId: '4442587FB7D0A2F9',
        details: {
          Key: 'photos/2006/February/sample.jpg',
          BucketName: 'examplebucket',
          HostId: 'ZtJ0qHcbKq0=',
        },
      },
    ],
  ],
  [
    'S3 InvalidArgument with ArgumentName/ArgumentValue, Region and Endpoint',
    '<Error><Code>PermanentRedirect</Code><Message>use the endpoint</Message><Endpoint>b.s3.eu-west-1.amazonaws.com</Endpoint><Region>eu-west-1</Region><BucketName>b</BucketName><RequestId>R</RequestId><HostId>H</HostId></Error>',
    [
      {
        code: 'PermanentRedirect',
        status: 301,
        class: '3xx',
        category: 'redirect',
        details: {
          Endpoint: 'b.s3.eu-west-1.amazonaws.com',
          Region: 'eu-west-1',
          BucketName: 'b',
          HostId: 'H',
        },
      },
    ],
  ],
  [
    'Alibaba OSS with EC and RecommendDoc',
    '<Error><Code>NoSuchKey</Code><Message>The specified key does not exist.</Message><RequestId>5C3D9F2E</RequestId><HostId>b.oss-cn-hangzhou.aliyuncs.com</HostId><Key>a.txt</Key><EC>0026-00000001</EC><RecommendDoc>https://api.aliyun.com/troubleshoot?q=0026-00000001</RecommendDoc></Error>',
    [
      {
        code: 'NoSuchKey',
        key: 'a.txt',
        details: {
          HostId: 'b.oss-cn-hangzhou.aliyuncs.com',
          Key: 'a.txt',
          EC: '0026-00000001',
          RecommendDoc: 'https://api.aliyun.com/troubleshoot?q=0026-00000001',
        },
      },
    ],
  ],
  [
    'Tencent COS with TraceId and a virtual-hosted Resource',
    '<Error><Code>NoSuchBucket</Code><Message>The specified bucket does not exist.</Message><Resource>examplebucket-1250000000.cos.ap-beijing.myqcloud.com</Resource><RequestId>NjQ0</RequestId><TraceId>OGVmYzZiMmQ</TraceId></Error>',
    [
      {
        code: 'NoSuchBucket',
        bucket: 'examplebucket-1250000000',
        key: null,
        details: { TraceId: 'OGVmYzZiMmQ' },
      },
    ],
  ],
  [
    'MinIO with Key, BucketName, Resource and HostId',
    '<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>XMinioStorageFull</Code><Message>Storage backend has reached its minimum free drive threshold.</Message><Key>k</Key><BucketName>minio-b</BucketName><Resource>/minio-b/k</Resource><RequestId>17A8</RequestId><HostId>dd9025</HostId></Error>',
    [
      {
        code: 'XMinioStorageFull',
        known: false,
        status: null,
        class: 'unknown',
        category: 'unknown',
        bucket: 'minio-b',
        key: 'k',
      },
    ],
  ],
  [
    'Ceph RGW without a Message',
    '<?xml version="1.0" encoding="UTF-8"?><Error><Code>NoSuchBucket</Code><BucketName>ceph-b</BucketName><RequestId>tx000</RequestId><HostId>a-default</HostId></Error>',
    [{ code: 'NoSuchBucket', message: '', bucket: 'ceph-b' }],
  ],
  [
    'Ceph RGW with an empty Message',
    '<Error><Code>AccessDenied</Code><Message></Message><RequestId>tx1</RequestId></Error>',
    [{ code: 'AccessDenied', message: '' }],
  ],
  [
    'Ceph RGW with a self-closing Message (fast-xml-parser path)',
    '<Error><Code>AccessDenied</Code><Message/><RequestId>tx2</RequestId></Error>',
    [{ code: 'AccessDenied', message: '', requestId: 'tx2' }],
  ],
  [
    'GCS with Details and no RequestId',
    "<?xml version='1.0' encoding='UTF-8'?><Error><Code>NoSuchKey</Code><Message>The specified key does not exist.</Message><Details>No such object: b/o</Details></Error>",
    [{ code: 'NoSuchKey', requestId: null, details: { Details: 'No such object: b/o' } }],
  ],
  [
    'RequestID and HostID casing',
    '<Error><Code>NoSuchUpload</Code><Message>m</Message><RequestID>UP1</RequestID><HostID>H1</HostID></Error>',
    [{ code: 'NoSuchUpload', requestId: 'UP1', details: { HostID: 'H1' } }],
  ],
  [
    'XML entities decoded, DTD-free',
    '<Error><Code>InvalidArgument</Code><Message>x-amz-storage-class &apos;GLACIERX&#39; is &quot;bad&quot; &amp; &lt;invalid&gt;</Message><Key>a&amp;b</Key><RequestId>R</RequestId></Error>',
    [{ code: 'InvalidArgument', message: `x-amz-storage-class 'GLACIERX' is "bad" & <invalid>`, key: 'a&b' }],
  ],
  [
    'CDATA in a Message (fast-xml-parser path)',
    '<Error><Code>BadDigest</Code><Message><![CDATA[The Content-MD5 <you> specified did not match]]></Message><RequestId>R</RequestId></Error>',
    [{ code: 'BadDigest', message: 'The Content-MD5 <you> specified did not match' }],
  ],
  [
    'nginx escape=default with \\x22, \\x0A and UTF-8 bytes decoded; combined log context',
    clf(
      nginxEscape(
        '<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>NoSuchKey</Code><Message>报错: 不存在</Message><Resource>/examplebucket/报表.pdf</Resource><RequestId>N1</RequestId></Error>',
      ),
    ),
    [
      {
        code: 'NoSuchKey',
        status: 404,
        message: '报错: 不存在',
        key: '报表.pdf',
        time: '2024-10-10T11:55:36.000Z',
        request: {
          method: 'GET',
          path: '/examplebucket/photos/x.jpg?versionId=3',
          status: 404,
          client: '203.0.113.9',
          userAgent: 'aws-sdk-go/1.44',
        },
      },
    ],
  ],
  [
    'nginx escape=json (\\", \\n, \\/)',
    clf(
      JSON.stringify(
        `<?xml version="1.0"?>\n<Error><Code>SlowDown</Code><Message>slow</Message><Resource>/b/k</Resource><RequestId>J1</RequestId></Error>`,
      )
        .slice(1, -1)
        .replace(/\//g, '\\/'),
      503,
    ),
    [{ code: 'SlowDown', status: 503, class: '5xx', message: 'slow', requestId: 'J1' }],
  ],
  [
    'the log line status wins over the catalogue; the body statusCode wins over both',
    clf('<Error><statusCode>429</statusCode><Code>SlowDown</Code><RequestId>S</RequestId></Error>', 503),
    [{ code: 'SlowDown', status: 429 }],
  ],
  [
    'a code with two catalogue statuses and no status in the line has status null, class from the catalogue',
    '<Error><Code>TemporaryRedirect</Code><Message>m</Message></Error>',
    [{ code: 'TemporaryRedirect', status: null, class: '3xx', category: 'redirect' }],
  ],
  [
    'the usual spelling InternalError is the catalogue entry InternalErrror',
    '<Error><Code>InternalError</Code><Message>We encountered an internal error.</Message></Error>',
    [
      {
        code: 'InternalError',
        known: true,
        status: 500,
        class: '5xx',
        category: 'server',
        description: 'Server Internal Error',
      },
    ],
  ],
  [
    'JSON log, body at depth with \\u003c escapes, status as a string, Traefik-style fields',
    JSON.stringify({
      StartUTC: '2024-10-10T13:55:36.5Z',
      DownstreamStatus: '403',
      RequestMethod: 'PUT',
      RequestPath: '/b/k?X-Amz-Signature=abc123&X-Amz-Credential=AKIA%2F',
      RequestHost: 'b.s3.example.com',
      ClientHost: '198.51.100.7',
      'request_User-Agent': 'Boto3/1.28',
      Duration: 12_000_000,
      upstream: {
        response: {
          body: '<Error><Code>AccessDenied</Code><Message>Access Denied</Message><RequestId>T1</RequestId></Error>',
        },
      },
    })
      .replace(/</g, '\\u003c')
      .replace(/>/g, '\\u003e'),
    [
      {
        code: 'AccessDenied',
        status: 403,
        time: '2024-10-10T13:55:36.500Z',
        request: {
          status: 403,
          method: 'PUT',
          path: '/b/k?X-Amz-Signature=[REDACTED]&X-Amz-Credential=[REDACTED]',
          host: 'b.s3.example.com',
          client: '198.51.100.7',
          userAgent: 'Boto3/1.28',
          duration: 0.012,
        },
      },
    ],
  ],
  [
    'JSON log with nested response.status and resp_body, nginx $request',
    JSON.stringify({
      time_iso8601: '2024-10-10T13:55:36+02:00',
      request: 'GET /b/k HTTP/1.1',
      response: { status: 404 },
      resp_body: S3,
      request_time: '0.004',
    }),
    [
      {
        code: 'NoSuchKey',
        status: 404,
        time: '2024-10-10T11:55:36.000Z',
        request: { status: 404, method: 'GET', path: '/b/k', duration: 0.004 },
      },
    ],
  ],
  [
    'a JSON access line wrapped again by a JSON log (escaped twice)',
    JSON.stringify({
      log: `${JSON.stringify({ status: 500, http_status: 500, resp_body: '<Error><Code>InternalError</Code><RequestId>D1</RequestId></Error>' })}\n`,
      stream: 'stdout',
      time: '2024-10-10T13:55:36.1Z',
    }),
    [{ code: 'InternalError', status: 500, requestId: 'D1', time: '2024-10-10T13:55:36.100Z' }],
  ],
  [
    'two bodies in one line are two events',
    `${SEED_BODY.replace(/\n\s*/g, '')} retry: <Error><Code>SlowDown</Code><RequestId>X2</RequestId></Error>`,
    [{ code: 'NoSuchBucket' }, { code: 'SlowDown', requestId: 'X2' }],
  ],
  [
    'an SDK header line gives the time and the status of a multi-line body',
    SEED_BODY.replace('<statusCode>404</statusCode>', ''),
    [{ code: 'NoSuchBucket', time: '2024-10-10T13:55:36.207Z', status: 404 }],
    '2024-10-10 13:55:36,207 ERROR [oss] request failed status=404',
  ],
];

const REDACTION: Case[] = [
  [
    'SignatureDoesNotMatch: signing material redacted, access key masked',
    '<Error><Code>SignatureDoesNotMatch</Code><Message>The request signature we calculated does not match</Message><AWSAccessKeyId>AKIAIOSFODNN7EXAMPLE</AWSAccessKeyId><StringToSign>GET\n\n\n1700000000\n/b/k</StringToSign><SignatureProvided>wJalrXUtnFEMI/K7MDENG=</SignatureProvided><StringToSignBytes>47 45 54</StringToSignBytes><CanonicalRequest>GET /b/k</CanonicalRequest><CanonicalRequestBytes>47</CanonicalRequestBytes><RequestId>R</RequestId></Error>',
    [
      {
        details: {
          AWSAccessKeyId: '****MPLE',
          StringToSign: '[REDACTED]',
          SignatureProvided: '[REDACTED]',
          StringToSignBytes: '[REDACTED]',
          CanonicalRequest: '[REDACTED]',
          CanonicalRequestBytes: '[REDACTED]',
        },
      },
    ],
  ],
  [
    'OSS access key masked; security token redacted; the token echoed in ArgumentValue redacted',
    '<Error><Code>InvalidToken</Code><OSSAccessKeyId>LTAI5tExampleKey9a8b</OSSAccessKeyId><SecurityToken>CAIS123secret</SecurityToken><ArgumentName>x-amz-security-token</ArgumentName><ArgumentValue>FwoGZXIvYXdzEJr</ArgumentValue></Error>',
    [
      {
        details: {
          OSSAccessKeyId: '****9a8b',
          SecurityToken: '[REDACTED]',
          ArgumentName: 'x-amz-security-token',
          ArgumentValue: '[REDACTED]',
        },
      },
    ],
  ],
  [
    'presigned URL parameters redacted in the request path and the resource',
    clf(
      '<Error><Code>AccessDenied</Code><Resource>/b/k?Signature=s3cr3t&OSSAccessKeyId=LTAIkey&security-token=tok&Expires=1</Resource></Error>',
    ).replace(
      '/examplebucket/photos/x.jpg?versionId=3',
      '/b/k?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIA%2F20241010&X-Amz-Security-Token=IQoJ&X-Amz-Signature=f00d',
    ),
    [
      {
        resource: '/b/k?Signature=[REDACTED]&OSSAccessKeyId=[REDACTED]&security-token=[REDACTED]&Expires=1',
        request: {
          method: 'GET',
          path: '/b/k?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=[REDACTED]&X-Amz-Security-Token=[REDACTED]&X-Amz-Signature=[REDACTED]',
          status: 404,
          client: '203.0.113.9',
          userAgent: 'aws-sdk-go/1.44',
        },
      },
    ],
  ],
];

const NEVER: [string, string][] = [
  [
    'a ListBucketResult',
    '<ListBucketResult><Name>b</Name><Contents><Key>Error.txt</Key></Contents></ListBucketResult>',
  ],
  [
    'a WebsiteConfiguration holding ErrorDocument',
    '<WebsiteConfiguration><IndexDocument><Suffix>index.html</Suffix></IndexDocument><ErrorDocument><Key>error.html</Key></ErrorDocument></WebsiteConfiguration>',
  ],
  [
    'an HTML error page',
    '<html><head><title>500 Internal Server Error</title></head><body><h1>Error</h1></body></html>',
  ],
  [
    'the word Error in prose',
    '2024-10-10 ERROR Error while connecting: Errors happen; <Errors> are not <Error-bodies>',
  ],
  [
    'an Error element of another vocabulary inside other markup',
    '<Response><Errors><Error><Message>no code</Message></Error></Errors></Response>',
  ],
];

describe('extractRecord', () => {
  it.each(CASES)('%s', (_name, text, expected, header) => {
    const { events, failures } = run(text, header);
    expect(failures).toEqual([]);
    expect(events).toHaveLength(expected.length);
    for (const [i, event] of events.entries())
      expect(event).toMatchObject(expected[i] as Partial<OssErrorEvent>);
  });

  it.each(REDACTION)('redacts secrets: %s', (_name, text, expected) => {
    const { events } = run(text);
    expect(events[0]).toMatchObject(expected[0] as Partial<OssErrorEvent>);
    const json = JSON.stringify(events);
    for (const secret of [
      'wJalrXUtnFEMI',
      'AKIAIOSFODNN7EXAMPLE',
      'CAIS123secret',
      'FwoGZXIvYXdzEJr',
      's3cr3t',
      'f00d',
      'IQoJ',
      'LTAI5tExampleKey9a8b',
    ]) {
      expect(json).not.toContain(secret);
    }
  });

  it.each(NEVER)('never reports %s', (_name, text) => {
    const { events } = run(text);
    expect(events).toEqual([]);
  });

  it.each([
    [
      'a DOCTYPE with entities before the body',
      '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;">]><Error><Code>&lol2;</Code></Error>',
      'dtd',
    ],
    [
      'an external entity',
      '<!DOCTYPE e [<!ENTITY x SYSTEM "file:///etc/passwd">]><Error><Code>&x;</Code></Error>',
      'dtd',
    ],
    ['a truncated body', 'ERR "<Error><Code>NoSuchKey</Code><Message>The specified k', 'truncated'],
    ['a body without Code', '<Error><Message>no code here</Message></Error>', 'no-code'],
    [
      'malformed XML inside the body',
      '<Error><Code>NoSuchKey</Code><Message>a <b> c</Message></Error>',
      'malformed',
    ],
    [
      'a body over the size bound',
      `<Error><Code>NoSuchKey</Code><Message>${'x'.repeat(70_000)}</Message></Error>`,
      'too-large',
    ],
    [
      "nesting past the XML parser's depth limit",
      `<Error><Code>X</Code><Details>${'<a>'.repeat(2000)}${'</a>'.repeat(2000)}</Details></Error>`,
      'malformed',
    ],
  ])('counts %s as unparseable (%s)', (_name, text, reason) => {
    const { failures } = run(text);
    expect(failures.map((f) => f.reason)).toEqual([reason]);
    expect(failures[0]).toMatchObject({ source: 'test.log', line: 7 });
  });

  it('never expands an entity, even with a hostile header line before a multi-line body', () => {
    const { events, failures } = run('<Error>\n<Code>&lol9;</Code>\n</Error>', ']>');
    expect(events).toEqual([]);
    expect(failures.map((f) => f.reason)).toEqual(['dtd']);
  });

  it('salvages the complete elements of a truncated body, flagged truncated', () => {
    const { events, failures } = run(
      'x "<Error><Code>SlowDown</Code><RequestId>T9</RequestId><Message>Please red',
    );
    expect(failures.map((f) => f.reason)).toEqual(['truncated']);
    expect(events).toEqual([expect.objectContaining({ code: 'SlowDown', requestId: 'T9', truncated: true })]);
  });

  it('does not swallow a complete body that follows a truncated one', () => {
    const { events, failures } = run(
      '<Error><Code>A1</Code><Message>cut <Error><Code>B2</Code><RequestId>R</RequestId></Error>',
    );
    expect(failures.map((f) => f.reason)).toEqual(['truncated']);
    expect(events.map((e) => [e.code, e.truncated ?? false])).toEqual([
      ['A1', true],
      ['B2', false],
    ]);
  });

  it('never throws on invalid UTF-8 turned text, NUL bytes or lone surrogates', () => {
    for (const text of [
      '\uFFFD<Error><Code>\u0000X</Code></Error>',
      '<Error><Code>\uD800</Code></Error>',
      '\\x80\\xFF<Error>\\x00',
    ]) {
      expect(() => run(text)).not.toThrow();
    }
  });
});
