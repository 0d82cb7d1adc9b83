// Plants secrets of every provider's signing schemes in log lines of every framing, and finds any that came out.
import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { jsonEscape, nginxEscape } from './escape.js';

const digest = (seed: number, salt: string, encoding: 'hex' | 'base64' | 'base64url', bytes = 32) => {
  let out = '';
  for (let i = 0; out.length < bytes * 2; i++)
    out += createHash('sha512').update(`${salt}:${seed}:${i}`).digest(encoding);
  return out;
};
const upperAlnum = (seed: number, salt: string, n: number) =>
  digest(seed, salt, 'hex', n)
    .toUpperCase()
    .replace(/[^A-Z0-9]/g, '')
    .slice(0, n);
const alnum = (seed: number, salt: string, n: number) =>
  digest(seed, salt, 'base64', n * 2)
    .replace(/[^A-Za-z0-9]/g, '')
    .slice(0, n);

/** Secret values of the shapes providers issue, all derived from one seed. */
export function secretsFor(seed: number) {
  return {
    awsKeyId: `AKIA${upperAlnum(seed, 'aws', 16)}`,
    awsStsKeyId: `ASIA${upperAlnum(seed, 'sts', 16)}`,
    ossKeyId: `LTAI5t${alnum(seed, 'oss', 18)}`,
    ossStsKeyId: `STS.NT${alnum(seed, 'oss-sts', 24)}`,
    cosKeyId: `AKID${alnum(seed, 'cos', 32)}`,
    gcsHmacId: `GOOG1E${upperAlnum(seed, 'goog', 55)}`,
    gcsServiceAccount: `signer-${digest(seed, 'sa', 'hex', 4).slice(0, 8)}@acme-prod.iam.gserviceaccount.com`,
    minioUser: `minio-ci-${digest(seed, 'mu', 'hex', 8).slice(0, 12)}`,
    hexSha256: digest(seed, 'sig256', 'hex').slice(0, 64),
    hexSha1: digest(seed, 'sig1', 'hex').slice(0, 40),
    hexRsa: digest(seed, 'rsa', 'hex', 256).slice(0, 512),
    base64Sig: `${digest(seed, 'b64', 'base64').slice(0, 27)}=`,
    awsSessionToken: `IQoJb3JpZ2luX2VjE${digest(seed, 'tok', 'base64', 120).slice(0, 200)}`,
    ossSessionToken: `CAIS${digest(seed, 'caistok', 'base64', 90).slice(0, 150)}`,
    cosSessionToken: digest(seed, 'costok', 'base64url', 80).slice(0, 120),
    jwt: `eyJhbGciOiJIUzUxMiJ9.eyJ${digest(seed, 'jwt', 'base64url', 40).slice(0, 60)}.${digest(seed, 'jwts', 'base64url').slice(0, 43)}`,
    opaque: `${digest(seed, 'opaque', 'base64url').slice(0, 30)}9x`,
  };
}
export type Secrets = ReturnType<typeof secretsFor>;

/** A secret carrier: the text that holds the secrets, and the secret values it holds. */
export interface Carrier {
  scheme: string;
  text: string;
  secrets: string[];
}

const DATE = '20261124';
const enc = encodeURIComponent;

