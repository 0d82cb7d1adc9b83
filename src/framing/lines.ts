// Hands one line at a time to the framer: the line-by-line road follow mode's own splitter takes.
import type { LogRecord } from '../extract/types.js';
import type { Framer } from './framer.js';

const CR = 13;

/** Hands one line (a byte string, `\r` of CRLF still on it) to the framer; records it returns go to `batch`. */
export function pushLine(framer: Framer, line: string, batch: LogRecord[]): undefined {
  const records = framer.push(line.charCodeAt(line.length - 1) === CR ? line.slice(0, -1) : line);
  if (records !== undefined) for (const record of records) batch.push(record);
}
