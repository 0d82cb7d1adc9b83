// Follow mode under the rotations real systems do (issue table rows): real files and renames, unique ids, lost/repeated counted.
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FINGERPRINT_BYTES } from '../src/sources/positions.js';
import { Harness, tally, Writer } from './helpers/follow.js';

let h: Harness;
beforeEach(() => {
  h = new Harness();
});
afterEach(async () => {
  await h.follower?.close();
});

const gzip = (from: string, to: string) => {
  fs.writeFileSync(to, zlib.gzipSync(fs.readFileSync(from)));
  fs.unlinkSync(from);
};

describe('copytruncate (`cp log log.2; : > log`, then appends)', () => {
  const cases = [
    { name: 'exact name, the copy not matched', pattern: 'app.log', copy: 'app.log.2', gz: false },
    { name: 'glob over rotated names, the copy matched', pattern: 'app.log*', copy: 'app.log.2', gz: false },
    { name: 'the copy compressed at once', pattern: 'app.log', copy: 'app.log.2', gz: true },
  ];
  it.each(cases)(
    '$name: lines unread at the truncation come from the copy; 5 s of polls repeat nothing',
    async ({ pattern, copy, gz }) => {
      const log = h.file('app.log');
      const w = new Writer();
      w.append(log, 5);
      const f = h.start({ patterns: [h.file(pattern)] });
      await f.pollOnce();
      w.append(log, 5); // written after our last read: only the copy will have them
      fs.copyFileSync(log, h.file(copy));
      if (gz) gzip(h.file(copy), h.file(`${copy}.gz`));
      fs.truncateSync(log, 0);
      w.append(log, 5);
      await h.run(5000);
      expect(tally(w.written, h.ids())).toEqual({ lost: 0, repeated: 0 });
      expect(f.tailerFigures().files.get(log)?.truncations).toBe(1);
      // SIGTERM and restart: the saved fingerprint is the new content's, so nothing is read again.
      await f.close();
      w.append(log, 5);
      h.start({ patterns: [h.file(pattern)] });
      await h.run(2000);
      expect(tally(w.written, h.ids())).toEqual({ lost: 0, repeated: 0 });
    },
  );

  it('truncating every second at 300 lines per second (logrotate naming), with restarts: none lost, none repeated', async () => {
    const log = h.file('app.log');
    const w = new Writer();
    let f = h.start({ patterns: [h.file('app.log*')], excludes: ['*.gz'] });
    for (let second = 0; second < 10; second++) {
      for (let tick = 0; tick < 10; tick++) {
        w.append(log, 15);
        if (tick % 3 === 0) await h.run(100);
        else h.time += 100;
      }
      // logrotate (copytruncate, rotate 2, compress, delaycompress): .2 → .3.gz, .1 → .2, copy, truncate.
      if (fs.existsSync(h.file('app.log.2'))) gzip(h.file('app.log.2'), h.file('app.log.3.gz'));
      if (fs.existsSync(h.file('app.log.1'))) fs.renameSync(h.file('app.log.1'), h.file('app.log.2'));
      fs.copyFileSync(log, h.file('app.log.1'));
      fs.truncateSync(log, 0);
      if (second % 4 === 3) {
        await f.close();
        f = h.start({ patterns: [h.file('app.log*')], excludes: ['*.gz'] });
      }
    }
    await h.run(3000);
    expect(tally(w.written, h.ids())).toEqual({ lost: 0, repeated: 0 });
  });
});

