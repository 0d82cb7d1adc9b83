// Frames a byte stream into records with split2; the framer's cheap check runs inside split2's mapper.
import { Transform, type TransformCallback } from 'node:stream';
import split2 from 'split2';
import type { LogRecord } from '../extract/types.js';
import type { PipelineStats } from '../stats.js';
import type { Framer } from './framer.js';

const CR = 13;

/**
 * A split2 stream that emits `LogRecord[]` batches. Lines over the limit are dropped by split2's
 * `skipOverflow` without being held whole; each is counted once, here.
 */
export function recordSplitter(framer: Framer, maxLineChars: number): Transform {
  const mapper = (line: string): LogRecord[] | undefined =>
    framer.push(line.charCodeAt(line.length - 1) === CR ? line.slice(0, -1) : line);
  const options = { maxLength: maxLineChars, skipOverflow: true }; // skipOverflow is missing from @types/split2
  const splitter = split2('\n', mapper, options) as Transform & {
    overflow: boolean;
    mapper: typeof mapper;
  };
  const transform = splitter._transform.bind(splitter);
  splitter._transform = (chunk: Buffer, encoding: BufferEncoding, callback: TransformCallback) => {
    const wasOverflowing = splitter.overflow;
    transform(chunk, encoding, (error?: Error | null) => {
      if (!wasOverflowing && splitter.overflow) framer.skipOverlong();
      callback(error);
    });
  };
  const flush = splitter._flush.bind(splitter);
  splitter._flush = (callback: TransformCallback) => {
    // split2 would hand the overflowing fragment to the mapper at the end: it was counted already.
    if (splitter.overflow) splitter.mapper = () => undefined;
    flush((error?: Error | null) => {
      const rest = framer.end();
      if (rest.length > 0) splitter.push(rest);
      callback(error);
    });
  };
  return splitter;
}

/** Counts the bytes that flow through, for the `bytes read` self-monitoring counter. */
export function byteCounter(stats: PipelineStats, onChunk?: (bytes: number) => void): Transform {
  return new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      stats.bytes += chunk.length;
      onChunk?.(chunk.length);
      callback(null, chunk);
    },
  });
}
