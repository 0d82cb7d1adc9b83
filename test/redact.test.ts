// Redaction, case by case: realistic lines with secrets of every provider, and text that must come out unchanged.
import { describe, expect, it } from 'vitest';
import { extractRecord } from '../src/extract/index.js';
import { namesSecret, REDACTED, redactText } from '../src/extract/redact.js';
import { jsonEscape, nginxEscape } from './helpers/escape.js';
import { leaked } from './helpers/secrets.js';

const READ_TIME = '2026-11-24T12:00:00.000Z';
const extract = (text: string) => extractRecord({ text, source: 't', line: 1 }, READ_TIME);

const AKID = 'AKIAZ7QH3EXAMPLE4K2P';
const ASIA = 'ASIAQ5N7W2EXAMPLEZ3Y';
const LTAI = 'LTAI5tQ8mZ1vExample7Hk9';
const COS_AK = 'AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE';
const GOOG = 'GOOG1EQ2W3E4R5T6Y7U8I9O0PEXAMPLEKEY1234567890ABCDEFGHIJKLM';
const SA = 'uploader@acme-prod.iam.gserviceaccount.com';
const SIG256 = '5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7';
const SIG1 = '9a2c84f1e6b3d7c05f18e2a94b6d3c7e1f0a5b82';
const B64SIG = 'Xw7sYSAmN2bQd6pK1vZr8HcLxE0=';
const TOKEN = 'IQoJb3JpZ2luX2VjEJr//////////wEaCXVzLWVhc3QtMSJHMEUCIQD9example0sessiontokenvalue8Qz';
const CAIS = 'CAIS8gF1q6Ft5B2yfSjIr5bSEcYX3oYE3rWIXlTtexample0token9ZjS';
const COS_TOKEN = 'Fv0Zx3ZwKQbEXAMPLEcos8sessiontoken2kC7uYVj9mPqR';
const JWT = 'eyJhbGciOiJIUzUxMiJ9.eyJhY2Nlc3NLZXkiOiJQUk9EIn0.c2lnbmF0dXJlLWV4YW1wbGUtdmFsdWU';
const RSA = `${SIG256}${SIG256.split('').reverse().join('')}`;

const clf = (path: string, body: string, referer = '-', ua = 'aws-sdk-go/1.44.122') =>
  `203.0.113.9 - - [24/Nov/2026:09:00:05 +0000] "GET ${path} HTTP/1.1" 403 243 "${referer}" "${ua}" "${nginxEscape(body)}"`;
const body = (inner = '') =>
  `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>AccessDenied</Code><Message>Access Denied</Message><RequestId>RQ1</RequestId>${inner}</Error>`;
const sigBody = (inner: string) =>
  `<Error><Code>SignatureDoesNotMatch</Code><Message>The request signature we calculated does not match the signature you provided.</Message>${inner}<RequestId>RQ2</RequestId></Error>`;

type Case = [name: string, line: string, secrets: string[]];

