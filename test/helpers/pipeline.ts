// Runs bytes through the real framing and extraction stages, fed in the chunks the test chooses.
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { OssErrorEvent } from '../../src/extract/types.js';
import { DEFAULT_LIMITS, Framer, type FramingLimits } from '../../src/framing/framer.js';
import { recordSplitter } from '../../src/framing/lines.js';
import { extractionStage } from '../../src/pipeline.js';
import { newStats, type PipelineStats } from '../../src/stats.js';

export async function runChunks(
  chunks: readonly Buffer[],
  limits: FramingLimits = DEFAULT_LIMITS,
  source = 'fixture.log',
): Promise<{ events: OssErrorEvent[]; stats: PipelineStats }> {
  const stats = newStats();
  const events: OssErrorEvent[] = [];
  const framer = new Framer(source, limits, stats);
  await pipeline(
    Readable.from(chunks, { objectMode: false }),
    recordSplitter(framer, limits.maxLineBytes),
    extractionStage(stats, []),
    new Writable({
      objectMode: true,
      write(batch: OssErrorEvent[], _encoding, callback) {
        events.push(...batch);
        callback();
      },
    }),
  );
  return { events, stats };
}

/** The same bytes cut into pieces of the given sizes (cycled). */
export function cut(bytes: Buffer, sizes: readonly number[]): Buffer[] {
  const out: Buffer[] = [];
  for (let at = 0, i = 0; at < bytes.length; i++) {
    const size = Math.max(1, sizes[i % sizes.length] as number);
    out.push(bytes.subarray(at, at + size));
    at += size;
  }
  return out;
}

/** Events with the read time (present only where a log carries no time) replaced, for stable golden files. */
export function stable(events: readonly OssErrorEvent[], since: number): OssErrorEvent[] {
  return events.map((e) => (Date.parse(e.time) >= since ? { ...e, time: '<read time>' } : e));
}