/** Presigned URLs and signed query strings, one per provider scheme. */
export const URL_SCHEMES: Record<string, (s: Secrets) => Carrier> = {
  'AWS SigV4 presigned': (s) => ({
    scheme: 'AWS SigV4 presigned',
    text: `https://media-prod.s3.us-east-1.amazonaws.com/img/cat.jpg?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=${s.awsStsKeyId}%2F${DATE}%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Date=${DATE}T090000Z&X-Amz-Expires=900&X-Amz-Security-Token=${enc(s.awsSessionToken)}&X-Amz-SignedHeaders=host&X-Amz-Signature=${s.hexSha256}`,
    secrets: [s.awsStsKeyId, s.awsSessionToken, s.hexSha256],
  }),
  'AWS SigV2 query': (s) => ({
    scheme: 'AWS SigV2 query',
    text: `https://media-prod.s3.amazonaws.com/img/cat.jpg?AWSAccessKeyId=${s.awsKeyId}&Expires=1795000000&Signature=${enc(s.base64Sig)}`,
    secrets: [s.awsKeyId, s.base64Sig],
  }),
  'OSS V1 presigned': (s) => ({
    scheme: 'OSS V1 presigned',
    text: `https://media-prod.oss-cn-hangzhou.aliyuncs.com/img/cat.jpg?OSSAccessKeyId=${enc(s.ossStsKeyId)}&Expires=1795000000&Signature=${enc(s.base64Sig)}&security-token=${enc(s.ossSessionToken)}`,
    secrets: [s.ossStsKeyId, s.base64Sig, s.ossSessionToken],
  }),
  'OSS V4 presigned': (s) => ({
    scheme: 'OSS V4 presigned',
    text: `https://media-prod.oss-cn-hangzhou.aliyuncs.com/img/cat.jpg?x-oss-signature-version=OSS4-HMAC-SHA256&x-oss-credential=${s.ossKeyId}%2F${DATE}%2Fcn-hangzhou%2Foss%2Faliyun_v4_request&x-oss-date=${DATE}T090000Z&x-oss-expires=3600&x-oss-signature=${s.hexSha256}`,
    secrets: [s.ossKeyId, s.hexSha256],
  }),
  'COS presigned': (s) => ({
    scheme: 'COS presigned',
    text: `https://media-1250000000.cos.ap-guangzhou.myqcloud.com/img/cat.jpg?q-sign-algorithm=sha1&q-ak=${s.cosKeyId}&q-sign-time=1795000000%3B1795003600&q-key-time=1795000000%3B1795003600&q-header-list=host&q-url-param-list=&q-signature=${s.hexSha1}&x-cos-security-token=${s.cosSessionToken}`,
    secrets: [s.cosKeyId, s.hexSha1, s.cosSessionToken],
  }),
  'COS legacy sign=': (s) => ({
    scheme: 'COS legacy sign=',
    text: `https://media-1250000000.cos.ap-guangzhou.myqcloud.com/img/cat.jpg?sign=${enc(`q-sign-algorithm=sha1&q-ak=${s.cosKeyId}&q-sign-time=1795000000;1795003600&q-key-time=1795000000;1795003600&q-header-list=&q-url-param-list=&q-signature=${s.hexSha1}`)}`,
    secrets: [s.cosKeyId, s.hexSha1],
  }),
  'GCS V4 signed URL': (s) => ({
    scheme: 'GCS V4 signed URL',
    text: `https://storage.googleapis.com/media-prod/img/cat.jpg?X-Goog-Algorithm=GOOG4-RSA-SHA256&X-Goog-Credential=${enc(s.gcsServiceAccount)}%2F${DATE}%2Fauto%2Fstorage%2Fgoog4_request&X-Goog-Date=${DATE}T090000Z&X-Goog-Expires=900&X-Goog-SignedHeaders=host&X-Goog-Signature=${s.hexRsa}`,
    secrets: [s.gcsServiceAccount, s.hexRsa],
  }),
  'GCS V2 signed URL': (s) => ({
    scheme: 'GCS V2 signed URL',
    text: `https://storage.googleapis.com/media-prod/img/cat.jpg?GoogleAccessId=${enc(s.gcsServiceAccount)}&Expires=1795000000&Signature=${enc(s.base64Sig)}`,
    secrets: [s.gcsServiceAccount, s.base64Sig],
  }),
  'MinIO STS presigned': (s) => ({
    scheme: 'MinIO STS presigned',
    text: `http://minio.internal:9000/media/cat.jpg?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=${s.minioUser}%2F${DATE}%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Date=${DATE}T090000Z&X-Amz-Expires=600&X-Amz-SignedHeaders=host&X-Amz-Security-Token=${s.jwt}&X-Amz-Signature=${s.hexSha256}`,
    secrets: [s.minioUser, s.jwt, s.hexSha256],
  }),
  'Ceph RGW Swift temp URL': (s) => ({
    scheme: 'Ceph RGW Swift temp URL',
    text: `https://rgw.internal/swift/v1/AUTH_acme/media/cat.jpg?temp_url_sig=${s.hexSha1}&temp_url_expires=1795000000`,
    secrets: [s.hexSha1],
  }),
  'a new provider, secret-looking names': (s) => ({
    scheme: 'a new provider, secret-looking names',
    text: `https://files.example.net/dl/cat.jpg?x-acme-session-token=${s.opaque}&upload_signature=${s.hexSha1}&partnerKeyId=${s.awsKeyId.slice(4)}9q&clientSecret=${s.cosSessionToken}`,
    secrets: [s.opaque, s.hexSha1, `${s.awsKeyId.slice(4)}9q`, s.cosSessionToken],
  }),
};

