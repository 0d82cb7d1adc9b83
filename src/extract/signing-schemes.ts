// Every provider's request-signing scheme as data: each query parameter, header and error-body element it uses, and what redaction does with it.

/**
 * `secret`: the value is replaced by `[REDACTED]`. `access-key`: an access-key id; `[REDACTED]` in URLs and headers,
 * masked to its last four characters (`****1234`) in body elements, where it says which key failed.
 * `kept`: part of the scheme but not secret (algorithm, dates, expiry, signed header names).
 */
export type Treatment = 'secret' | 'access-key' | 'kept';

/** Where a field appears: a URL query parameter, a request header, an `Authorization` header part, an error-body element. */
export type Place = 'query' | 'header' | 'authorization' | 'body';

export interface SchemeField {
  name: string;
  place: Place;
  treatment: Treatment;
}

export interface SigningScheme {
  provider: string;
  scheme: string;
  fields: readonly SchemeField[];
}

const f = (place: Place, treatment: Treatment, ...names: string[]): SchemeField[] =>
  names.map((name) => ({ name, place, treatment }));

// The AWS error-body elements that echo signing material; S3-compatible servers (MinIO, Ceph RGW) echo the same.
const S3_BODY = [
  ...f('body', 'access-key', 'AWSAccessKeyId'),
  ...f(
    'body',
    'secret',
    'StringToSign',
    'StringToSignBytes',
    'CanonicalRequest',
    'CanonicalRequestBytes',
    'SignatureProvided',
  ),
  // InvalidToken, AuthorizationHeaderMalformed…: the header's value, when ArgumentName names a secret header.
  ...f('body', 'secret', 'ArgumentValue'),
];
const SIGV4_QUERY = [
  ...f('query', 'kept', 'X-Amz-Algorithm', 'X-Amz-Date', 'X-Amz-Expires', 'X-Amz-SignedHeaders'),
  ...f('query', 'access-key', 'X-Amz-Credential'),
  ...f('query', 'secret', 'X-Amz-Signature', 'X-Amz-Security-Token'),
];
const SIGV4_HEADERS = [
  ...f('authorization', 'kept', 'AWS4-HMAC-SHA256', 'SignedHeaders'),
  ...f('authorization', 'access-key', 'Credential'),
  ...f('authorization', 'secret', 'Signature'),
  ...f('header', 'secret', 'X-Amz-Security-Token'),
  ...f('header', 'kept', 'X-Amz-Date', 'X-Amz-Content-Sha256'),
];
const SIGV2 = [
  ...f('query', 'access-key', 'AWSAccessKeyId'),
  ...f('query', 'secret', 'Signature', 'x-amz-security-token'),
  ...f('query', 'kept', 'Expires'),
  ...f('authorization', 'secret', 'AWS'),
];

