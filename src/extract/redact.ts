// Keeps secrets out of everything the exporter writes: every provider's signing fields by name, any field whose name looks secret, key ids by shape, at any percent-encoding depth.
import { SIGNING_SCHEMES } from './signing-schemes.js';

export const REDACTED = '[REDACTED]';

const FIELDS = SIGNING_SCHEMES.flatMap((s) => s.fields);
const namesOf = (keep: (f: (typeof FIELDS)[number]) => boolean) =>
  new Set(FIELDS.filter(keep).map((f) => f.name.toLowerCase()));
// The schemes' own names: secret ones are redacted whatever their value looks like, kept ones never are.
const PARAM_SECRET = namesOf((f) => f.place !== 'body' && f.treatment !== 'kept');
const PARAM_KEPT = namesOf((f) => f.place !== 'body' && f.treatment === 'kept');
// `ArgumentValue` is secret only when its `ArgumentName` names a secret: `redactDetails` decides.
const BODY_SECRET = namesOf(
  (f) => f.place === 'body' && f.treatment === 'secret' && f.name !== 'ArgumentValue',
);
const BODY_ACCESS_KEY = namesOf((f) => f.place === 'body' && f.treatment === 'access-key');

// Names no scheme lists yet (a new provider, an app's own header): the words secrets are named with.
// Matched on the name split into lower-case words: `AccessKeyId`, `access_key_id` and `access-key-id` alike.
const STRONG_WORD =
  /secret|passw(?:or)?d|signature|credential|token|api-?key|access-?key|key-?id|private-?key|authori[sz]ation|session-?key|(?:^|-)(?:sig|pwd|jwt|cookie)(?:-|$)/;
// Words that name secrets and other things too (`key` is also an object key): only a secret-shaped value counts.
const WEAK_WORD = /(?:^|-)(?:key|ak|sk|sign|auth|pass|sid|hmac)(?:-|$)/;
const ACCESS_KEY_WORD = /access-?key|key-?id|access-?id/;
// Long runs of base64, base64url, hex or percent-encoded bytes: a token, not a word (see `secretShaped`).
const SECRET_SHAPE = /^[\w+/=.~%-]{16,}$/;

type Kind = 'none' | 'always' | 'strong' | 'weak';

/** `X-Amz-Signature` → `x-amz-signature`; `AWSAccessKeyId` → `awsaccess-key-id`; `temp_url_sig` → `temp-url-sig`. */
function words(name: string): string {
  return name
    .replace(/([a-z0-9])([A-Z])/g, '$1-$2')
    .replace(/[_.\s]+/g, '-')
    .toLowerCase();
}

// Names repeat (every presigned URL has the same dozen): their kinds are remembered, up to a bound.
const KINDS = new Map<string, Kind>();
const MAX_KINDS = 2048;

function kindOf(name: string): Kind {
  let kind = KINDS.get(name);
  if (kind !== undefined) return kind;
  const low = name.toLowerCase();
  const w = words(name);
  if (PARAM_KEPT.has(low)) kind = 'none';
  else if (PARAM_SECRET.has(low)) kind = 'always';
  else if (STRONG_WORD.test(w)) kind = 'strong';
  else kind = WEAK_WORD.test(w) ? 'weak' : 'none';
  if (KINDS.size >= MAX_KINDS) KINDS.clear();
  KINDS.set(name, kind);
  return kind;
}

function secretShaped(value: string): boolean {
  if (!SECRET_SHAPE.test(value) || !/\d/.test(value) || /\.[A-Za-z]{2,4}$/.test(value)) return false;
  // Hex (signatures), all capitals (key ids), or all three cases mixed (base64): not a path or a word with a year.
  return (
    /^[0-9a-f]+$/i.test(value) || /^[A-Z0-9]+$/.test(value) || (/[a-z]/.test(value) && /[A-Z]/.test(value))
  );
}

/** True when a field of this name holds a secret (an `ArgumentName`, a header name): its value is never shown. */
export function namesSecret(name: string): boolean {
  return kindOf(name.trim()) !== 'none';
}

// What may come before a name or a key id: start, punctuation, or an escaped byte (`%26`, `%2526`, `\x22`, `\u0026`).
// Checked after a match, never as a lookbehind the regex would try at every character.
const ESCAPED_BYTE_BEFORE = /(?:%(?:25)*[0-9A-Fa-f]{2}|\\x[0-9A-Fa-f]{2}|\\u00[0-9A-Fa-f]{2})$/;