/** `Authorization` values and secret headers, as `Name: value`. */
export const HEADER_SCHEMES: Record<string, (s: Secrets) => Carrier> = {
  'AWS SigV4 Authorization': (s) => ({
    scheme: 'AWS SigV4 Authorization',
    text: `Authorization: AWS4-HMAC-SHA256 Credential=${s.awsKeyId}/${DATE}/us-east-1/s3/aws4_request, SignedHeaders=host;x-amz-content-sha256;x-amz-date, Signature=${s.hexSha256}`,
    secrets: [s.awsKeyId, s.hexSha256],
  }),
  'AWS SigV2 Authorization': (s) => ({
    scheme: 'AWS SigV2 Authorization',
    text: `Authorization: AWS ${s.awsKeyId}:${s.base64Sig}`,
    secrets: [s.awsKeyId, s.base64Sig],
  }),
  'OSS V1 Authorization': (s) => ({
    scheme: 'OSS V1 Authorization',
    text: `Authorization: OSS ${s.ossKeyId}:${s.base64Sig}`,
    secrets: [s.ossKeyId, s.base64Sig],
  }),
  'OSS V4 Authorization': (s) => ({
    scheme: 'OSS V4 Authorization',
    text: `Authorization: OSS4-HMAC-SHA256 Credential=${s.ossKeyId}/${DATE}/cn-hangzhou/oss/aliyun_v4_request,AdditionalHeaders=host,Signature=${s.hexSha256}`,
    secrets: [s.ossKeyId, s.hexSha256],
  }),
  'COS Authorization': (s) => ({
    scheme: 'COS Authorization',
    text: `Authorization: q-sign-algorithm=sha1&q-ak=${s.cosKeyId}&q-sign-time=1795000000;1795003600&q-key-time=1795000000;1795003600&q-header-list=host&q-url-param-list=&q-signature=${s.hexSha1}`,
    secrets: [s.cosKeyId, s.hexSha1],
  }),
  'GCS HMAC V4 Authorization': (s) => ({
    scheme: 'GCS HMAC V4 Authorization',
    text: `Authorization: GOOG4-HMAC-SHA256 Credential=${s.gcsHmacId}/${DATE}/auto/storage/goog4_request, SignedHeaders=host;x-goog-date, Signature=${s.hexSha256}`,
    secrets: [s.gcsHmacId, s.hexSha256],
  }),
  'GCS V2 Authorization': (s) => ({
    scheme: 'GCS V2 Authorization',
    text: `Authorization: GOOG1 ${s.gcsHmacId}:${s.base64Sig}`,
    secrets: [s.gcsHmacId, s.base64Sig],
  }),
  'OAuth bearer': (s) => ({
    scheme: 'OAuth bearer',
    text: `Authorization: Bearer ${s.jwt}`,
    secrets: [s.jwt],
  }),
  'session token headers': (s) => ({
    scheme: 'session token headers',
    text: `x-amz-security-token: ${s.awsSessionToken}; x-oss-security-token: ${s.ossSessionToken}; x-cos-security-token: ${s.cosSessionToken}`,
    secrets: [s.awsSessionToken, s.ossSessionToken, s.cosSessionToken],
  }),
  'Swift auth token': (s) => ({
    scheme: 'Swift auth token',
    text: `X-Auth-Token: AUTH_tk${s.hexSha1}`,
    secrets: [s.hexSha1],
  }),
};

