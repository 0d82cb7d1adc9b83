// Undoes the escaping that log writers put around a body: JSON string escapes and nginx `\xHH` escapes.

const NGINX_ESCAPE = /\\x[0-9A-Fa-f]{2}/;
const NGINX_RUN = /(?:\\x[0-9A-Fa-f]{2})+/g;
const JSON_ESCAPE = /\\["\\/bfnrtu]/;

/** nginx `escape=default`: `\x22` → `"`, and runs of `\xHH` bytes decoded as UTF-8 (`\xE6\x8A\xA5` → 报). */
export function decodeNginx(text: string): string {
  return text.replace(NGINX_RUN, (run) => {
    const bytes = Buffer.alloc(run.length / 4);
    for (let i = 0; i < bytes.length; i++) bytes[i] = Number.parseInt(run.slice(i * 4 + 2, i * 4 + 4), 16);
    return bytes.toString('utf8');
  });
}

const SIMPLE_ESCAPES: Readonly<Record<string, string>> = {
  '"': '"',
  '\\': '\\',
  '/': '/',
  b: '\b',
  f: '\f',
  n: '\n',
  r: '\r',
  t: '\t',
};

/** The contents of a JSON string literal, decoded; lenient where a log writer was not (bad escapes stay as they are). */
export function decodeJsonString(text: string): string {
  try {
    return JSON.parse(`"${text}"`) as string;
  } catch {
    return text.replace(/\\(u[0-9A-Fa-f]{4}|.)/g, (all, esc: string) => {
      if (esc.length === 5) return String.fromCharCode(Number.parseInt(esc.slice(1), 16));
      return SIMPLE_ESCAPES[esc] ?? all;
    });
  }
}

// Signs that a body with a raw `<` was escaped once: raw XML has real quotes and newlines, not `\"` and `\n`.
const ESCAPED_ONCE = /\\["n\\]|\\x[0-9A-Fa-f]{2}|\\u[0-9A-Fa-f]{4}/;

/**
 * How many escaping layers lie on a body. An escaped opener says it by its backslashes (`\u003c` one,
 * `\\u003c` two); a raw `<` is escaped once when the body or its enclosing string shows escapes, else not at
 * all, so a literal backslash in raw XML (`C:\temp`) stays as it is. Deeper nesting is undone by the JSON
 * parsing and container unwrapping around this, not guessed here.
 */
export function escapeLayers(openerBackslashes: number, segment: string, enclosing: string): number {
  if (openerBackslashes > 0) return Math.min(openerBackslashes, 4);
  return ESCAPED_ONCE.test(segment) || enclosing.includes('\\"') ? 1 : 0;
}

/** Undoes `layers` layers of nginx `\xHH` or JSON string escaping. */
export function unescapeBody(text: string, layers: number): string {
  let out = text;
  for (let layer = 0; layer < layers && out.includes('\\'); layer++) {
    if (NGINX_ESCAPE.test(out)) out = decodeNginx(out);
    else if (JSON_ESCAPE.test(out)) out = decodeJsonString(out);
    else break;
  }
  return out;
}

const XML_ENTITY = /&(?:#(\d{1,7})|#x([0-9A-Fa-f]{1,6})|(amp|lt|gt|quot|apos));/g;
const PREDEFINED: Readonly<Record<string, string>> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

/** XML's predefined entities and character references only: nothing a DTD declares is ever expanded. */
export function decodeXmlEntities(text: string): string {
  if (!text.includes('&')) return text;
  return text.replace(XML_ENTITY, (all, dec?: string, hex?: string, name?: string) => {
    if (name) return PREDEFINED[name] ?? all;
    const cp = dec ? Number.parseInt(dec, 10) : Number.parseInt(hex as string, 16);
    return cp > 0 && cp <= 0x10ffff ? String.fromCodePoint(cp) : all;
  });
}