describe('rename rotation', () => {
  it('glob also matching rotated names (`app.log*`): the renamed file is the same file, never read again', async () => {
    const log = h.file('app.log');
    const w = new Writer();
    w.append(log, 100);
    const f = h.start({ patterns: [h.file('app.log*')] });
    await f.pollOnce();
    for (let gen = 1; gen <= 5; gen++) {
      for (let n = gen - 1; n >= 1; n--) fs.renameSync(h.file(`app.log.${n}`), h.file(`app.log.${n + 1}`));
      fs.renameSync(log, h.file('app.log.1'));
      w.append(h.file('app.log.1'), 3); // the writer has not reopened yet
      w.append(log, 100);
      await h.run(300);
    }
    fs.unlinkSync(h.file('app.log.5'));
    await h.run(3000);
    expect(tally(w.written, h.ids())).toEqual({ lost: 0, repeated: 0 });
    expect(h.ids()).toHaveLength(5 * 103 + 100);
  });

  it('exact name, renamed every 200 ms at 3k lines/s, polling every second: directory events open every file', async () => {
    const counted = await storm({ watch: true });
    expect(counted).toEqual({ lost: 0, repeated: 0 });
  }, 20_000);

  it('the same storm with polling alone (events missing, as on some shared volumes) does lose files', async () => {
    const counted = await storm({ watch: false });
    expect(counted.lost).toBeGreaterThan(0);
    expect(counted.repeated).toBe(0);
  }, 20_000);
});

/** Real time: a writer renames `app.log` every 200 ms at 3k lines/s for 2 s; the follower polls every second. */
async function storm({ watch }: { watch: boolean }): Promise<{ lost: number; repeated: number }> {
  const { systemClock } = await import('../src/follow.js');
  const log = h.file('app.log');
  const w = new Writer();
  fs.writeFileSync(log, '');
  const f = h.start({ patterns: [log], watch, clock: systemClock, pollIntervalMs: 1000, rotateWaitMs: 1500 });
  const stop = new AbortController();
  const running = f.run(stop.signal);
  await new Promise((r) => setTimeout(r, 100));
  let rotation = 0;
  const t0 = Date.now();
  for (let tick = 1; tick <= 100; tick++) {
    w.append(log, 30); // 60 lines per 20 ms
    if (tick % 10 === 0) fs.renameSync(log, h.file(`app.log.${++rotation}`));
    await new Promise((r) => setTimeout(r, Math.max(0, t0 + tick * 20 - Date.now())));
  }
  await new Promise((r) => setTimeout(r, 3500)); // a poll, and the rotated files read until idle
  stop.abort();
  await running;
  return tally(w.written, h.ids());
}

describe('files that only start alike', () => {
  it('a new file starting like a followed one but with other lines is read whole; a true copy is not read', async () => {
    const banner = `${'#'.repeat(300)}\n`;
    const a = new Writer('a');
    const b = new Writer('b');
    fs.writeFileSync(h.file('a.log'), banner + a.lines(20));
    const f = h.start();
    await f.pollOnce();
    fs.writeFileSync(h.file('b.log'), banner + b.lines(5)); // shorter than what was read of a.log
    fs.copyFileSync(h.file('a.log'), h.file('c.log')); // a copy: the same content, not read twice
    await h.run(500);
    expect(tally([...a.written, ...b.written], h.ids())).toEqual({ lost: 0, repeated: 0 });
  });
});

