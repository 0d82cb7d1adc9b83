// Frames a byte stream into records with split2; the framer's cheap check runs inside split2's mapper.
import type { Transform, TransformCallback } from 'node:stream';
import split2 from 'split2';
import type { LogRecord } from '../extract/types.js';
import { BATCHES_IN_FLIGHT } from '../sinks/events.js';
import { byteDecoder } from './bytes.js';
import type { Framer } from './framer.js';

const CR = 13;

/** Hands one line (a byte string, `\r` of CRLF still on it) to the framer; records it returns go to `batch`. */
export function pushLine(framer: Framer, line: string, batch: LogRecord[]): undefined {
  const records = framer.push(line.charCodeAt(line.length - 1) === CR ? line.slice(0, -1) : line);
  if (records !== undefined) for (const record of records) batch.push(record);
}

/**
 * A split2 stream that emits one `LogRecord[]` batch per input chunk (one object per chunk, not per line,
 * keeps the object-mode stages and the output writes few). Lines are byte strings: split2's decoder is
 * swapped for a Latin-1 one, and `maxLineBytes` is a true byte count. Lines over it are dropped by
 * split2's `skipOverflow` without being held whole; each is counted once, here.
 */
export function recordSplitter(framer: Framer, maxLineBytes: number): Transform {
  let batch: LogRecord[] = [];
  const mapper = (line: string): undefined => pushLine(framer, line, batch);
  // skipOverflow is missing from @types/split2; the readable side holds at most a couple of record batches.
  const options = { maxLength: maxLineBytes, skipOverflow: true, readableHighWaterMark: BATCHES_IN_FLIGHT };
  const splitter = split2('\n', mapper, options) as Transform & {
    overflow: boolean;
    mapper: typeof mapper;
  } & Record<symbol, unknown>;
  const decoder = Object.getOwnPropertySymbols(splitter).find((key) => key.description === 'decoder');
  if (decoder === undefined) throw new Error('split2 internals changed: no decoder to replace');
  splitter[decoder] = byteDecoder();

  const pushBatch = () => {
    if (batch.length === 0) return;
    splitter.push(batch);
    batch = [];
  };
  const transform = splitter._transform.bind(splitter);
  splitter._transform = (chunk: Buffer, encoding: BufferEncoding, callback: TransformCallback) => {
    framer.countBytes(chunk.length);
    const wasOverflowing = splitter.overflow;
    transform(chunk, encoding, (error?: Error | null) => {
      if (!wasOverflowing && splitter.overflow) framer.skipOverlong();
      pushBatch();
      callback(error);
    });
  };
  const flush = splitter._flush.bind(splitter);
  splitter._flush = (callback: TransformCallback) => {
    // split2 would hand the overflowing fragment to the mapper at the end: it was counted already.
    if (splitter.overflow) splitter.mapper = () => undefined;
    flush((error?: Error | null) => {
      for (const record of framer.end()) batch.push(record);
      pushBatch();
      callback(error);
    });
  };
  return splitter;
}
