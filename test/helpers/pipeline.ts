// Runs bytes through the real driver (chunk scanner, framer, extraction), fed in the chunks the test chooses.

import { DEFAULT_LIMITS, type FramingLimits } from '../../src/config.js';
import { drive } from '../../src/drive.js';
import type { OssErrorEvent } from '../../src/extract/types.js';
import { Framer } from '../../src/framing/framer.js';
import { ChunkScanner } from '../../src/framing/scanner.js';
import { newStats, type PipelineStats } from '../../src/stats.js';

export async function runChunks(
  chunks: readonly Buffer[],
  limits: FramingLimits = DEFAULT_LIMITS,
  source = 'fixture.log',
): Promise<{ events: OssErrorEvent[]; stats: PipelineStats }> {
  const stats = newStats();
  const events: OssErrorEvent[] = [];
  const scanner = new ChunkScanner(new Framer(source, limits, stats), stats, limits.maxLineBytes);
  await drive({
    source: {
      name: source,
      async *chunks() {
        let offset = 0;
        for (const bytes of chunks) {
          yield { bytes, offset };
          offset += bytes.length;
        }
      },
      commit() {},
    },
    scanner,
    stats,
    observers: [],
    sink: async (batch) => {
      events.push(...batch);
    },
    ends: true,
  });
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
