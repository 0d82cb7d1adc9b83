// Large files read by worker threads in blocks give the events, line numbers, order and counts of one reader.

import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { DEFAULT_LIMITS, type EventFormat } from '../src/config.js';
import type { OssErrorEvent } from '../src/extract/types.js';
import { plainBlockStartFrom } from '../src/parallel.js';
import type * as Pipeline from '../src/pipeline.js';
import type * as Aggregate from '../src/report/aggregate.js';
import { OBSERVED_FIELDS, type ObservedEvent } from '../src/sinks/observed.js';
import { newStats } from '../src/stats.js';
import { ROOT } from './helpers/cli.js';
import { stable } from './helpers/pipeline.js';

// The compiled driver: worker threads load build/parallel-worker.js beside it (`npm test` builds first).
const { runBatch, startWorker } = (await import(path.join(ROOT, 'build/pipeline.js'))) as typeof Pipeline;
const { ReportAggregator } = (await import(path.join(ROOT, 'build/report/aggregate.js'))) as typeof Aggregate;

const FORMATS = path.join(import.meta.dirname, 'fixtures/formats');
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'oee-parallel-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

type Parallel = { minBytes: number; blockBytes: number; takeBack?: boolean };

async function read(
  file: string | string[],
  parallel?: Parallel,
  eventFormat: EventFormat = 'native',
  worker?: Awaited<ReturnType<typeof startWorker>>,
) {
  const stats = newStats();
  const output = new PassThrough();
  let text = '';
  output.on('data', (d) => {
    text += d;
  });
  const observed: ObservedEvent[] = [];
  const errors: string[] = [];
  await runBatch(
    {
      files: typeof file === 'string' ? [file] : file,
      limits: { ...DEFAULT_LIMITS, maxLineBytes: 2000 },
      worker,
      stdin: process.stdin,
      output,
      eventFormat,
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
  return { text, events, observed, stats: { ...stats, requestsByClass: [...stats.requestsByClass] }, errors };
}

/** The fields an observer is given, as the reader on this thread gives the whole event. */
const observedOf = (events: readonly ObservedEvent[]) =>
  events.map((e) => Object.fromEntries(OBSERVED_FIELDS.map((k) => [k, e[k]])));
/** The read time (events without a time of their own) differs from run to run; everything else must not. */
const READ_TIME = /"(time|@timestamp|Timestamp)":"[^"]*"/g;

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

/** A generated nginx log of 20,000 lines, 5% with a body: made once. */
function nginxLog(): string {
  const file = path.join(dir, 'nginx.log');
  if (!fs.existsSync(file)) {
    const gen = path.join(ROOT, 'bench/gen-nginx-corpus.mjs');
    execFileSync(process.execPath, [gen, '--out', file, '--lines', '20000', '--error-fraction', '0.05']);
  }
  return file;
}

describe('parallel reading of large plain files', () => {
  it.each(cases)('%s: workers in blocks of any size give what one reader gives', async (_name, file) => {
    const since = Date.now();
    const one = await read(file);
    expect(one.errors).toEqual([]);
    expect(one.events.length).toBeGreaterThan(0);
    // Without take-back the worker frames every odd block; with it, this thread frames those it comes to first.
    for (const [blockBytes, takeBack] of [
      [97, false],
      [1000, false],
      [4096, false],
      [1 << 20, false],
      [97, true],
      [4096, true],
    ] as const) {
      const workers = await read(file, { minBytes: 0, blockBytes, takeBack });
      expect(workers.errors).toEqual([]);
      expect(stable(workers.events, since)).toEqual(stable(one.events, since));
      expect(observedOf(stable(workers.observed as OssErrorEvent[], since))).toEqual(
        observedOf(stable(one.events, since)),
      );
      expect(workers.stats).toEqual(one.stats);
    }
  });

  it('leaves a file below the threshold to one reader, and still reads it whole', async () => {
    const [, file] = cases[0] as readonly [string, string];
    const big = await read(file, { minBytes: fs.statSync(file).size + 1, blockBytes: 97 });
    expect(big.stats).toEqual((await read(file)).stats);
  });

  // The workers write the lines themselves, numbers spliced in on this thread: the bytes of one reader's.
  it.each(['native', 'ecs', 'otel'] as const)('writes the lines one reader writes (%s)', async (format) => {
    for (const [, file] of cases) {
      const one = await read(file, undefined, format);
      for (const blockBytes of [1000]) {
        const workers = await read(file, { minBytes: 0, blockBytes, takeBack: false }, format);
        expect(workers.text.replace(READ_TIME, '')).toBe(one.text.replace(READ_TIME, ''));
        expect(workers.stats).toEqual(one.stats);
      }
    }
  });

  // Many blocks, each with bodies whose numbers must count every line before the block.
  // A cut inside a multi-line body or an SDK's error is read right, but the reading thread frames that block
  // again; blocks of a plain log start where no record is likely to span the cut.
  it.each([
    [
      'inside a pretty-printed body, past its end',
      'a 200\nh ERROR request failed\n<?xml version="1.0"?>\n<Error>\n  <Code>NoSuchKey</Code>\n</Error>\nb 200\nc 200\n',
      'inside <Code',
      'c 200',
    ],
    ['after a line with a marker, one line on', 'a 200\nb 200 error seen\nc 200\nd 200\n', 'b 200', 'd 200'],
    [
      'before an indented continuation, past it',
      'a 200\nTraceback (most recent call last):\n  File "x"\nValueError: x\nb 200\nc 200\n',
      'Traceback',
      'c 200',
    ],
    ['one line past the first whole one when both start a record', 'a 200\nb 200\nc 200\n', 'a 200', 'c 200'],
  ])('starts a block of a plain log %s', (_name, text, cutAt, startsAt) => {
    const file = path.join(dir, 'cut.log');
    fs.writeFileSync(file, text);
    const fd = fs.openSync(file, 'r');
    try {
      const at = text.indexOf(cutAt === 'inside <Code' ? 'Code>NoSuch' : cutAt) + 1;
      expect(plainBlockStartFrom(fd, at, text.length)).toBe(text.indexOf(startsAt));
    } finally {
      fs.closeSync(fd);
    }
  });

  it('starts a block at the first line start when no line near it starts a record', () => {
    const text = `a 200\n${'  <Code>x</Code>\n'.repeat(5000)}b 200\n`;
    const file = path.join(dir, 'cut.log');
    fs.writeFileSync(file, text);
    const fd = fs.openSync(file, 'r');
    try {
      expect(plainBlockStartFrom(fd, 3, text.length)).toBe(6);
    } finally {
      fs.closeSync(fd);
    }
  });

  it('numbers the lines of every block from the start of the file', async () => {
    const file = nginxLog();
    const one = await read(file);
    const workers = await read(file, { minBytes: 0, blockBytes: 64 * 1024, takeBack: false });
    expect(one.events.length).toBeGreaterThan(500);
    expect(workers.text).toBe(one.text);
    expect(workers.events.map((e) => e.line)).toEqual(one.events.map((e) => e.line));
  });

  /**
   * How many writes of a run come from each thread (this one writes strings, the worker's lines are its bytes),
   * counted into `written` as they are made.
   */
  async function writesByThread(
    parallel: Parallel,
    worker?: Awaited<ReturnType<typeof startWorker>>,
    written = { here: 0, worker: 0 },
  ) {
    const output = new PassThrough();
    output.resume();
    const write = output.write.bind(output);
    output.write = ((chunk: string | Uint8Array, ...rest: []) => {
      written[typeof chunk === 'string' ? 'here' : 'worker']++;
      return write(chunk, ...rest);
    }) as typeof output.write;
    await runBatch(
      {
        files: [nginxLog()],
        limits: DEFAULT_LIMITS,
        stdin: process.stdin,
        output,
        observers: [],
        onSourceError: (_source, error) => {
          throw error;
        },
        parallel,
        worker,
      },
      newStats(),
    );
    return written;
  }

  it('frames the blocks on both threads, in turn', async () => {
    const written = await writesByThread({ minBytes: 0, blockBytes: 64 * 1024, takeBack: false });
    expect(written.worker).toBeGreaterThan(10);
    expect(written.here).toBeGreaterThan(10);
    expect(Math.abs(written.worker - written.here)).toBeLessThanOrEqual(written.worker / 2);
  });

  // With the worker never taken back, it frames every block it is sent: the odd ones, and once they are all
  // sent, the even ones left past this thread's next, from the end. Without those it would frame fewer
  // blocks than this thread (every block of this log has events, so each is one write).
  it('sends the worker the last even blocks, from the end, once its odd blocks are all sent', async () => {
    const written = await writesByThread({ minBytes: 0, blockBytes: 64 * 1024, takeBack: false });
    expect(written.worker).toBeGreaterThan(written.here);
  });

  // The README's read-ahead bound: the worker is sent at most two blocks past the one this thread is on, and four
  // near the file's end (the even blocks left, once its odd ones are all sent). Every block of this log has
  // events and this thread writes each once, in order: the writes so far are the block this thread is on.
  it('sends the worker two blocks past the one this thread is on at most, four near the end', async () => {
    const parallel = { minBytes: 0, blockBytes: 64 * 1024, takeBack: false };
    const worker = await startWorker([nginxLog()], parallel);
    if (worker === undefined) throw new Error('no worker started');
    const sent: number[] = [];
    const ahead: { odd: number; all: number }[] = [];
    const written = { here: 0, worker: 0 };
    const frame = worker.frame.bind(worker);
    worker.frame = (block, claims) => {
      sent.push(block.index);
      const on = written.here + written.worker;
      const past = sent.filter((index) => index > on);
      ahead.push({ odd: past.filter((index) => index % 2 === 1).length, all: past.length });
      return frame(block, claims);
    };
    try {
      await writesByThread(parallel, worker, written);
    } finally {
      await worker.stop();
    }
    expect(sent.length).toBeGreaterThan(10);
    expect(Math.max(...ahead.map((a) => a.odd))).toBe(2);
    expect(Math.max(...ahead.map((a) => a.all))).toBeGreaterThan(2);
    expect(Math.max(...ahead.map((a) => a.all))).toBeLessThanOrEqual(4);
  });

  // 64 KiB blocks take this thread well under a millisecond each: it comes to the first odd blocks long
  // before the worker thread has started, and frames them itself instead of waiting.
  it('frames here the blocks the worker has not started when this thread comes to them', async () => {
    const written = await writesByThread({ minBytes: 0, blockBytes: 64 * 1024 });
    const alone = await writesByThread({ minBytes: 0, blockBytes: 64 * 1024, takeBack: false });
    expect(written.here).toBeGreaterThan(alone.here);
    expect(written.worker).toBeLessThan(alone.worker);
  });

  it('starts a worker before the run only when a file of it is read on both cores', async () => {
    const [, file] = cases[0] as readonly [string, string];
    const size = fs.statSync(file).size;
    const parallel = { minBytes: size, blockBytes: 97 };
    const gz = path.join(dir, 'large.log.gz');
    fs.writeFileSync(gz, Buffer.alloc(size));
    for (const files of [['-'], [gz], ['/nonexistent/x.log']])
      expect(await startWorker(files, parallel)).toBeUndefined();
    expect(await startWorker([file], { ...parallel, minBytes: size + 1 })).toBeUndefined();
    expect(await startWorker([file], false)).toBeUndefined();
    const worker = await startWorker(['-', file], parallel);
    expect(worker).toBeDefined();
    await worker?.stop();
  });

  it('one worker started before the run frames the blocks of every large file, in turn', async () => {
    const since = Date.now();
    const files = cases.slice(0, 3).map(([, file]) => file);
    const parallel = { minBytes: 0, blockBytes: 97, takeBack: false };
    const worker = await startWorker(files, parallel);
    try {
      const shared = await read(files, parallel, 'native', worker);
      const one = await read(files);
      expect(shared.errors).toEqual([]);
      expect(stable(shared.events, since)).toEqual(stable(one.events, since));
      expect(shared.stats).toEqual(one.stats);
    } finally {
      await worker?.stop();
    }
  });

  it('fails a file whose worker has stopped, and goes on with the next, instead of waiting for it', async () => {
    const files = cases.slice(0, 2).map(([, file]) => file);
    const parallel = { minBytes: 0, blockBytes: 97, takeBack: false };
    const worker = await startWorker(files, parallel);
    await worker?.stop();
    const run = await read(files, parallel, 'native', worker);
    expect(run.errors).toHaveLength(2);
    for (const error of run.errors) expect(error).toMatch(/^the worker thread stopped \(exit code \d+\)$/);
  });

  // The report command reads through runBatch with no event output: its aggregator sees the same events.
  it('gives the report the same figures through the workers', async () => {
    const file = nginxLog();
    const report = async (parallel: { minBytes: number; blockBytes: number } | false) => {
      const aggregator = new ReportAggregator();
      const stats = newStats();
      await runBatch(
        {
          files: [file],
          limits: DEFAULT_LIMITS,
          stdin: process.stdin,
          output: null,
          observers: [aggregator.observe],
          onSourceError: (_source, error) => {
            throw error;
          },
          parallel,
        },
        stats,
      );
      return { summary: aggregator.summary(), total: aggregator.total, lines: stats.lines };
    };
    const one = await report(false);
    expect(one.total).toBeGreaterThan(500);
    expect(await report({ minBytes: 0, blockBytes: 64 * 1024 })).toEqual(one);
  });
});
