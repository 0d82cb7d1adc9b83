// Large files read by worker threads in blocks give the events, line numbers, order and counts of one reader.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { DEFAULT_LIMITS } from '../src/config.js';
import type { OssErrorEvent } from '../src/extract/types.js';
import type * as Pipeline from '../src/pipeline.js';
import { newStats } from '../src/stats.js';
import { ROOT } from './helpers/cli.js';
import { stable } from './helpers/pipeline.js';

// The built driver: worker threads load dist/parallel-worker.js beside it (`npm test` builds first).
const { runBatch } = (await import(path.join(ROOT, 'dist/pipeline.js'))) as typeof Pipeline;

const FORMATS = path.join(import.meta.dirname, 'fixtures/formats');
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'oee-parallel-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

async function read(file: string, parallel?: { minBytes: number; blockBytes: number }) {
  const stats = newStats();
  const output = new PassThrough();
  let text = '';
  output.on('data', (d) => {
    text += d;
  });
  const observed: OssErrorEvent[] = [];
  const errors: string[] = [];
  await runBatch(
    {
      files: [file],
      limits: { ...DEFAULT_LIMITS, maxLineBytes: 2000 },
      stdin: process.stdin,
      output,
      observers: [(e) => observed.push(e)],
      onSourceError: (_source, error) => errors.push(error.message),
      ...(parallel ? { parallel } : {}),
    },
    stats,
  );
  const events = text
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as OssErrorEvent);
  return { events, observed, stats: { ...stats, requestsByClass: [...stats.requestsByClass] }, errors };
}

// Each golden format repeated, so bodies, multi-line records and partial lines fall across block edges; one
// copy ends without a newline, and over-long lines sit between copies.
const cases = fs
  .readdirSync(FORMATS)
  .filter((f) => f.endsWith('.log'))
  .sort()
  .map((name) => {
    const one = fs.readFileSync(path.join(FORMATS, name), 'latin1');
    const text = Array.from({ length: 12 }, (_, i) =>
      i % 5 === 4 ? `${'q'.repeat(2500)}\n${one}` : one,
    ).join('');
    const file = path.join(dir, name);
    fs.writeFileSync(file, text.replace(/\n$/, ''), 'latin1');
    return [name, file] as const;
  });

describe('parallel reading of large plain files', () => {
  it.each(cases)('%s: workers in blocks of any size give what one reader gives', async (_name, file) => {
    const since = Date.now();
    const one = await read(file);
    expect(one.errors).toEqual([]);
    expect(one.events.length).toBeGreaterThan(0);
    for (const blockBytes of [97, 1000, 4096, 1 << 20]) {
      const workers = await read(file, { minBytes: 0, blockBytes });
      expect(workers.errors).toEqual([]);
      expect(stable(workers.events, since)).toEqual(stable(one.events, since));
      expect(stable(workers.observed, since)).toEqual(stable(workers.events, since));
      expect(workers.stats).toEqual(one.stats);
    }
  });

  it('leaves a file below the threshold to one reader, and still reads it whole', async () => {
    const [, file] = cases[0] as readonly [string, string];
    const big = await read(file, { minBytes: fs.statSync(file).size + 1, blockBytes: 97 });
    expect(big.stats).toEqual((await read(file)).stats);
  });
});
