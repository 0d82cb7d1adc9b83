// How log writers escape a body, for building test inputs: nginx `escape=default` and JSON string contents.

/** nginx `escape=default`: `"`, `\` and bytes below 0x20 or from 0x7F up become `\xHH` (UTF-8 bytes one by one). */
export function nginxEscape(text: string): string {
  return [...Buffer.from(text)]
    .map((c) =>
      c === 0x22 || c === 0x5c || c < 0x20 || c >= 0x7f
        ? `\\x${c.toString(16).toUpperCase().padStart(2, '0')}`
        : String.fromCharCode(c),
    )
    .join('');
}

/** nginx `escape=json`: the contents of a JSON string, without its quotes. */
export function jsonEscape(text: string): string {
  return JSON.stringify(text).slice(1, -1);
}