describe('identity and the positions file across restarts', () => {
  it('an inode reused while stopped: read from 0 once, then never again; one entry per identity', async () => {
    const log = h.file('a.log');
    const w = new Writer();
    w.append(log, 30);
    let f = h.start();
    await h.run(200);
    await f.close();
    // Rotated away and deleted while stopped, the inode reused by new content (same inode, other first bytes).
    const reused = new Writer('reused');
    fs.writeFileSync(log, reused.lines(10));
    for (let restart = 0; restart < 5; restart++) {
      f = h.start();
      await h.run(200);
      await f.close();
      const entries = h.savedFiles();
      expect(entries).toHaveLength(1);
      expect(entries[0]?.offset).toBe(fs.statSync(log).size);
    }
    expect(tally([...w.written, ...reused.written], h.ids())).toEqual({ lost: 0, repeated: 0 });
  });

  it('a stale entry listed before the right one for the same inode is passed over, not read from 0', async () => {
    const log = h.file('a.log');
    const w = new Writer();
    w.append(log, 10);
    let f = h.start();
    await h.run(200);
    await f.close();
    const [right] = h.savedFiles();
    const stale = { ...right, fingerprint: '0'.repeat(32), offset: 3 };
    fs.writeFileSync(h.file('positions.json'), JSON.stringify({ version: 1, files: [stale, right] }));
    f = h.start();
    await h.run(200);
    expect(tally(w.written, h.ids())).toEqual({ lost: 0, repeated: 0 });
  });

  it('files that come and go leave no entries behind: only files that exist, or were closed recently', async () => {
    const w = new Writer();
    for (let i = 0; i < 8; i++) {
      const f = h.start();
      w.append(h.file(`pod-${i}.log`), 2);
      if (i >= 2) fs.unlinkSync(h.file(`pod-${i - 2}.log`));
      await h.run(64_000, 2000); // longer than the rotate-wait and the start-up grace
      await f.close();
      const names = h.savedFiles().map((e) => path.basename(e.path));
      expect(names.sort()).toEqual(
        fs
          .readdirSync(h.dir)
          .filter((n) => n.startsWith('pod-'))
          .sort(),
      );
    }
    expect(tally(w.written, h.ids())).toEqual({ lost: 0, repeated: 0 });
  });

  const gzCases = [
    { name: 'glob over rotated names', pattern: 'app.log*' },
    { name: 'exact name (the rotated file found next to it)', pattern: 'app.log' },
  ];
  it.each(gzCases)(
    'rotated to .1 and gzip-ed while stopped, $name: read from the saved offset, decompressed',
    async ({ pattern }) => {
      const log = h.file('app.log');
      const w = new Writer();
      w.append(log, 50);
      let f = h.start({ patterns: [h.file(pattern)] });
      await h.run(200);
      await f.close();
      w.append(log, 50); // written before the rotation, while stopped
      fs.renameSync(log, h.file('app.log.1'));
      gzip(h.file('app.log.1'), h.file('app.log.1.gz'));
      w.append(log, 50);
      f = h.start({ patterns: [h.file(pattern)] });
      await h.run(3000);
      expect(tally(w.written, h.ids())).toEqual({ lost: 0, repeated: 0 });
      // Read once, then closed: no lag series stays behind for the .gz.
      expect([...f.tailerFigures().files.keys()]).toEqual([log]);
      await f.close();
      f = h.start({ patterns: [h.file(pattern)] });
      await h.run(3000);
      expect(tally(w.written, h.ids())).toEqual({ lost: 0, repeated: 0 });
    },
  );

  it('a .gz matching no saved file is never read, and never followed as text', async () => {
    const w = new Writer('old');
    fs.writeFileSync(h.file('app.log.9.gz'), zlib.gzipSync(w.lines(20)));
    fs.writeFileSync(h.file('app.log'), '');
    const f = h.start({ patterns: [h.file('app.log*')] });
    await h.run(500);
    expect(h.events).toEqual([]);
    expect(f.tailerFigures().watched).toBe(1);
  });

  const restartCases = [
    { name: 'exact name', pattern: 'app.log' },
    { name: 'glob over rotated names', pattern: 'app.log*' },
  ];
  it.each(restartCases)(
    '20 SIGTERM restarts with a rename every second, $name: none lost, none repeated',
    async ({ pattern }) => {
      const log = h.file('app.log');
      const w = new Writer();
      let rotation = 0;
      let random = 7;
      const rand = () => {
        random = (random * 1103515245 + 12345) % 2147483648;
        return random / 2147483648;
      };
      const rotate = () => fs.renameSync(log, h.file(`app.log.${++rotation}`));
      let nextRename = 1000;
      for (let restart = 0; restart < 20; restart++) {
        const f = h.start({ patterns: [h.file(pattern)] });
        const runFor = 200 + Math.floor(rand() * 1500);
        for (let t = 0; t < runFor; t += 100) {
          w.append(log, 5);
          h.time += 100;
          if (h.time >= nextRename) {
            rotate();
            nextRename += 1000;
          }
          await f.pollOnce();
        }
        await f.close();
        // While stopped: more lines, and sometimes the rename falls in the gap.
        w.append(log, 5);
        h.time += 100;
        if (h.time >= nextRename) {
          rotate();
          nextRename += 1000;
        }
      }
      h.start({ patterns: [h.file(pattern)] });
      await h.run(3000);
      expect(rotation).toBeGreaterThan(10);
      expect(tally(w.written, h.ids())).toEqual({ lost: 0, repeated: 0 });
    },
  );
});