function startsWord(text: string, at: number): boolean {
  if (at === 0 || !isNameChar(text.charCodeAt(at - 1))) return true;
  return ESCAPED_BYTE_BEFORE.test(text.slice(Math.max(0, at - 12), at));
}

const QUOTE = String.raw`(?:\\{0,7}"|'|\\x22|\\u0022|%(?:25)*22)`;
// `=` or `:` as written, or percent-encoded once or more (`%3D`, `%253D`…); quotes and spaces around it.
const SEP = /[=:]|%(?:25)*3[dDaA]/g;
// Spaces as written or percent-encoded (`%20`, `%2520`), and `+` for a space in a form-encoded query.
const SPACE = String.raw`(?:\s|\+|%(?:25)*20)*`;
const SEP_LEAD = new RegExp(`${QUOTE}?${SPACE}$`);
const SEP_TAIL = new RegExp(`${SPACE}${QUOTE}?`, 'y');
// A value ends at a delimiter, as written or percent-encoded at any depth (`&`, `%26`, `%2526`…).
const STOP = '%(?:25)*(?:2[02367cC]|3[bBcCeE]|5[cC])';
const VALUE = new RegExp(String.raw`(?:(?!${STOP})[^\s&;,"'<>\\|)}#])*`, 'y');
const MAX_NAME = 80;

// `Authorization: AWS AKID:signature`, `OSS AccessKeyId:signature`, `GOOG1 access:signature` (V2 schemes).
const KEY_COLON_SIGNATURE =
  /(AWS|OSS|GOOG1)(\s+|\+|%(?:25)*20)[\w.~+/=*-]{4,}(?::|%(?:25)*3[aA])[\w.~+/=%-]{8,}/g;
const BEARER = /(Bearer|Basic)(\s+|\+|%(?:25)*20)([\w.~+/=-]{8,})/g;
// Access-key ids by their prefixes (AWS, Alibaba, Tencent, Google HMAC) and JWTs (MinIO STS, OAuth): found with no name.
const KEY_ID =
  /(?:(?:AKIA|ASIA|AGPA|AIDA|AROA|AIPA|ANPA|ANVA|APKA|ABIA|ACCA)[A-Z0-9]{16}|LTAI[A-Za-z0-9]{12,30}|AKID[A-Za-z0-9]{13,40}|GOOG[A-Z0-9]{20,61})(?![A-Za-z0-9])/g;
const JWT = /eyJ[\w-]{8,}\.eyJ[\w-]{8,}\.[\w-]{8,}/g;
// Cheap tests that say whether a rule can apply at all: most strings (codes, hosts, plain messages) stop here.
// Global: each is searched for from a position (`matchesFrom`).
const MAY_PAIR = /[=:%]/g;
const MAY_SCHEME = /AWS|OSS|GOOG1|Bearer|Basic/g;
const MAY_KEY_ID = /AKIA|ASIA|AGPA|AIDA|AROA|AIPA|ANPA|ANVA|APKA|ABIA|ACCA|LTAI|AKID|GOOG/g;
const ENCODED = /%[0-9A-Fa-f]{2}|\\x[0-9A-Fa-f]{2}|\\u[0-9A-Fa-f]{4}/;
// Escapes the in-place rules do not read through: `\xHH`, `\uHHHH`, and percent-encoded letters and digits, which no
// URL encoder writes (percent-encoded separators, delimiters and name boundaries are read where they stand).
const UNUSUAL_ESCAPE = /\\x[0-9A-Fa-f]{2}|\\u[0-9A-Fa-f]{4}|%(?:25)*(?:3[0-9]|[46][1-9A-Fa-f]|[57][0-9Aa])/;
const MAX_LAYERS = 8;
// Every guard of `redactAll` in one test: a text with none of them (most codes, messages, hosts, user agents)
// comes out of it as it went in, so one scan replaces six. Built from the guards themselves, so they cannot drift.
const MAY_REDACT = new RegExp(
  [MAY_PAIR.source, MAY_SCHEME.source, MAY_KEY_ID.source, 'eyJ', String.raw`\\`].join('|'),
);

/** `LTAI5tAbCdEf1234` → `****1234`. */
export function maskAccessKey(id: string): string {
  return id.length > 4 ? `****${id.slice(-4)}` : '****';
}

/** `[A-Za-z0-9_-]` */
function isNameChar(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 57) || c === 95 || c === 45;
}

