// Whole log formats through the real framing and extraction: a log in, the events out (golden files).
import fs from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { FramingLimits } from '../src/config.js';
import { followChunks } from './helpers/follow.js';
import { cut, runChunks, stable } from './helpers/pipeline.js';

type Read = typeof runChunks;
const READERS: [string, Read][] = [
  ['batch', (chunks, limits) => runChunks(chunks, limits)],
  ['follow', (chunks, limits?: FramingLimits) => followChunks(chunks, limits ? { limits } : {})],
];

const DIR = path.join(import.meta.dirname, 'fixtures/formats');
const FORMATS = fs
  .readdirSync(DIR)
  .filter((f) => f.endsWith('.log'))
  .sort();

describe('golden log formats', () => {
  it('has a fixture for every format', () => {
    expect(FORMATS).toEqual([
      'cri.log',
      'docker.log',
      'garbage.log',
      'json-access.log',
      'nginx-combined.log',
      'sdk-cri.log',
      'sdk-docker.log',
      'sdk-json.log',
      'sdk-logfmt.log',
      'sdk-multiline.log',
      'sdk-plain.log',
      'sdk-tracebacks.log',
      'traefik.log',
    ]);
  });

  it.each(FORMATS)('%s gives its golden events and counts', async (name) => {
    const since = Date.now();
    const bytes = fs.readFileSync(path.join(DIR, name));
    const { events, stats } = await runChunks([bytes], undefined, name);
    const actual = {
      events: stable(events, since),
      counts: { lines: stats.lines, bodies: stats.bodies, failures: stats.failures, skipped: stats.skipped },
    };
    const golden = path.join(DIR, name.replace(/\.log$/, '.events.json'));
    if (process.env.UPDATE_GOLDEN) fs.writeFileSync(golden, `${JSON.stringify(actual, null, 2)}\n`);
    expect(actual).toEqual(JSON.parse(fs.readFileSync(golden, 'utf8')));
  });
});

describe('chunk boundaries', () => {
  it.each(FORMATS)('%s: 1-byte, random and whole chunks give the same events', async (name) => {
    const since = Date.now();
    const bytes = fs.readFileSync(path.join(DIR, name));
    const whole = await runChunks([bytes], undefined, name);
    const single = await runChunks(cut(bytes, [1]), undefined, name);
    expect(stable(single.events, since)).toEqual(stable(whole.events, since));
    expect(single.stats).toEqual(whole.stats);
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.integer({ min: 1, max: 700 }), { minLength: 1, maxLength: 20 }),
        async (sizes) => {
          const random = await runChunks(cut(bytes, sizes), undefined, name);
          expect(stable(random.events, since)).toEqual(stable(whole.events, since));
          expect(random.stats.lines).toBe(whole.stats.lines);
        },
      ),
      { numRuns: 15, seed: 42 },
    );
  });

  // The same input through batch's reader and a followed file that grows by the same appends.
  it.each(READERS)(
    '%s: decodes a multi-byte character split across chunks, with CRLF and no final newline',
    async (_name, read) => {
      const bytes = Buffer.from(
        'a "<Error><Code>NoSuchKey</Code><Message>报表</Message></Error>"\r\nb "<Error><Code>SlowDown</Code><Message>é</Message></Error>"',
      );
      const at = bytes.indexOf(Buffer.from('报')) + 1;
      const { events } = await read([bytes.subarray(0, at), bytes.subarray(at)]);
      expect(events.map((e) => [e.code, e.message, e.line])).toEqual([
        ['NoSuchKey', '报表', 1],
        ['SlowDown', 'é', 2],
      ]);
    },
  );

  it.each(READERS)(
    '%s: skips a line over the bound, counts it once, and reads the next',
    async (_name, read) => {
      const limits = { maxLineBytes: 1000, maxBodyLines: 256, maxBodyChars: 65536 };
      const bytes = Buffer.from(
        `${'x'.repeat(5000)}\n<Error><Code>AccessDenied</Code></Error>\n${'y'.repeat(3000)}`,
      );
      for (const chunks of [[bytes], cut(bytes, [1]), cut(bytes, [333, 1024])]) {
        const { events, stats } = await read(chunks, limits);
        expect(events.map((e) => [e.code, e.line])).toEqual([['AccessDenied', 2]]);
        expect(stats.skipped['too-long']).toBe(2);
        expect(stats.lines).toBe(3);
      }
    },
  );
});

describe('framing regressions', () => {
  it('a one-line body does not borrow status or time from an unrelated line before it', async () => {
    const { events } = await runChunks([
      Buffer.from(
        '2026-11-24T10:00:00Z upstream status=500 retrying\nno time here "<Error><Code>NoSuchKey</Code></Error>"\n',
      ),
    ]);
    expect(events).toHaveLength(1);
    expect(events[0]?.status).toBe(404); // the catalogue's, not the 500 of the line before
    expect(events[0]?.time).not.toBe('2026-11-24T10:00:00.000Z');
  });

  it('a line holding its own body is not the declaration of the next multi-line body', async () => {
    const { events, stats } = await runChunks([
      Buffer.from(
        '<?xml version="1.0"?><Error><Code>AccessDenied</Code></Error>\n<Error>\n  <Code>SlowDown</Code>\n</Error>\n',
      ),
    ]);
    expect(events.map((e) => [e.code, e.line])).toEqual([
      ['AccessDenied', 1],
      ['SlowDown', 2],
    ]);
    expect(stats.bodies).toBe(2);
  });

  it('a line a container format does not explain still takes the cheap check', async () => {
    const { stats } = await runChunks([
      Buffer.from('2026-11-24T10:00:00.1Z stdout F {"status":200}\n\nnot a CRI line\n'),
    ]);
    expect(stats.candidates).toBe(0);
    expect(stats.lines).toBe(3);
  });
});

describe('request counting', () => {
  it.each([
    ['combined log format', '1.2.3.4 - - [24/Nov/2026:10:00:00 +0000] "GET / HTTP/1.1" 503 1 "-" "ua"', 5],
    ['nginx JSON', '{"status":404,"request":"GET / HTTP/1.1"}', 4],
    ['Traefik', '{"DownstreamStatus":502,"RequestMethod":"GET"}', 5],
    ['app JSON with http_status as a string', '{"msg":"x","http_status":"301"}', 3],
    ['CRI around JSON', '2026-11-24T10:00:00.1Z stdout F {"status":200}', 2],
  ])('counts %s by status class', async (_name, line, cls) => {
    const { stats } = await runChunks([Buffer.from(`${line}\n`)]);
    expect([...stats.requestsByClass].map((n, i) => (n > 0 ? i : -1)).filter((i) => i >= 0)).toEqual([cls]);
  });

  it('gives a line joined from CRI partials the time of its first part', async () => {
    const { events } = await runChunks([
      Buffer.from(
        '2026-11-24T10:00:00Z stdout P <Error><Code>SlowDown</Co\n2026-11-24T10:00:09Z stdout F de></Error>\n',
      ),
    ]);
    expect(events.map((e) => [e.code, e.time])).toEqual([['SlowDown', '2026-11-24T10:00:00.000Z']]);
  });
});
