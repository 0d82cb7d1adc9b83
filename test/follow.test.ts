// Follow mode on real files, rotated by the test in every way tail -F knows; time is a fake clock, nothing sleeps.
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_LIMITS } from '../src/config.js';
import { body, Harness, plain } from './helpers/follow.js';

describe('Follower', () => {
  let h: Harness;
  beforeEach(() => {
    h = new Harness();
  });
  afterEach(async () => {
    await h.follower?.close();
  });

  it('reads a file from its beginning, then what is appended', async () => {
    fs.writeFileSync(h.file('a.log'), body('1') + plain(1));
    const f = h.start();
    await f.pollOnce();
    fs.appendFileSync(h.file('a.log'), body('2'));
    await f.pollOnce();
    expect(h.ids()).toEqual(['1', '2']);
    expect(h.events.map((e) => e.line)).toEqual([1, 3]);
  });

  it('holds a line without its newline until the newline arrives', async () => {
    const line = body('1');
    fs.writeFileSync(h.file('a.log'), line.slice(0, 50));
    const f = h.start();
    await f.pollOnce();
    fs.appendFileSync(h.file('a.log'), line.slice(50, -1));
    await f.pollOnce();
    expect(h.events).toEqual([]);
    fs.appendFileSync(h.file('a.log'), '\n');
    await f.pollOnce();
    expect(h.ids()).toEqual(['1']);
  });

  it('rename + create: reads the old file to its end (writes after the rename too), then the new one', async () => {
    fs.writeFileSync(h.file('a.log'), body('1'));
    const f = h.start();
    await f.pollOnce();
    fs.renameSync(h.file('a.log'), h.file('a.log.1'));
    fs.writeFileSync(h.file('a.log'), body('3'));
    fs.appendFileSync(h.file('a.log.1'), body('2')); // nginx keeps writing until it reopens
    await f.pollOnce();
    fs.appendFileSync(h.file('a.log.1'), body('2b'));
    h.time += 500;
    await f.pollOnce();
    expect(f.tailerFigures().watched).toBe(2);
    h.time += 1001;
    await f.pollOnce();
    expect(f.tailerFigures().watched).toBe(1);
    expect(h.ids().sort()).toEqual(['1', '2', '2b', '3']);
    expect(f.tailerFigures().files.get(h.file('a.log'))?.rotations).toBe(1);
  });

  it('copytruncate: notices the size going down and reads again from 0', async () => {
    fs.writeFileSync(h.file('a.log'), body('1') + body('2'));
    const f = h.start();
    await f.pollOnce();
    fs.copyFileSync(h.file('a.log'), h.file('a.log.1'));
    fs.truncateSync(h.file('a.log'), 0);
    fs.appendFileSync(h.file('a.log'), body('3'));
    await f.pollOnce();
    expect(h.ids()).toEqual(['1', '2', '3']);
    expect(f.tailerFigures().files.get(h.file('a.log'))?.truncations).toBe(1);
  });

  it('truncation followed by more writes than before is caught by the fingerprint', async () => {
    fs.writeFileSync(h.file('a.log'), body('1'));
    const f = h.start();
    await f.pollOnce();
    fs.writeFileSync(h.file('a.log'), plain(7) + body('2') + body('3'));
    await f.pollOnce();
    expect(h.ids()).toEqual(['1', '2', '3']);
    expect(f.tailerFigures().files.get(h.file('a.log'))?.truncations).toBe(1);
  });

  it('delete + recreate: the new file is read from its beginning', async () => {
    fs.writeFileSync(h.file('a.log'), body('1'));
    const f = h.start();
    await f.pollOnce();
    fs.unlinkSync(h.file('a.log'));
    await f.pollOnce();
    fs.writeFileSync(h.file('a.log'), body('2'));
    await f.pollOnce();
    expect(h.ids()).toEqual(['1', '2']);
  });

  it('waits for a named file that does not exist yet, saying so once', async () => {
    const f = h.start({ patterns: [h.file('late.log')] });
    await f.pollOnce();
    await f.pollOnce();
    expect(h.logs.filter((l) => l.includes('waiting for the file to appear'))).toHaveLength(1);
    fs.writeFileSync(h.file('late.log'), body('1'));
    await f.pollOnce();
    expect(h.ids()).toEqual(['1']);
  });

  it('picks up files that appear later under a glob, from their beginning, except excluded ones', async () => {
    fs.writeFileSync(h.file('a.log'), body('1'));
    const f = h.start({ excludes: ['debug-*.log'] });
    await f.pollOnce();
    fs.writeFileSync(h.file('b.log'), body('2'));
    fs.writeFileSync(h.file('debug-x.log'), body('x'));
    await f.pollOnce();
    expect(h.ids()).toEqual(['1', '2']);
  });

  it('--from-end starts files present at start at their end, later files at their beginning', async () => {
    fs.writeFileSync(h.file('a.log'), body('old'));
    const f = h.start({ fromEnd: true });
    await f.pollOnce();
    fs.appendFileSync(h.file('a.log'), body('new'));
    fs.writeFileSync(h.file('b.log'), body('b'));
    await f.pollOnce();
    expect(h.ids().sort()).toEqual(['b', 'new']);
  });

  it('resumes after a restart right after the last record processed: none lost, none twice', async () => {
    fs.writeFileSync(h.file('a.log'), body('1') + body('2'));
    const first = h.start();
    await first.pollOnce();
    await first.close();
    fs.appendFileSync(h.file('a.log'), body('3'));
    const second = h.start();
    await second.pollOnce();
    expect(h.ids()).toEqual(['1', '2', '3']);
    expect(h.events.at(-1)?.line).toBe(3);
  });

  it('never commits past a multi-line body still being written', async () => {
    fs.writeFileSync(
      h.file('a.log'),
      `${body('1')}2026-11-24 09:00:00 ERROR sdk failed\n<Error>\n  <Code>SlowDown</Code>\n`,
    );
    const first = h.start();
    await first.pollOnce();
    await first.close();
    const saved = JSON.parse(fs.readFileSync(h.file('positions.json'), 'utf8'));
    // Committed before the SDK's header line, which gives the body its time, and after the body of line 1.
    expect(saved.files[0].offset).toBe(Buffer.byteLength(body('1')));
    fs.appendFileSync(h.file('a.log'), '  <RequestId>2</RequestId>\n</Error>\n');
    const second = h.start();
    await second.pollOnce();
    expect(h.ids()).toEqual(['1', '2']);
    expect(h.events[1]?.line).toBe(3);
    expect(h.events[1]?.time).toBe('2026-11-24T09:00:00.000Z');
  });

  it('does not take a reused inode with other content for the saved file', async () => {
    fs.writeFileSync(h.file('a.log'), body('1') + body('2'));
    const first = h.start();
    await first.pollOnce();
    await first.close();
    const saved = JSON.parse(fs.readFileSync(h.file('positions.json'), 'utf8'));
    const ino = fs.statSync(h.file('a.log')).ino;
    fs.writeFileSync(h.file('a.log'), `${plain(9)}${body('3')}${body('4')}${body('5')}`); // same inode, new content
    expect(fs.statSync(h.file('a.log')).ino).toBe(ino);
    expect(saved.files[0].offset).toBeGreaterThan(0);
    const second = h.start();
    await second.pollOnce();
    expect(h.ids()).toEqual(['1', '2', '3', '4', '5']);
  });

  it('starts safely from a corrupt positions file, with a warning', async () => {
    fs.writeFileSync(h.file('positions.json'), '{"version":1,"files":[{"pa');
    fs.writeFileSync(h.file('a.log'), body('1'));
    const f = h.start();
    await f.pollOnce();
    expect(h.ids()).toEqual(['1']);
    expect(h.logs.some((l) => l.includes('positions file is corrupt'))).toBe(true);
  });

  it('counts a positions file it cannot write and keeps going', async () => {
    fs.writeFileSync(h.file('a.log'), body('1'));
    const f = h.start({ positionsFile: path.join(h.dir, 'missing-dir', 'positions.json') });
    await f.pollOnce();
    fs.appendFileSync(h.file('a.log'), body('2'));
    await f.pollOnce();
    expect(h.ids()).toEqual(['1', '2']);
    expect(f.tailerFigures().positionsWriteFailures).toBe(2);
    expect(h.logs.some((l) => l.includes('cannot write the positions file'))).toBe(true);
  });

  it('skips a line longer than the bound without holding it, and reads the next one', async () => {
    const limits = { ...DEFAULT_LIMITS, maxLineBytes: 1024 };
    fs.writeFileSync(h.file('a.log'), `${'x'.repeat(5000)}\n${body('1')}`);
    const f = h.start({ limits });
    await f.pollOnce();
    expect(h.ids()).toEqual(['1']);
    expect(h.stats.skipped['too-long']).toBe(1);
  });

  it('removes a closed file from the per-file figures', async () => {
    fs.writeFileSync(h.file('a.log'), body('1'));
    const f = h.start();
    await f.pollOnce();
    fs.unlinkSync(h.file('a.log'));
    await f.pollOnce();
    h.time += 2000;
    await f.pollOnce();
    expect(f.tailerFigures().files.size).toBe(0);
    expect(f.tailerFigures().watched).toBe(0);
  });
});