/** Error-body elements that echo signing material. */
export const ELEMENT_SCHEMES: Record<string, (s: Secrets) => Carrier> = {
  'AWS SignatureDoesNotMatch': (s) => ({
    scheme: 'AWS SignatureDoesNotMatch',
    text: `<AWSAccessKeyId>${s.awsKeyId}</AWSAccessKeyId><StringToSign>AWS4-HMAC-SHA256\n${DATE}T090000Z\n${DATE}/us-east-1/s3/aws4_request\n${s.hexSha256}</StringToSign><SignatureProvided>${s.hexRsa.slice(0, 64)}</SignatureProvided><StringToSignBytes>41 57 53 ${s.hexSha1}</StringToSignBytes><CanonicalRequest>GET\n/img/cat.jpg\nX-Amz-Security-Token=${enc(s.awsSessionToken)}\nhost:media-prod.s3.amazonaws.com</CanonicalRequest><CanonicalRequestBytes>47 45 54 ${s.opaque}</CanonicalRequestBytes>`,
    secrets: [s.awsKeyId, s.hexSha256, s.hexRsa.slice(0, 64), s.hexSha1, s.awsSessionToken, s.opaque],
  }),
  'OSS SignatureDoesNotMatch': (s) => ({
    scheme: 'OSS SignatureDoesNotMatch',
    text: `<OSSAccessKeyId>${s.ossKeyId}</OSSAccessKeyId><SignatureProvided>${s.base64Sig}</SignatureProvided><StringToSign>GET\n\n\n1795000000\n/media-prod/img/cat.jpg?security-token=${s.ossSessionToken}</StringToSign><StringToSignBytes>47 45 54 ${s.hexSha1}</StringToSignBytes>`,
    secrets: [s.ossKeyId, s.base64Sig, s.ossSessionToken, s.hexSha1],
  }),
  'COS SignatureDoesNotMatch': (s) => ({
    scheme: 'COS SignatureDoesNotMatch',
    text: `<StringToSign>sha1\n1795000000;1795003600\n${s.hexSha1}\n</StringToSign><FormatString>get\n/img/cat.jpg\n\nhost=media-1250000000.cos.ap-guangzhou.myqcloud.com&amp;x-cos-security-token=${s.cosSessionToken}\n</FormatString>`,
    secrets: [s.hexSha1, s.cosSessionToken],
  }),
  'GCS SignatureDoesNotMatch': (s) => ({
    scheme: 'GCS SignatureDoesNotMatch',
    text: `<StringToSign>GOOG4-RSA-SHA256\n${DATE}T090000Z\n${DATE}/auto/storage/goog4_request\n${s.hexSha256}</StringToSign><CanonicalRequest>GET\n/media-prod/img/cat.jpg\nX-Goog-Credential=${enc(s.gcsServiceAccount)}\nhost:storage.googleapis.com</CanonicalRequest>`,
    secrets: [s.hexSha256, s.gcsServiceAccount],
  }),
  'ArgumentValue naming a credential': (s) => ({
    scheme: 'ArgumentValue naming a credential',
    text: `<ArgumentName>AWSAccessKeyId</ArgumentName><ArgumentValue>${s.minioUser}</ArgumentValue>`,
    secrets: [s.minioUser],
  }),
  'ArgumentValue echoing a token': (s) => ({
    scheme: 'ArgumentValue echoing a token',
    text: `<ArgumentName>x-amz-security-token</ArgumentName><ArgumentValue>${s.awsSessionToken}</ArgumentValue>`,
    secrets: [s.awsSessionToken],
  }),
  'ArgumentValue echoing an Authorization header': (s) => ({
    scheme: 'ArgumentValue echoing an Authorization header',
    text: `<ArgumentName>Authorization</ArgumentName><ArgumentValue>AWS4-HMAC-SHA256 Credential=${s.minioUser}/${DATE}/us-east-1/s3/aws4_request, Signature=${s.hexSha256}</ArgumentValue>`,
    secrets: [s.minioUser, s.hexSha256],
  }),
  'token elements': (s) => ({
    scheme: 'token elements',
    text: `<SecurityToken>${s.ossSessionToken}</SecurityToken><Token-0>${s.awsSessionToken}</Token-0><ProvidedSessionToken>${s.opaque}</ProvidedSessionToken>`,
    secrets: [s.ossSessionToken, s.awsSessionToken, s.opaque],
  }),
};

