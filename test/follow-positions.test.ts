// The positions file checked field by field, restored counters checked, readiness and file errors of the follower.
import fs from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_METRICS_OPTIONS } from '../src/config.js';
import { errorReason } from '../src/follow.js';
import { ExporterMetrics } from '../src/sinks/metrics.js';
import { loadPositions } from '../src/sources/positions.js';
import { newStats } from '../src/stats.js';
import { body, Harness, tally, Writer } from './helpers/follow.js';

let h: Harness;
beforeEach(() => {
  h = new Harness();
});
afterEach(async () => {
  await h.follower?.close();
});

function metrics() {
  const stats = newStats();
  const m = new ExporterMetrics(stats, {
    ...DEFAULT_METRICS_OPTIONS,
    version: 'test',
    processMetrics: false,
  });
  return { stats, m };
}

async function value(m: ExporterMetrics, series: string): Promise<number | undefined> {
  for (const line of (await m.text.metrics()).split('\n'))
    if (line.startsWith(`${series} `)) return Number(line.slice(series.length + 1));
  return undefined;
}

const NO_SUCH_KEY = 'oss_errors_total{code="NoSuchKey",status="404",class="4xx",category="not-found"}';
const good = {
  errors: [{ code: 'NoSuchKey', status: '404', class: '4xx', category: 'not-found', value: 7 }],
  buckets: [],
  unknownOverflow: 2,
  bucketOverflow: 0,
  stats: { lines: 100 },
};

describe('saved counters', () => {
  const damaged = [
    { name: 'errors not an array', counters: { ...good, errors: 5 } },
    { name: 'an error row without its code', counters: { ...good, errors: [{ status: '404', value: 1 }] } },
    { name: 'a negative value', counters: { ...good, errors: [{ ...good.errors[0], value: -3 }] } },
    { name: 'an overflow that is text', counters: { ...good, unknownOverflow: 'x' } },
    { name: 'buckets an object', counters: { ...good, buckets: { a: 1 } } },
    { name: 'stats a number', counters: { ...good, stats: 3 } },
    { name: 'not an object', counters: 'zero' },
  ];
  it.each(damaged)('$name: nothing restored, counters from zero, answered false', async ({ counters }) => {
    const { m } = metrics();
    expect(m.restore(counters)).toBe(false);
    expect(await value(m, NO_SUCH_KEY)).toBe(0);
    expect(await value(m, 'oss_unknown_codes_overflow_total')).toBe(0);
  });

  it('a missing overflow field counts as zero, not as a phantom +1', async () => {
    const { m } = metrics();
    const { unknownOverflow: _u, bucketOverflow: _b, ...rest } = good;
    expect(m.restore(rest)).toBe(true);
    expect(await value(m, NO_SUCH_KEY)).toBe(7);
    expect(await value(m, 'oss_unknown_codes_overflow_total')).toBe(0);
    expect(await value(m, 'oss_bucket_label_overflow_total')).toBe(0);
  });

  it('a whole state is restored', async () => {
    const { m, stats } = metrics();
    expect(m.restore(good)).toBe(true);
    expect(await value(m, 'oss_unknown_codes_overflow_total')).toBe(2);
    expect(stats.lines).toBe(100);
  });
});

