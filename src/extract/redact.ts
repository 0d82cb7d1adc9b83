// Keeps secrets out of events: signing material in bodies, credentials in presigned URLs, access-key ids masked.

export const REDACTED = '[REDACTED]';

// Body elements whose whole value is signing material or a credential (`Token-0`: S3 InvalidToken echoes the token).
const SECRET_ELEMENT =
  /^(?:SignatureProvided|StringToSign(?:Bytes)?|CanonicalRequest(?:Bytes)?|Signature|SecurityToken|Security-Token|X-Amz-Security-Token|x-oss-security-token|SessionToken|Credential|X-Amz-Credential|Authorization|Token-\d+)$/i;
const ACCESS_KEY_ELEMENT = /^(?:AWSAccessKeyId|OSSAccessKeyId|AccessKeyId)$/i;
const SECRET_PARAM =
  /([?&;\s]|^)(Signature|X-Amz-Signature|X-Amz-Credential|X-Amz-Security-Token|OSSAccessKeyId|AWSAccessKeyId|security-token|x-oss-security-token|x-oss-signature|x-oss-credential)=([^&;\s"'<>]*)/gi;

/** `LTAI5tAbCdEf1234` → `****1234`. */
export function maskAccessKey(id: string): string {
  return id.length > 4 ? `****${id.slice(-4)}` : '****';
}

/** Replaces the values of signature and credential query parameters in a path or URL. */
export function redactUrl(text: string): string {
  if (!text.includes('=')) return text;
  return text.replace(SECRET_PARAM, (_all, lead: string, name: string) => `${lead}${name}=${REDACTED}`);
}

/** The value an element may show in an event: secret elements redacted, access keys masked, URLs cleaned. */
export function redactElement(name: string, value: unknown): unknown {
  if (SECRET_ELEMENT.test(name)) return REDACTED;
  if (Array.isArray(value)) return value.map((v) => redactElement(name, v));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, redactElement(k, v)]));
  }
  if (typeof value !== 'string') return value;
  if (ACCESS_KEY_ELEMENT.test(name)) return maskAccessKey(value);
  return redactUrl(value);
}