/** A URL carrier inside `depth` more URLs, each percent-encoding it once more (`next=https%3A%2F%2F…`). */
export function nest(carrier: Carrier, depth: number): Carrier {
  let text = carrier.text;
  const outers = [
    'https://app.example.com/login?next=',
    'https://sso.example.com/cb?state=x&return_to=',
    'https://r.example.org/go?u=',
  ];
  for (let i = 0; i < depth; i++) text = `${outers[i % outers.length]}${enc(text)}`;
  return { ...carrier, text };
}

/** Where in a record a URL or header carrier goes. */
export const PLACES = [
  'path',
  'referer',
  'user agent',
  'message',
  'resource',
  'details element',
  'JSON field',
  'header line',
] as const;
export type Place = (typeof PLACES)[number];

/** Log shapes, each as the bytes of a whole source. */
export const FRAMINGS = [
  'raw text',
  'nginx escape=default',
  'nginx escape=json',
  'JSON log',
  'CRI',
  'CRI split in partials',
  'Docker json-file',
  'pretty-printed multi-line',
] as const;
export type Framing = (typeof FRAMINGS)[number];

export interface Plant {
  framing: Framing;
  place: Place;
  /** A URL or header carrier, planted at `place`. */
  carrier: Carrier;
  /** Body elements with secrets of their own, planted in the body. */
  elements: Carrier | undefined;
}

const xmlText = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const goJson = (v: unknown) =>
  JSON.stringify(v).replace(/[<>&]/g, (c) => `\\u00${c.charCodeAt(0).toString(16).padStart(2, '0')}`);