/** The name that ends at `end`: letters, digits, `-` and `_`, after any escaped byte before it (`%26X-Amz-…`). */
function nameBefore(text: string, end: number): string {
  let start = end;
  while (start > 0 && end - start < MAX_NAME && isNameChar(text.charCodeAt(start - 1))) start--;
  let name = text.slice(start, end);
  const before = text[start - 1];
  if (before === '%') name = name.replace(/^(?:25)*[0-9A-Fa-f]{2}/, '');
  else if (before === '\\') name = name.replace(/^(?:x[0-9A-Fa-f]{2}|u00[0-9A-Fa-f]{2})/, '');
  const letter = name.search(/[A-Za-z]/);
  return letter < 0 ? '' : name.slice(letter);
}

/**
 * Masks the secret `name=value` and `name: value` pairs of one layer of text, encodings left as they are. It looks
 * for separators and reads the name back from each: far cheaper than trying a name pattern at every character.
 * No separator stands before `at`.
 */
function redactPairs(text: string, at: number): string {
  let out = '';
  let from = 0;
  SEP.lastIndex = at;
  for (let m = SEP.exec(text); m !== null; m = SEP.exec(text)) {
    const sepAt = m.index;
    SEP_TAIL.lastIndex = sepAt + m[0].length;
    const tail = SEP_TAIL.exec(text)?.[0] ?? '';
    const at = sepAt + m[0].length + tail.length;
    VALUE.lastIndex = at;
    const value = VALUE.exec(text)?.[0] ?? '';
    // Not secret: the value may hold pairs of its own (`Authorization: Credential=…`), so the scan goes on inside it.
    // The value first: a separator with none after it (a base64 id's `=` padding) needs no name read back.
    if (value === '' || value.startsWith(REDACTED) || PARAM_KEPT.has(value.toLowerCase())) continue;
    const lead = isNameChar(text.charCodeAt(sepAt - 1))
      ? ''
      : (SEP_LEAD.exec(text.slice(Math.max(from, sepAt - 24), sepAt))?.[0] ?? '');
    const name = nameBefore(text, sepAt - lead.length);
    if (name === '') continue;
    // The name's kind only now: most names with no value are seen once (a base64 id's tail before its `=`
    // padding), and a name not seen before costs the most.
    const kind = kindOf(name);
    // `name: value` in prose needs a secret-shaped value; `"name":"value"` is a field like `name=value`.
    const loose = m[0] !== '=' && !/3[dD]$/.test(m[0]) && !/["']|22$/.test(lead + tail);
    const secret =
      kind === 'always' ||
      (kind === 'strong' && (!loose || secretShaped(value))) ||
      (kind === 'weak' && secretShaped(value));
    if (!secret) continue;
    out += text.slice(from, at) + REDACTED;
    from = at + value.length;
    SEP.lastIndex = from;
  }
  return from === 0 ? text : out + text.slice(from);
}

/** Whether `re` (global) matches `text` at or after `at`. */
function matchesFrom(re: RegExp, text: string, at: number): boolean {
  re.lastIndex = at;
  return re.test(text);
}

/**
 * One layer of text through every rule; no cheap test matches before `at`, so each starts there. After a rule
 * has replaced text they still may: every replacement starts after `at`, and a word of theirs that began before
 * it would run into one through what precedes every replacement (a separator, a space, an escape's `%` or `\`,
 * or a character that is no letter or digit), which none of their words holds.
 */
function redactLayer(text: string, at: number): string {
  let out = text;
  if (matchesFrom(MAY_PAIR, out, at)) out = redactPairs(out, at);
  if (matchesFrom(MAY_SCHEME, out, at)) {
    out = out.replace(
      KEY_COLON_SIGNATURE,
      (all, scheme: string, gap: string, index: number, whole: string) =>
        startsWord(whole, index) ? `${scheme}${gap}${REDACTED}` : all,
    );
    out = out.replace(
      BEARER,
      (all, scheme: string, gap: string, token: string, index: number, whole: string) =>
        startsWord(whole, index) && (secretShaped(token) || /[A-Z]/.test(token))
          ? `${scheme}${gap}${REDACTED}`
          : all,
    );
  }
  if (matchesFrom(MAY_KEY_ID, out, at)) {
    out = out.replace(KEY_ID, (id: string, index: number, whole: string) =>
      startsWord(whole, index) ? maskAccessKey(id) : id,
    );
  }
  return out.includes('eyJ', at) ? out.replace(JWT, REDACTED) : out;
}

/** One layer of `%HH`, `\xHH` and `\uHHHH` escapes undone; bytes that are not UTF-8 stay escaped. */
function decodeOnce(text: string): string {
  return text
    .replace(/(?:%[0-9A-Fa-f]{2})+/g, (run) => {
      try {
        return decodeURIComponent(run);
      } catch {
        return run;
      }
    })
    .replace(/(?:\\x[0-9A-Fa-f]{2})+/g, (run) => {
      const bytes = Buffer.from(run.replace(/\\x/g, ''), 'hex');
      const s = bytes.toString('utf8');
      return s.includes('\uFFFD') ? run : s;
    })
    .replace(/\\u([0-9A-Fa-f]{4})/g, (_all, hex: string) => String.fromCharCode(Number.parseInt(hex, 16)));
}

/**
 * Any text an event may show (a path, a user agent, a message, an element's value), with its secrets masked.
 * Encoded text is redacted where it stands; when a secret shows only once decoded (an encoded name, an escaped
 * separator), the text is given back decoded and redacted, so nothing hides behind a layer of encoding.
 * @example redactText('/b/k?X-Amz-Signature=f00d&v=1') // '/b/k?X-Amz-Signature=[REDACTED]&v=1'
 */
export function redactText(text: string): string {
  // Where the combined test matched first: no rule's own test can match before it, so they start there (an
  // S3 HostId's one match is its base64 padding's `=`, its last character).
  const at = text.search(MAY_REDACT);
  return at < 0 ? text : redactFrom(text, at);
}

/** `redactText` without its first test: every rule, run one by one (exported so tests can compare the two). */
export function redactAll(text: string): string {
  return redactFrom(text, 0);
}

/** Every rule, the cheap tests from `at`, before which `MAY_REDACT` does not match. */
function redactFrom(text: string, at: number): string {
  let out = redactLayer(text, at);
  if (!(out.includes('%', at) || out.includes('\\', at)) || !UNUSUAL_ESCAPE.test(out)) return out;
  let decoded = out;
  for (let i = 0; i < MAX_LAYERS && ENCODED.test(decoded); i++) {
    const next = decodeOnce(decoded);
    if (next === decoded) break;
    decoded = next;
  }
  if (decoded !== out) {
    const clean = redactLayer(decoded, 0);
    if (clean !== decoded) out = clean;
  }
  return out;
}

type ElementRule = 'access-key' | 'secret' | 'text';
const ELEMENT_RULES = new Map<string, ElementRule>();

function elementRule(name: string): ElementRule {
  let rule = ELEMENT_RULES.get(name);
  if (rule !== undefined) return rule;
  const low = name.toLowerCase();
  const w = words(name);
  if (BODY_ACCESS_KEY.has(low) || ACCESS_KEY_WORD.test(w)) rule = 'access-key';
  else rule = BODY_SECRET.has(low) || STRONG_WORD.test(w) ? 'secret' : 'text';
  if (ELEMENT_RULES.size >= MAX_KINDS) ELEMENT_RULES.clear();
  ELEMENT_RULES.set(name, rule);
  return rule;
}

/** The value an element may show: signing material redacted, access keys masked, any other text cleaned. */
export function redactElement(name: string, value: unknown): unknown {
  const rule = elementRule(name);
  if (rule === 'access-key') return typeof value === 'string' ? maskAccessKey(value) : REDACTED;
  if (rule === 'secret') return REDACTED;
  if (Array.isArray(value)) return value.map((v) => redactElement(name, v));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, redactElement(k, v)]));
  }
  return typeof value === 'string' ? redactText(value) : value;
}

/**
 * The elements of a body for an event's `details`: each through `redactElement`, and an `…Value` element redacted
 * whole when its `…Name` sibling names a secret (`ArgumentName` = `x-amz-security-token`, `HeaderName` = `Authorization`).
 */
export function redactDetails(
  elements: ReadonlyMap<string, unknown>,
  skip: ReadonlySet<string>,
): Record<string, unknown> {
  const details: Record<string, unknown> = {};
  for (const [name, value] of elements) {
    if (skip.has(name)) continue;
    const sibling = name.endsWith('Value') ? elements.get(`${name.slice(0, -5)}Name`) : undefined;
    details[name] =
      typeof sibling === 'string' && namesSecret(sibling) ? REDACTED : redactElement(name, value);
  }
  return details;
}

/** Every string of a record's request facts through `redactText` (path, user agent, host…). */
export function redactStrings<T extends object>(facts: T): T {
  const out: Record<string, unknown> = {};
  for (const k in facts) {
    const v = facts[k];
    out[k] = typeof v === 'string' ? redactText(v) : v;
  }
  return out as T;
}
