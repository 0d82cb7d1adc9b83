// The golden formats and the chunk-boundary cases through FOLLOW mode: a real file appended in chunks, the same events as batch.
import fs from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { OssErrorEvent } from '../src/extract/types.js';
import { followChunks } from './helpers/follow.js';
import { cut, runChunks, stable } from './helpers/pipeline.js';

const DIR = path.join(import.meta.dirname, 'fixtures/formats');
const FORMATS = fs
  .readdirSync(DIR)
  .filter((f) => f.endsWith('.log'))
  .sort();

const golden = (name: string) =>
  JSON.parse(fs.readFileSync(path.join(DIR, name.replace(/\.log$/, '.events.json')), 'utf8'));

const identity = (e: OssErrorEvent) => [e.line, e.code, e.requestId, e.bucket, e.key];

describe('golden log formats, followed', () => {
  it.each(FORMATS)('%s appended whole gives its golden events and counts', async (name) => {
    const since = Date.now();
    const bytes = fs.readFileSync(path.join(DIR, name));
    const { events, stats } = await followChunks([bytes], { name });
    expect({
      events: stable(events, since),
      counts: { lines: stats.lines, bodies: stats.bodies, failures: stats.failures, skipped: stats.skipped },
    }).toEqual(golden(name));
  });

  it.each(FORMATS)('%s appended in random chunks gives the events and counts of batch', async (name) => {
    const since = Date.now();
    const bytes = fs.readFileSync(path.join(DIR, name));
    const batch = await runChunks([bytes], undefined, name);
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.integer({ min: 1, max: 700 }), { minLength: 1, maxLength: 20 }),
        async (sizes) => {
          const followed = await followChunks(cut(bytes, sizes), { name });
          expect(stable(followed.events, since)).toEqual(stable(batch.events, since));
          expect(followed.stats).toEqual(batch.stats);
        },
      ),
      { numRuns: 4, seed: 42 },
    );
  });

  it.each(FORMATS)('%s: a restart at any chunk boundary loses and repeats nothing', async (name) => {
    const bytes = fs.readFileSync(path.join(DIR, name));
    const batch = await runChunks([bytes], undefined, name);
    const chunks = cut(bytes, [97, 13, 331, 1, 64]);
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: chunks.length - 1 }), async (restartAt) => {
        const followed = await followChunks(chunks, { name, restartAt });
        // The same records, each once. What a body takes from the line before it (an SDK header's status)
        // is lost when the restart falls between the two: the positions file keeps offsets, not context.
        expect(followed.events.map(identity)).toEqual(batch.events.map(identity));
      }),
      { numRuns: 6, seed: 7 },
    );
  });

  it.each(FORMATS.filter((f) => fs.statSync(path.join(DIR, f)).size <= 2000))(
    '%s appended a byte at a time gives the events of batch',
    async (name) => {
      const since = Date.now();
      const bytes = fs.readFileSync(path.join(DIR, name));
      const batch = await runChunks([bytes], undefined, name);
      const followed = await followChunks(cut(bytes, [1]), { name });
      expect(stable(followed.events, since)).toEqual(stable(batch.events, since));
      expect(followed.stats).toEqual(batch.stats);
    },
  );
});