/** Realistic lines, each with the secret values planted in it. */
const LINES: Case[] = [
  [
    'AWS SigV4 presigned URL in the request path',
    clf(
      `/media/cat.jpg?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=${ASIA}%2F20261124%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Date=20261124T090000Z&X-Amz-Expires=900&X-Amz-Security-Token=${encodeURIComponent(TOKEN)}&X-Amz-SignedHeaders=host&X-Amz-Signature=${SIG256}`,
      body(),
    ),
    [ASIA, TOKEN, SIG256],
  ],
  [
    'AWS SigV2 query string in the resource',
    sigBody(
      `<Resource>/media/cat.jpg?AWSAccessKeyId=${AKID}&amp;Expires=1795000000&amp;Signature=${encodeURIComponent(B64SIG)}</Resource>`,
    ),
    [AKID, B64SIG],
  ],
  [
    'AWS SigV4 Authorization header in a JSON log field the body sits beside',
    JSON.stringify({
      status: 403,
      request: {
        method: 'PUT',
        uri: '/media/up.bin',
        headers: {
          authorization: `AWS4-HMAC-SHA256 Credential=${AKID}/20261124/us-east-1/s3/aws4_request, SignedHeaders=host;x-amz-date, Signature=${SIG256}`,
        },
      },
      resp_body: body(
        `<Details>Authorization: AWS4-HMAC-SHA256 Credential=${AKID}/20261124/us-east-1/s3/aws4_request, SignedHeaders=host, Signature=${SIG256}</Details>`,
      ),
    }),
    [AKID, SIG256],
  ],
  [
    'AWS SigV2 `AWS AKID:signature` header echoed in ArgumentValue',
    `<Error><Code>AuthorizationHeaderMalformed</Code><ArgumentName>Authorization</ArgumentName><ArgumentValue>AWS ${AKID}:${B64SIG}</ArgumentValue><RequestId>R</RequestId></Error>`,
    [AKID, B64SIG],
  ],
  [
    'AWS `AWS AKID:signature` inside a JSON-logged message',
    JSON.stringify({
      level: 'error',
      msg: `upstream refused Authorization: AWS ${AKID}:${B64SIG}`,
      body: body(`<Details>Authorization: AWS ${AKID}:${B64SIG}</Details>`),
    }),
    [AKID, B64SIG],
  ],
  [
    'AWS SignatureDoesNotMatch with every signing element',
    sigBody(
      `<AWSAccessKeyId>${AKID}</AWSAccessKeyId><StringToSign>AWS4-HMAC-SHA256\n20261124T090000Z\n20261124/us-east-1/s3/aws4_request\n${SIG1}</StringToSign><SignatureProvided>${SIG256}</SignatureProvided><StringToSignBytes>41 57 53 34 ${SIG1}</StringToSignBytes><CanonicalRequest>GET\n/media/cat.jpg\nX-Amz-Security-Token=${encodeURIComponent(TOKEN)}</CanonicalRequest><CanonicalRequestBytes>47 45 54 ${B64SIG}</CanonicalRequestBytes>`,
    ),
    [AKID, SIG1, SIG256, TOKEN, B64SIG],
  ],
  [
    'AWS InvalidToken echoing the session token',
    `<Error><Code>InvalidToken</Code><Message>The provided token is malformed or otherwise invalid.</Message><Token-0>${TOKEN}</Token-0><RequestId>R</RequestId></Error>`,
    [TOKEN],
  ],
  [
    'AWS ArgumentValue when ArgumentName is AWSAccessKeyId',
    `<Error><Code>InvalidArgument</Code><Message>AWS authentication requires a valid Date or x-amz-date header</Message><ArgumentName>AWSAccessKeyId</ArgumentName><ArgumentValue>${AKID}</ArgumentValue><RequestId>R</RequestId></Error>`,
    [AKID],
  ],
  [
    'AWS ArgumentValue when ArgumentName is x-amz-security-token',
    `<Error><Code>InvalidArgument</Code><ArgumentName>x-amz-security-token</ArgumentName><ArgumentValue>${TOKEN}</ArgumentValue><RequestId>R</RequestId></Error>`,
    [TOKEN],
  ],
  [
    'AWS X-Amz-Security-Token as a header in a debug line',
    `2026-11-24T09:00:05Z DEBUG x-amz-security-token: ${TOKEN} ${body(`<Details>x-amz-security-token: ${TOKEN}</Details>`).replace('\n', '')}`,
    [TOKEN],
  ],
  [
    'Alibaba OSS V1 presigned URL with STS token in the path',
    clf(
      `/media/cat.jpg?OSSAccessKeyId=${encodeURIComponent(`STS.NTx${LTAI}`)}&Expires=1795000000&Signature=${encodeURIComponent(B64SIG)}&security-token=${encodeURIComponent(CAIS)}`,
      body(),
    ),
    [`STS.NTx${LTAI}`, B64SIG, CAIS],
  ],
  [
    'Alibaba OSS V4 presigned URL in the resource',
    sigBody(
      `<Resource>/media/cat.jpg?x-oss-signature-version=OSS4-HMAC-SHA256&amp;x-oss-credential=${LTAI}%2F20261124%2Fcn-hangzhou%2Foss%2Faliyun_v4_request&amp;x-oss-date=20261124T090000Z&amp;x-oss-expires=3600&amp;x-oss-signature=${SIG256}</Resource>`,
    ),
    [LTAI, SIG256],
  ],
  [
    'Alibaba OSS `OSS ak:signature` header in the user agent',
    clf('/media/cat.jpg', body(), '-', `aliyun-sdk-java/3.17 (Authorization: OSS ${LTAI}:${B64SIG})`),
    [LTAI, B64SIG],
  ],
  [
    'Alibaba OSS V4 Authorization header in a Details element',
    sigBody(
      `<Details>OSS4-HMAC-SHA256 Credential=${LTAI}/20261124/cn-hangzhou/oss/aliyun_v4_request,AdditionalHeaders=host,Signature=${SIG256}</Details>`,
    ),
    [LTAI, SIG256],
  ],
  [
    'Alibaba OSS SignatureDoesNotMatch with its elements',
    sigBody(
      `<OSSAccessKeyId>${LTAI}</OSSAccessKeyId><SignatureProvided>${B64SIG}</SignatureProvided><StringToSign>GET\n\n\n1795000000\n/media/cat.jpg?security-token=${CAIS}</StringToSign><StringToSignBytes>47 45 54 ${SIG1}</StringToSignBytes>`,
    ),
    [LTAI, B64SIG, CAIS, SIG1],
  ],
  [
    'Alibaba OSS V4 SignatureDoesNotMatch echoing its canonical request',
    sigBody(`<CanonicalRequest>GET\n/media/cat.jpg\nx-oss-security-token=${CAIS}\nhost</CanonicalRequest>`),
    [CAIS],
  ],
  [
    'Alibaba OSS InvalidAccessKeyId body with a security token element',
    `<Error><Code>InvalidAccessKeyId</Code><OSSAccessKeyId>${LTAI}</OSSAccessKeyId><SecurityToken>${CAIS}</SecurityToken><RequestId>R</RequestId></Error>`,
    [LTAI, CAIS],
  ],
  [
    'Alibaba OSS STS token as x-oss-security-token in the message',
    `<Error><Code>AccessDenied</Code><Message>Request https://media.oss-cn-hangzhou.aliyuncs.com/cat.jpg?x-oss-security-token=${encodeURIComponent(CAIS)}&amp;x-oss-signature=${SIG256} denied</Message><RequestId>R</RequestId></Error>`,
    [CAIS, SIG256],
  ],
  [
    'Tencent COS presigned URL in the request path',
    clf(
      `/img/cat.jpg?q-sign-algorithm=sha1&q-ak=${COS_AK}&q-sign-time=1795000000%3B1795003600&q-key-time=1795000000%3B1795003600&q-header-list=host&q-url-param-list=&q-signature=${SIG1}&x-cos-security-token=${COS_TOKEN}`,
      body(),
    ),
    [COS_AK, SIG1, COS_TOKEN],
  ],
  [
    'Tencent COS Authorization header (q-* list) in the referer',
    clf(
      '/img/cat.jpg',
      body(),
      `https://console.example.com/?auth=${encodeURIComponent(`q-sign-algorithm=sha1&q-ak=${COS_AK}&q-sign-time=1795000000;1795003600&q-key-time=1795000000;1795003600&q-header-list=host&q-url-param-list=&q-signature=${SIG1}`)}`,
    ),
    [COS_AK, SIG1],
  ],
  [
    'Tencent COS legacy sign= parameter',
    sigBody(
      `<Resource>/img/cat.jpg?sign=${encodeURIComponent(`q-sign-algorithm=sha1&q-ak=${COS_AK}&q-signature=${SIG1}`)}</Resource>`,
    ),
    [COS_AK, SIG1],
  ],
  [
    'Tencent COS SignatureDoesNotMatch with StringToSign and FormatString',
    sigBody(
      `<StringToSign>sha1\n1795000000;1795003600\n${SIG1}\n</StringToSign><FormatString>get\n/img/cat.jpg\n\nhost=media-1250000000.cos.ap-guangzhou.myqcloud.com&amp;x-cos-security-token=${COS_TOKEN}\n</FormatString>`,
    ),
    [SIG1, COS_TOKEN],
  ],
  [
    'Tencent COS x-cos-security-token header in a raw line',
    `2026-11-24T09:00:05Z ERROR cos put failed x-cos-security-token: ${COS_TOKEN} ${body().replace('\n', '')}`,
    [COS_TOKEN],
  ],
  [
    'GCS V4 signed URL in the request path',
    clf(
      `/media-prod/cat.jpg?X-Goog-Algorithm=GOOG4-RSA-SHA256&X-Goog-Credential=${encodeURIComponent(SA)}%2F20261124%2Fauto%2Fstorage%2Fgoog4_request&X-Goog-Date=20261124T090000Z&X-Goog-Expires=900&X-Goog-SignedHeaders=host&X-Goog-Signature=${RSA}`,
      body(),
    ),
    [SA, RSA],
  ],
  [
    'GCS V2 signed URL in the resource',
    sigBody(
      `<Resource>/media-prod/cat.jpg?GoogleAccessId=${encodeURIComponent(SA)}&amp;Expires=1795000000&amp;Signature=${encodeURIComponent(B64SIG)}</Resource>`,
    ),
    [SA, B64SIG],
  ],
  [
    'GCS HMAC V4 Authorization in a Details element',
    sigBody(
      `<Details>GOOG4-HMAC-SHA256 Credential=${GOOG}/20261124/auto/storage/goog4_request, SignedHeaders=host, Signature=${SIG256}</Details>`,
    ),
    [GOOG, SIG256],
  ],
  [
    'GCS `GOOG1 access:signature` in the user agent',
    clf('/media-prod/cat.jpg', body(), '-', `gsutil/5.27 (Authorization: GOOG1 ${GOOG}:${B64SIG})`),
    [GOOG, B64SIG],
  ],
  [
    'GCS SignatureDoesNotMatch with StringToSign and CanonicalRequest',
    sigBody(
      `<StringToSign>GOOG4-RSA-SHA256\n20261124T090000Z\n${SIG256}</StringToSign><CanonicalRequest>GET\n/media-prod/cat.jpg\nX-Goog-Credential=${encodeURIComponent(SA)}</CanonicalRequest>`,
    ),
    [SIG256, SA],
  ],
  [
    'GCS OAuth bearer token in the message',
    `<Error><Code>AuthenticationRequired</Code><Message>Invalid Authorization: Bearer ${JWT}</Message><RequestId>R</RequestId></Error>`,
    [JWT],
  ],
  [
    'MinIO STS presigned URL with a JWT session token',
    clf(
      `/media/cat.jpg?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=minio-ci-7f3a9b%2F20261124%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Date=20261124T090000Z&X-Amz-Expires=600&X-Amz-SignedHeaders=host&X-Amz-Security-Token=${JWT}&X-Amz-Signature=${SIG256}`,
      body(),
    ),
    ['minio-ci-7f3a9b', JWT, SIG256],
  ],
  [
    'MinIO POST policy form fields logged as a query',
    `2026-11-24T09:00:05Z WARN post policy rejected form: policy=eyJleHBpcmF0aW9uIjoiMjAyNiJ9&x-amz-credential=minio-ci-7f3a9b/20261124/us-east-1/s3/aws4_request&x-amz-signature=${SIG256} ${sigBody('')}`,
    [SIG256],
  ],
  [
    'Ceph RGW SigV2 URL in the path',
    clf(
      `/media/cat.jpg?AWSAccessKeyId=rgw-backup-7Q2&Expires=1795000000&Signature=${encodeURIComponent(B64SIG)}`,
      body(),
    ),
    ['rgw-backup-7Q2', B64SIG],
  ],
  [
    'Ceph RGW Swift temp URL in the referer',
    clf(
      '/media/cat.jpg',
      body(),
      `https://rgw.internal/swift/v1/AUTH_acme/media/cat.jpg?temp_url_sig=${SIG1}&temp_url_expires=1795000000`,
    ),
    [SIG1],
  ],
  [
    'Ceph RGW X-Auth-Token header in a Details element',
    sigBody(`<Details>X-Auth-Token: AUTH_tk${SIG1}</Details>`),
    [SIG1],
  ],
  [
    'a presigned URL percent-encoded inside another parameter (next=…)',
    clf(
      `/login?next=${encodeURIComponent(`https://media.s3.amazonaws.com/cat.jpg?X-Amz-Credential=${AKID}/20261124/us-east-1/s3/aws4_request&X-Amz-Signature=${SIG256}`)}`,
      body(),
    ),
    [AKID, SIG256],
  ],
  [
    'a presigned URL encoded twice inside two redirects',
    clf(
      `/sso?return_to=${encodeURIComponent(`https://app.example.com/login?next=${encodeURIComponent(`https://media.oss-cn-hangzhou.aliyuncs.com/cat.jpg?OSSAccessKeyId=${LTAI}&Signature=${encodeURIComponent(B64SIG)}&security-token=${encodeURIComponent(CAIS)}`)}`)}`,
      body(),
    ),
    [LTAI, B64SIG, CAIS],
  ],
  [
    'a presigned URL encoded three times in the referer',
    clf(
      '/media/cat.jpg',
      body(),
      `https://a.example.com/?u=${encodeURIComponent(`https://b.example.com/?u=${encodeURIComponent(`https://c.example.com/?u=${encodeURIComponent(`https://storage.googleapis.com/b/o?X-Goog-Credential=${SA}/20261124&X-Goog-Signature=${SIG256}`)}`)}`)}`,
    ),
    [SA, SIG256],
  ],
  [
    'a signature in the referer of a JSON access log',
    JSON.stringify({
      time: '2026-11-24T09:00:05Z',
      status: 403,
      request: 'GET /media/cat.jpg HTTP/1.1',
      http_referer: `https://app.example.com/view?src=${encodeURIComponent(`https://media.s3.amazonaws.com/cat.jpg?X-Amz-Signature=${SIG256}`)}`,
      resp_body: body(),
    }),
    [SIG256],
  ],
  [
    'a signature in the user agent of a JSON access log',
    JSON.stringify({
      status: 403,
      uri: '/media/cat.jpg',
      http_user_agent: `curl/8.5 (fetched https://media.cos.ap-guangzhou.myqcloud.com/cat.jpg?q-ak=${COS_AK}&q-signature=${SIG1})`,
      resp_body: body(),
    }),
    [COS_AK, SIG1],
  ],
  [
    'a signature in the user agent, nginx escape=json',
    `203.0.113.9 - - [24/Nov/2026:09:00:05 +0000] "GET /m/c.jpg HTTP/1.1" 403 1 "-" "${jsonEscape(`tool/1 {"signature":"${SIG256}"}`)}" "${jsonEscape(body())}"`,
    [SIG256],
  ],
  [
    'a secret-looking name no scheme lists: session token of a new gateway',
    clf(`/media/cat.jpg?x-acme-session-token=${B64SIG.slice(0, -1)}Q9&upload_signature=${SIG1}`, body()),
    [`${B64SIG.slice(0, -1)}Q9`, SIG1],
  ],
  [
    'a secret-looking name no scheme lists: clientSecret and db_password in a JSON message',
    `<Error><Code>InternalError</Code><Message>config {"clientSecret":"${COS_TOKEN}","db_password":"hunter2-${SIG1.slice(0, 8)}"}</Message><RequestId>R</RequestId></Error>`,
    [COS_TOKEN, `hunter2-${SIG1.slice(0, 8)}`],
  ],
  [
    'a secret-looking name no scheme lists: partnerKeyId with a key-shaped value',
    clf(`/media/cat.jpg?partnerKeyId=PK${SIG1.slice(0, 18).toUpperCase()}`, body()),
    [`PK${SIG1.slice(0, 18).toUpperCase()}`],
  ],
  [
    'an access key id with no name at all, found by its shape',
    `<Error><Code>InvalidAccessKeyId</Code><Message>The AWS Access Key Id ${AKID} you provided does not exist in our records.</Message><RequestId>R</RequestId></Error>`,
    [AKID],
  ],
  [
    'a Docker json-file line wrapping a JSON log with a presigned URL',
    JSON.stringify({
      log: `${JSON.stringify({ status: 403, path: `/media/cat.jpg?X-Amz-Credential=${AKID}%2F20261124&X-Amz-Signature=${SIG256}`, resp_body: body() })}\n`,
      stream: 'stdout',
      time: '2026-11-24T09:00:05.1Z',
    }),
    [AKID, SIG256],
  ],
  [
    'an encoded name: X%2DAmz%2DSignature',
    clf(`/media/cat.jpg?X%2DAmz%2DSignature%3D${SIG256}`, body()),
    [SIG256],
  ],
  [
    'a double-encoded Authorization header in a query parameter',
    clf(`/debug?h=${encodeURIComponent(encodeURIComponent(`Authorization: OSS ${LTAI}:${B64SIG}`))}`, body()),
    [LTAI, B64SIG],
  ],
];