/** The source text (one or more lines) for a plant, and every secret planted in it. */
export function render(p: Plant): { log: string; secrets: string[] } {
  const at = (place: Place) => (p.place === place ? p.carrier.text : undefined);
  const path = at('path') ?? '/media-prod/img/cat.jpg';
  const referer = at('referer') ?? 'https://app.example.com/gallery';
  const ua = at('user agent') ? `aws-sdk-go/1.44.122 (${p.carrier.text})` : 'aws-sdk-go/1.44.122';
  const message = at('message') ? `Request ${xmlText(p.carrier.text)} failed` : 'Access Denied';
  const resource = xmlText(at('resource') ?? '/media-prod/img/cat.jpg');
  const detail = at('details element') ? `<Details>${xmlText(p.carrier.text)}</Details>` : '';
  const elements = (p.elements?.text ?? '').replace(/\n/g, '&#10;');
  const body =
    `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>AccessDenied</Code><Message>${message}</Message>` +
    `<Resource>${resource}</Resource><RequestId>5C3D9F2E8A1B4C7D</RequestId>${detail}${elements}</Error>`;
  const flat = body.replace('\n', '');
  const headerLine = at('header line') ? ` after ${p.carrier.text}` : '';
  const json = JSON.stringify({
    time: '2026-11-24T09:00:05Z',
    status: 403,
    request: `GET ${path} HTTP/1.1`,
    http_referer: referer,
    http_user_agent: ua,
    ...(at('JSON field')
      ? { upstream: { signed: p.carrier.text, headers: { authorization: p.carrier.text } } }
      : {}),
    ...(at('header line') ? { note: headerLine } : {}),
    resp_body: body,
  });
  const clf = (esc: (s: string) => string) =>
    `10.0.0.1 - - [24/Nov/2026:09:00:05 +0000] "GET ${path} HTTP/1.1" 403 243 "${esc(referer)}" "${esc(ua)}" "${esc(body)}"${at('JSON field') || at('header line') ? ` extra="${esc(p.carrier.text)}"` : ''}`;
  let log: string;
  switch (p.framing) {
    case 'raw text':
      log = `2026-11-24T09:00:05Z WARN GET ${path} referer=${referer} ua="${ua}" status=403${headerLine} ${at('JSON field') ? `${p.carrier.text} ` : ''}body=${flat}`;
      break;
    case 'nginx escape=default':
      log = clf(nginxEscape);
      break;
    case 'nginx escape=json':
      log = clf(jsonEscape);
      break;
    case 'JSON log':
      log = json;
      break;
    case 'CRI':
      log = `2026-11-24T09:00:05.000000001Z stdout F ${json}`;
      break;
    case 'CRI split in partials': {
      const cutAt = Math.floor(json.length / 2);
      log = `2026-11-24T09:00:05.000000001Z stdout P ${json.slice(0, cutAt)}\n2026-11-24T09:00:05.000000002Z stdout F ${json.slice(cutAt)}`;
      break;
    }
    case 'Docker json-file':
      log = goJson({ log: `${json}\n`, stream: 'stdout', time: '2026-11-24T09:00:05.1Z' });
      break;
    case 'pretty-printed multi-line':
      log =
        `2026-11-24 09:00:05.500 ERROR [main] GET ${path} referer=${referer} ua=${ua} status=403${headerLine}${at('JSON field') ? ` ${p.carrier.text}` : ''}\n` +
        body
          .replace(/></g, '>\n  <')
          .replace('\n  <Error>', '\n<Error>')
          .replace('\n  </Error>', '\n</Error>');
      break;
  }
  return { log: `${log}\n`, secrets: [...p.carrier.secrets, ...(p.elements?.secrets ?? [])] };
}

/** Undoes percent-encoding (any depth), JSON and nginx escapes: a secret written encoded is still found. */
export function decodedForms(text: string): string[] {
  const forms = [text];
  let cur = text;
  for (let i = 0; i < 8; i++) {
    const next = cur
      .replace(/(?:%[0-9A-Fa-f]{2})+/g, (run) => {
        try {
          return decodeURIComponent(run);
        } catch {
          return run;
        }
      })
      .replace(/\\x([0-9A-Fa-f]{2})/g, (_a, h: string) => String.fromCharCode(Number.parseInt(h, 16)))
      .replace(/\\u([0-9A-Fa-f]{4})/g, (_a, h: string) => String.fromCharCode(Number.parseInt(h, 16)))
      .replace(/&amp;/g, '&');
    if (next === cur) break;
    forms.push(next);
    cur = next;
  }
  return forms;
}

/** The planted secrets found in `output`, in any encoding. */
export function leaked(output: string, secrets: readonly string[]): string[] {
  const forms = decodedForms(output);
  return secrets.filter((s) => forms.some((f) => f.includes(s) || f.includes(enc(s))));
}

const schemeOf = (table: Record<string, (s: Secrets) => Carrier>) => fc.constantFrom(...Object.values(table));

/** A random plant: a framing, a place, a provider scheme at a random encoding depth, maybe body elements too. */
export const plantArb: fc.Arbitrary<Plant> = fc
  .record({
    framing: fc.constantFrom(...FRAMINGS),
    place: fc.constantFrom(...PLACES),
    carrier: fc.oneof(
      fc.tuple(schemeOf(URL_SCHEMES), fc.integer({ min: 0, max: 3 })),
      fc.tuple(schemeOf(HEADER_SCHEMES), fc.integer({ min: 0, max: 1 })),
    ),
    elements: fc.option(schemeOf(ELEMENT_SCHEMES), { nil: undefined }),
    seed: fc.nat(),
  })
  .map(({ framing, place, carrier: [scheme, depth], elements, seed }) => {
    const s = secretsFor(seed);
    return { framing, place, carrier: nest(scheme(s), depth), elements: elements?.(s) };
  });
