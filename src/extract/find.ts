// Finds where error bodies open and close in a text, whatever escaping they carry, scanning no more than each needs.

// `<Error>` raw, or with its angle brackets JSON-escaped once or more (`\u003c`, `\\u003c`); attributes allowed.
const OPENER = /(?:<|\\+u003[cC])Error(?:>|\\+u003[eE]|\s[^<>\\]*(?:>|\\+u003[eE]))/g;
// Not global: testing a header must not depend on a search's lastIndex.
const HAS_OPENER = new RegExp(OPENER.source);
// `</Error>`, with `\/` and `\u003c…\u003e` escaping at any depth.
const CLOSER = /(?:<|\\+u003[cC])\\*\/Error\s*(?:>|\\+u003[eE])/g;

/** The first opener that starts at or after `from`, or null. */
export function openerAfter(text: string, from: number): RegExpExecArray | null {
  OPENER.lastIndex = from;
  return OPENER.exec(text);
}

/** Whether `text` holds an opener anywhere. */
export function hasOpener(text: string): boolean {
  return HAS_OPENER.test(text);
}

/** `<`, `\` and the letters of `u003c`/`u003C`: all an opener holds before its `Error`. */
function openerLead(c: number): boolean {
  return c === 60 || c === 92 || c === 117 || c === 48 || c === 51 || c === 99 || c === 67;
}

/** What a closer holds before its `Error`: an opener's characters and `/`. */
function closerLead(c: number): boolean {
  return c === 47 || openerLead(c);
}

/**
 * The first opener in `text`, or null; no `Error` stands before `from`. Every opener holds `Error`, and what it
 * holds before it has no `E`: so none starts before the first `Error` stepped back over such characters, and
 * the regex starts there, sparing it the scan of a line's prefix.
 */
export function firstOpener(text: string, from = 0): RegExpExecArray | null {
  const error = text.indexOf('Error', from);
  if (error < 0) return null;
  let at = error;
  while (at > 0 && openerLead(text.charCodeAt(at - 1))) at--;
  return openerAfter(text, at);
}

/**
 * The first closer that starts at or after `from`, or null; `error` is where the first `Error` at or after
 * `from` stands (-1 for none). Every closer holds `Error`, and what it holds before it has no `E`: so no closer
 * starts before that `Error` stepped back over such characters, and the regex starts there, not at `from`.
 */
export function closerAfter(text: string, from: number, error: number): RegExpExecArray | null {
  if (error < 0) return null;
  let at = error;
  while (at > from && closerLead(text.charCodeAt(at - 1))) at--;
  CLOSER.lastIndex = at;
  return CLOSER.exec(text);
}
