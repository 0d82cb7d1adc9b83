// Property: redactText's one-test fast path gives what every redaction rule run one by one gives, on any text.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { REDACTED, redactAll, redactText } from '../src/extract/redact.js';
import { SIGNING_SCHEMES } from '../src/extract/signing-schemes.js';
import { HEADER_SCHEMES, secretsFor, URL_SCHEMES } from './helpers/secrets.js';

const secrets = secretsFor(7);
// What the rules look for, and what sits next to it in real logs: every scheme's field names, every separator
// and escape shape, scheme words, key-id prefixes, a JWT's start, whole signed URLs and headers.
const FRAGMENTS = [
  ...new Set(SIGNING_SCHEMES.flatMap((s) => s.fields.map((f) => f.name))),
  ...Object.values(secrets),
  ...Object.values(URL_SCHEMES).map((c) => c(secrets).text),
  ...Object.values(HEADER_SCHEMES).map((c) => c(secrets).text),
  ...[
    '=',
    ':',
    '%',
    '\\',
    '%3D',
    '%253D',
    '%3a',
    '%20',
    '%2520',
    '%26',
    '\\x22',
    '\\x3D',
    '\\u0022',
    '\\u003d',
  ],
  ...['%41%4B%49%41', '\\x41\\x4b', '"', "'", ' ', '+', '&', '?', '/', '\n', 'é', '报'],
  ...[
    'AWS',
    'OSS',
    'GOOG1',
    'GOOG',
    'Bearer',
    'Basic',
    'AKIA',
    'ASIA',
    'LTAI',
    'AKID',
    'eyJ',
    'AWS4-HMAC-SHA256',
  ],
  ...[
    'password',
    'token',
    'secret',
    'key',
    'sig',
    'NoSuchKey',
    'The specified key does not exist.',
    REDACTED,
  ],
];
const textArb = fc
  .array(
    fc.oneof(fc.constantFrom(...FRAGMENTS), fc.string({ maxLength: 6 }), fc.string({ unit: 'binary' })),
    {
      maxLength: 12,
    },
  )
  .map((parts) => parts.join(''));

describe('redactText fast path', () => {
  it.each([
    ['an error code', 'NoSuchKey'],
    ['a message', 'The specified key does not exist.'],
    ['a path', '/media-prod/images/cat.jpg'],
    ['a user agent', 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko)'],
    ['an IP', '10.0.0.1'],
    ['a request id', '5C3D9F2E8A1B4C7D9E0F1A2B'],
    ['the empty string', ''],
  ])('gives %s back as it is', (_name, text) => {
    expect(redactText(text)).toBe(text);
    expect(redactAll(text)).toBe(text);
  });

  it.each([
    ['a signed query', '/b/k?X-Amz-Signature=f00d&v=1', '/b/k?X-Amz-Signature=[REDACTED]&v=1'],
    ['a V2 header', 'AWS AKIAIOSFODNN7EXAMPLE:frJIUN8DYpKDtOLCwo//yllqDzg=', 'AWS [REDACTED]'],
    ['a bare key id', 'key AKIAIOSFODNN7EXAMPLE failed', 'key ****MPLE failed'],
    ['a JWT', 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0In0.c2lnbmF0dXJlMTIz', REDACTED],
    ['a bearer token', 'Bearer AbCdEf0123456789xyz', 'Bearer [REDACTED]'],
    [
      'an escaped separator',
      'X-Amz-Signature\\x3Dfe5f80f77d5fa3beca038a248ff027d0',
      'X-Amz-Signature=[REDACTED]',
    ],
  ])('runs every rule on %s', (_name, text, expected) => {
    expect(redactText(text)).toBe(expected);
  });

  it('equals the rules run one by one on random texts of names, secrets, separators and escapes', () => {
    fc.assert(
      fc.property(textArb, (text) => {
        expect(redactText(text)).toBe(redactAll(text));
      }),
      { numRuns: 5000, seed: 15 },
    );
  });
});