describe('positions file, field by field', () => {
  const entry = {
    path: '/x/a.log',
    dev: 1,
    ino: 2,
    fingerprint: 'a'.repeat(32),
    fingerprintLength: 256,
    offset: 10,
    line: 1,
  };
  const cases = [
    { name: 'valid', doc: { version: 1, files: [entry] }, files: 1, warning: false },
    {
      name: 'an entry with a text offset',
      doc: { version: 1, files: [entry, { ...entry, ino: 3, offset: '9' }] },
      files: 1,
      warning: true,
    },
    {
      name: 'an entry with a short fingerprint',
      doc: { version: 1, files: [{ ...entry, fingerprint: 'abc' }] },
      files: 0,
      warning: true,
    },
    { name: 'an entry that is null', doc: { version: 1, files: [null, entry] }, files: 1, warning: true },
    { name: 'files not an array', doc: { version: 1, files: 'x' }, files: 0, warning: true },
    {
      name: 'damaged counters keep the offsets',
      doc: { version: 1, files: [entry], counters: { errors: 5 } },
      files: 1,
      warning: false,
    },
  ];
  it.each(cases)('$name', ({ doc, files, warning }) => {
    fs.writeFileSync(h.file('positions.json'), JSON.stringify(doc));
    const loaded = loadPositions(h.file('positions.json'));
    expect(loaded.state?.files).toHaveLength(files);
    expect(loaded.warning !== undefined).toBe(warning);
  });

  it('damaged entries next to good ones: one warning, the good offsets kept (none repeated)', async () => {
    const w = new Writer();
    w.append(h.file('a.log'), 20);
    let f = h.start();
    await h.run(200);
    await f.close();
    const doc = JSON.parse(fs.readFileSync(h.file('positions.json'), 'utf8'));
    doc.files.push({ path: 7 }, { ...doc.files[0], ino: 'x' });
    doc.counters = { errors: 'damaged' };
    fs.writeFileSync(h.file('positions.json'), JSON.stringify(doc));
    w.append(h.file('a.log'), 5);
    f = h.start();
    await h.run(200);
    expect(tally(w.written, h.ids())).toEqual({ lost: 0, repeated: 0 });
    expect(h.logs.filter((l) => l.includes('positions file is corrupt'))).toHaveLength(1);
  });
});

describe('positions file writes', () => {
  it('is written when the state changes, left alone while it does not, and written at close', async () => {
    const log = h.file('app.log');
    const w = new Writer();
    fs.writeFileSync(log, w.lines(3));
    h.start();
    await h.run(300);
    const positions = h.file('positions.json');
    const first = fs.statSync(positions).mtimeMs;
    expect(h.savedFiles()[0]?.offset).toBe(fs.statSync(log).size);
    // Idle: every poll reaches the interval (0 ms), none rewrites the same state.
    fs.rmSync(positions);
    await h.run(500);
    expect(fs.existsSync(positions)).toBe(false);
    // New lines: the next save writes them.
    fs.appendFileSync(log, w.lines(2));
    await h.run(200);
    expect(h.savedFiles()[0]?.offset).toBe(fs.statSync(log).size);
    expect(fs.statSync(positions).mtimeMs).toBeGreaterThanOrEqual(first);
    // Close writes whatever the file holds.
    fs.rmSync(positions);
    await h.follower.close();
    expect(h.savedFiles()[0]?.offset).toBe(fs.statSync(log).size);
  });
});

describe('readiness and files that cannot be opened', () => {
  it('is ready once started, with no file matching', async () => {
    const f = h.start({ patterns: [h.file('nothing-*.log')] });
    expect(f.ready).toBe(false);
    await f.pollOnce();
    expect(f.ready).toBe(true);
    expect(f.tailerFigures().watched).toBe(0);
  });

  it('a dangling symlink and a symlink loop: logged once each however many polls, counted by reason', async () => {
    fs.symlinkSync(h.file('gone'), h.file('dangling.log'));
    fs.symlinkSync(h.file('loop-b.log'), h.file('loop-a.log'));
    fs.symlinkSync(h.file('loop-a.log'), h.file('loop-b.log'));
    const f = h.start();
    await h.run(2000);
    expect(f.tailerFigures().fileErrors).toEqual({ permission: 0, 'not-found': 1, other: 2 });
    expect(h.logs.filter((l) => l.includes('cannot open file'))).toHaveLength(3);
    // The target appears: the file opens and is read.
    fs.writeFileSync(h.file('gone'), body('late'));
    await h.run(200);
    expect(h.ids()).toEqual(['late']);
  });

  const reasons = [
    { code: 'EACCES', reason: 'permission' },
    { code: 'EPERM', reason: 'permission' },
    { code: 'ENOENT', reason: 'not-found' },
    { code: 'ELOOP', reason: 'other' },
    { code: 'EIO', reason: 'other' },
  ];
  it.each(reasons)('$code is counted as $reason', ({ code, reason }) => {
    expect(errorReason(Object.assign(new Error(code), { code }))).toBe(reason);
  });
});