describe('realistic lines: no planted secret reaches the event', () => {
  it.each(LINES)('%s', (_name, line, secrets) => {
    const { events } = extract(line);
    expect(events.length).toBeGreaterThan(0);
    expect(leaked(JSON.stringify(events), secrets)).toEqual([]);
  });

  it('plants a secret in every case', () => {
    expect(LINES.length).toBeGreaterThanOrEqual(47);
    for (const [name, line, secrets] of LINES) {
      expect(secrets.length, name).toBeGreaterThan(0);
      expect(leaked(line, secrets), name).toEqual(secrets);
    }
  });
});

/** What redaction writes, for text of each kind: expected first. */
const TEXT: [name: string, input: string, expected: string][] = [
  [
    'query secrets go, the rest of the URL stays',
    `/b/k?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=${AKID}%2F20261124&X-Amz-Date=20261124T090000Z&X-Amz-Signature=${SIG256}&versionId=3`,
    `/b/k?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=${REDACTED}&X-Amz-Date=20261124T090000Z&X-Amz-Signature=${REDACTED}&versionId=3`,
  ],
  [
    'a nested presigned URL is redacted where it stands, encoding kept',
    `/login?next=https%3A%2F%2Fb.s3.amazonaws.com%2Fk%3FX-Amz-Signature%3D${SIG256}%26X-Amz-Expires%3D900`,
    `/login?next=https%3A%2F%2Fb.s3.amazonaws.com%2Fk%3FX-Amz-Signature%3D${REDACTED}%26X-Amz-Expires%3D900`,
  ],
  [
    'double encoding: %253D and %2526 are separators too',
    `/a?u=https%253A%252F%252Fb%252Fk%253FSignature%253D${SIG1}%2526Expires%253D1`,
    `/a?u=https%253A%252F%252Fb%252Fk%253FSignature%253D${REDACTED}%2526Expires%253D1`,
  ],
  [
    'a separator seen only once decoded: the text comes back decoded and redacted',
    `/k?X-Amz-Signature\\u003d${SIG256}`,
    `/k?X-Amz-Signature=${REDACTED}`,
  ],
  [
    'SigV4 Authorization: algorithm and signed headers stay, credential and signature go',
    `AWS4-HMAC-SHA256 Credential=${AKID}/20261124/us-east-1/s3/aws4_request, SignedHeaders=host;x-amz-date, Signature=${SIG256}`,
    `AWS4-HMAC-SHA256 Credential=${REDACTED}, SignedHeaders=host;x-amz-date, Signature=${REDACTED}`,
  ],
  ['AWS V2 header', `Authorization: AWS ${AKID}:${B64SIG}`, `Authorization: AWS ${REDACTED}`],
  ['OSS V1 header', `OSS ${LTAI}:${B64SIG}`, `OSS ${REDACTED}`],
  ['GCS V2 header', `GOOG1 ${GOOG}:${B64SIG}`, `GOOG1 ${REDACTED}`],
  ['a bearer token', `Authorization: Bearer ${JWT}`, `Authorization: Bearer ${REDACTED}`],
  [
    'a JSON key with a secret name',
    `{"sessionToken":"${COS_TOKEN}","region":"us-east-1"}`,
    `{"sessionToken":"${REDACTED}","region":"us-east-1"}`,
  ],
  [
    'a JSON key escaped in a JSON string',
    `{\\"x-amz-security-token\\":\\"${TOKEN}\\"}`,
    `{\\"x-amz-security-token\\":\\"${REDACTED}\\"}`,
  ],
  ['a bare access key id keeps its last four characters', `key ${AKID} denied`, 'key ****4K2P denied'],
  ['a bare JWT', `token ${JWT} expired`, `token ${REDACTED} expired`],
  ['a weak name (key) with a secret-shaped value', `api?key=${SIG1}`, `api?key=${REDACTED}`],
];

