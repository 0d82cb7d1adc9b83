// Reads an access-log line's HTTP status with a few index lookups, for the request counter on every line.

const QUOTE = 34;
const SPACE = 32;
// The JSON status fields extraction reads too (`response.status` is found by `"status":`); Traefik and app
// logs name it otherwise. Found by the extract-tests branch: their requests went uncounted.
const JSON_STATUS_KEYS = ['"status":', '"http_status":', '"DownstreamStatus":'] as const;

function digitsAt(line: string, at: number): number {
  const a = line.charCodeAt(at) - 48;
  const b = line.charCodeAt(at + 1) - 48;
  const c = line.charCodeAt(at + 2) - 48;
  // Written so that a digit past the end (NaN) fails too: a status cut short is not read.
  if (!(a >= 1 && a <= 5 && b >= 0 && b <= 9 && c >= 0 && c <= 9)) return 0;
  return a * 100 + b * 10 + c;
}

/**
 * The HTTP status of a combined-format line (`"GET / HTTP/1.1" 404 …`) or a JSON line (`"status":404`),
 * or 0 when it cannot be read cheaply. No regex, no allocation: it runs on every line. `start` skips a
 * container runtime's prefix without slicing it off.
 */
export function cheapStatus(line: string, start = 0): number {
  if (line.charCodeAt(start) === 123) {
    for (const key of JSON_STATUS_KEYS) {
      const at = line.indexOf(key, start);
      if (at < 0) continue;
      let p = at + key.length;
      if (line.charCodeAt(p) === SPACE) p++;
      if (line.charCodeAt(p) === QUOTE) p++;
      return digitsAt(line, p);
    }
    return 0;
  }
  const open = line.indexOf('"', start);
  if (open < 0) return 0;
  const close = line.indexOf('" ', open + 1);
  if (close < 0 || line.charCodeAt(close + 5) !== SPACE) return 0;
  return digitsAt(line, close + 2);
}