describe('records split across a rotation', () => {
  const cri = (tag: 'P' | 'F', text: string) => `2026-11-24T09:00:00.000000000Z stdout ${tag} ${text}\n`;
  const line = `10.0.0.1 - - [24/Nov/2026:09:00:00 +0000] "GET /b/k HTTP/1.1" 404 1 "-" "ua" "<Error><Code>NoSuchKey</Code><RequestId>joined-1</RequestId></Error>"`;
  const cases = [
    {
      name: 'CRI P/F pair, exact name',
      pattern: 'app.log',
      before: cri('F', 'hello') + cri('P', line.slice(0, 90)),
      after: cri('F', line.slice(90)) + cri('F', 'next'),
      line: 2,
    },
    {
      name: 'CRI P/F pair, glob over rotated names',
      pattern: 'app.log*',
      before: cri('F', 'hello') + cri('P', line.slice(0, 90)),
      after: cri('F', line.slice(90)) + cri('F', 'next'),
      line: 2,
    },
    {
      name: 'multi-line body, exact name',
      pattern: 'app.log',
      before: '2026-11-24 09:00:00 ERROR sdk failed\n<Error>\n  <Code>SlowDown</Code>\n',
      after: '  <RequestId>joined-1</RequestId>\n</Error>\n2026-11-24 09:00:01 INFO ok\n',
      line: 2,
    },
  ];
  it.each(cases)('$name: one whole event, with its request id and first line', async (c) => {
    const log = h.file('app.log');
    fs.writeFileSync(log, c.before);
    const f = h.start({ patterns: [h.file(c.pattern)] });
    await f.pollOnce();
    fs.renameSync(log, h.file('app.log.1'));
    fs.writeFileSync(log, c.after);
    await h.run(3000);
    expect(h.events.map((e) => [e.requestId, e.truncated ?? false, e.line])).toEqual([
      ['joined-1', false, c.line],
    ]);
    expect(h.stats.lines).toBe(c.before.split('\n').length - 1 + c.after.split('\n').length - 1);
    await f.close();
  });
});

describe('SIGTERM with a backlog', () => {
  it('stops after the batch in hand, commits it, saves positions; a restart reads the rest exactly once', async () => {
    const log = h.file('a.log');
    const w = new Writer();
    const chunk = w.lines(2000);
    fs.writeFileSync(log, chunk.repeat(1)); // ~500 KB per 2000 pairs
    for (let i = 0; i < 40; i++) w.append(log, 2000); // ~20 MB of backlog, 20 reads of 1 MiB
    const stop = new AbortController();
    let batches = 0;
    const f = h.start({
      print: async (events) => {
        h.events.push(...events);
        if (++batches === 2) stop.abort();
      },
    });
    await f.run(stop.signal);
    expect(batches).toBe(2);
    const saved = h.savedFiles()[0];
    expect(saved?.offset).toBeLessThan(fs.statSync(log).size / 4);
    h.start();
    await h.run(200);
    expect(tally(w.written, h.ids())).toEqual({ lost: 0, repeated: 0 });
  });
});

it('fingerprints cover the first 256 bytes', () => {
  expect(FINGERPRINT_BYTES).toBe(256);
});