/** Text that looks like it could hold a secret and does not: it comes out unchanged. */
const UNCHANGED: [name: string, input: string][] = [
  [
    'the SignatureDoesNotMatch message',
    'The request signature we calculated does not match the signature you provided. Check your key and signing method.',
  ],
  [
    'an InvalidAccessKeyId message with no key in it',
    'The AWS Access Key Id you provided does not exist in our records.',
  ],
  [
    'an object key in a key= parameter',
    '/b?list-type=2&prefix=photos/&key=photos/2026/cat.jpg&max-keys=1000',
  ],
  ['a hex object key', '/media/5d672d79c15b13162d9279b0855cfba6/cat.jpg'],
  [
    'the non-secret parts of a COS signature',
    'q-sign-algorithm=sha1&q-sign-time=1795000000;1795003600&q-header-list=host',
  ],
  [
    'the non-secret parts of an OSS V4 URL',
    '?x-oss-signature-version=OSS4-HMAC-SHA256&x-oss-date=20261124T090000Z&x-oss-expires=3600',
  ],
  ['Swift temp URL expiry', '?temp_url_expires=1795000000'],
  ['a request id and host id', 'RequestId 5C3D9F2E8A1B4C7D HostId aGVsbG8gd29ybGQgdGhpcyBpcyBhIGhvc3QgaWQ='],
  ['prose with the words token and key', 'Basic authentication failed; token: expired; key: missing'],
  ['a user agent', 'aws-sdk-go/1.44.122 (go1.21.5; linux; amd64) S3Manager'],
];