/** The schemes, provider by provider. docs/secrets.md shows this table; its golden log is test/fixtures/secrets. */
export const SIGNING_SCHEMES: readonly SigningScheme[] = [
  {
    provider: 'AWS S3',
    scheme: 'Signature V4 (query and Authorization header)',
    fields: [...SIGV4_QUERY, ...SIGV4_HEADERS, ...S3_BODY],
  },
  {
    provider: 'AWS S3',
    scheme: 'Signature V2 (query and `AWS AKID:signature` header)',
    fields: [...SIGV2, ...S3_BODY],
  },
  {
    provider: 'AWS S3',
    scheme: 'server-side encryption with customer keys',
    fields: f('header', 'secret', 'x-amz-server-side-encryption-customer-key'),
  },
  {
    provider: 'Alibaba Cloud OSS',
    scheme: 'Signature V1 (query and `OSS AccessKeyId:signature` header)',
    fields: [
      ...f('query', 'access-key', 'OSSAccessKeyId'),
      ...f('query', 'secret', 'Signature', 'security-token'),
      ...f('query', 'kept', 'Expires'),
      ...f('authorization', 'secret', 'OSS'),
      ...f('header', 'secret', 'x-oss-security-token'),
      ...f('body', 'access-key', 'OSSAccessKeyId'),
      ...f('body', 'secret', 'SignatureProvided', 'StringToSign', 'StringToSignBytes'),
    ],
  },
  {
    provider: 'Alibaba Cloud OSS',
    scheme: 'Signature V4 (query and `OSS4-HMAC-SHA256` header)',
    fields: [
      ...f(
        'query',
        'kept',
        'x-oss-signature-version',
        'x-oss-date',
        'x-oss-expires',
        'x-oss-additional-headers',
      ),
      ...f('query', 'access-key', 'x-oss-credential'),
      ...f('query', 'secret', 'x-oss-signature', 'x-oss-security-token'),
      ...f('authorization', 'kept', 'OSS4-HMAC-SHA256', 'AdditionalHeaders'),
      ...f('authorization', 'access-key', 'Credential'),
      ...f('authorization', 'secret', 'Signature'),
      ...f('body', 'secret', 'CanonicalRequest', 'StringToSign', 'SignatureProvided'),
    ],
  },
  {
    provider: 'Tencent Cloud COS',
    scheme: 'XML API signature (query, Authorization header, legacy `sign=`)',
    fields: [
      ...f(
        'query',
        'kept',
        'q-sign-algorithm',
        'q-sign-time',
        'q-key-time',
        'q-header-list',
        'q-url-param-list',
      ),
      ...f('query', 'access-key', 'q-ak'),
      ...f('query', 'secret', 'q-signature', 'x-cos-security-token', 'sign'),
      ...f('header', 'secret', 'x-cos-security-token'),
      ...f('body', 'secret', 'StringToSign', 'FormatString', 'SignatureProvided'),
    ],
  },
  {
    provider: 'Google Cloud Storage',
    scheme: 'V4 signing (query and `GOOG4-*` Authorization header)',
    fields: [
      ...f('query', 'kept', 'X-Goog-Algorithm', 'X-Goog-Date', 'X-Goog-Expires', 'X-Goog-SignedHeaders'),
      ...f('query', 'access-key', 'X-Goog-Credential'),
      ...f('query', 'secret', 'X-Goog-Signature'),
      ...f('authorization', 'kept', 'GOOG4-HMAC-SHA256', 'GOOG4-RSA-SHA256', 'SignedHeaders'),
      ...f('authorization', 'access-key', 'Credential'),
      ...f('authorization', 'secret', 'Signature'),
      ...f('body', 'secret', 'StringToSign', 'CanonicalRequest'),
    ],
  },
  {
    provider: 'Google Cloud Storage',
    scheme: 'V2 signing (query and `GOOG1 access:signature` header) and OAuth',
    fields: [
      ...f('query', 'access-key', 'GoogleAccessId'),
      ...f('query', 'secret', 'Signature'),
      ...f('query', 'kept', 'Expires'),
      ...f('authorization', 'secret', 'GOOG1', 'Bearer'),
      ...f('body', 'secret', 'StringToSign'),
    ],
  },
  {
    provider: 'MinIO',
    scheme: 'Signature V4 and V2 as AWS, STS session tokens, POST policy form',
    fields: [
      ...SIGV4_QUERY,
      ...f('query', 'access-key', 'AWSAccessKeyId'),
      ...f('query', 'secret', 'Signature'),
      // POST policy uploads send these as form fields; a logged form body reads like a query string.
      ...f('query', 'secret', 'x-amz-signature', 'x-amz-security-token'),
      ...f('query', 'access-key', 'x-amz-credential'),
      ...f('query', 'kept', 'policy'),
      ...S3_BODY,
    ],
  },
  {
    provider: 'Ceph RGW',
    scheme: 'S3 Signature V2/V4 as AWS, Swift temp URLs and tokens',
    fields: [
      ...SIGV4_QUERY,
      ...SIGV2,
      ...f('query', 'secret', 'temp_url_sig'),
      ...f('query', 'kept', 'temp_url_expires'),
      ...f('header', 'secret', 'X-Auth-Token', 'X-Auth-Key', 'X-Storage-Token'),
      ...S3_BODY,
    ],
  },
];