describe('redactText', () => {
  it.each(TEXT)('%s', (_name, input, expected) => {
    expect(redactText(input)).toBe(expected);
  });

  it.each(UNCHANGED)('leaves %s unchanged', (_name, input) => {
    expect(redactText(input)).toBe(input);
  });

  it('is idempotent', () => {
    for (const [, input] of TEXT) expect(redactText(redactText(input))).toBe(redactText(input));
  });
});

describe('names that hold secrets', () => {
  it.each([
    'X-Amz-Security-Token',
    'AWSAccessKeyId',
    'q-ak',
    'x-cos-security-token',
    'X-Goog-Credential',
    'Authorization',
    'x-acme-session-token',
    'clientSecret',
    'db_password',
    'partner-key-id',
  ])('%s', (name) => expect(namesSecret(name)).toBe(true));

  it.each([
    'max-keys',
    'ArgumentName',
    'x-amz-date',
    'X-Amz-SignedHeaders',
    'q-sign-time',
    'versionId',
    'Range',
  ])('not %s', (name) => expect(namesSecret(name)).toBe(false));
});

describe('events keep what is not secret', () => {
  it('masks the access key in a body element, redacts signing material, keeps code, request id and path', () => {
    const [event] = extract(
      clf(
        `/media/cat.jpg?X-Amz-Signature=${SIG256}&versionId=3`,
        sigBody(
          `<AWSAccessKeyId>${AKID}</AWSAccessKeyId><StringToSign>x</StringToSign><HostId>h0stId=</HostId>`,
        ),
      ),
    ).events;
    expect(event).toMatchObject({
      code: 'SignatureDoesNotMatch',
      requestId: 'RQ2',
      details: { AWSAccessKeyId: '****4K2P', StringToSign: REDACTED, HostId: 'h0stId=' },
      request: { path: `/media/cat.jpg?X-Amz-Signature=${REDACTED}&versionId=3` },
    });
  });

  it('keeps ArgumentValue when ArgumentName names no secret', () => {
    const [event] = extract(
      '<Error><Code>InvalidArgument</Code><ArgumentName>max-keys</ArgumentName><ArgumentValue>-1</ArgumentValue></Error>',
    ).events;
    expect(event?.details).toEqual({ ArgumentName: 'max-keys', ArgumentValue: '-1' });
  });
});
