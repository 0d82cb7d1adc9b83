// The directory watcher on real directories: renames are passed on while files are written a line at a time, appends are not.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DirectoryWatcher, PAUSE_MS } from '../src/sources/watch.js';

const LINE = '10.0.0.1 - - [24/Nov/2026:10:00:00 +0000] "GET /a.jpg HTTP/1.1" 200 5120 "-" "curl/8" "-"\n';

describe('DirectoryWatcher', () => {
  let dir: string;
  let logs: string[];
  let renames: number[];
  let watcher: DirectoryWatcher;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'oee-watch-'));
    logs = [];
    renames = [];
    const log = pino({ level: 'info' }, { write: (line: string) => logs.push(line) });
    watcher = new DirectoryWatcher(() => renames.push(performance.now()), log);
  });
  afterEach(() => {
    watcher.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  /** Appends a line at a time (one write each, as nginx and container runtimes do) until `until` resolves. */
  async function writeLines(file: string, until: Promise<unknown>): Promise<number> {
    const fd = fs.openSync(file, 'a');
    let done = false;
    void until.then(() => {
      done = true;
    });
    let writes = 0;
    try {
      while (!done) {
        for (let i = 0; i < 20; i++, writes++) fs.writeSync(fd, LINE);
        await new Promise((r) => setTimeout(r, 1));
      }
    } finally {
      fs.closeSync(fd);
    }
    return writes;
  }

  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

  /** The watch is made on the watching thread: a created file tells when it is in place. */
  async function watching(): Promise<void> {
    watcher.update([dir]);
    for (let i = 0; renames.length === 0; i++) {
      if (i > 200) throw new Error('the directory watch never reported a file created');
      fs.writeFileSync(path.join(dir, `probe-${i}`), '');
      await sleep(25);
    }
    await sleep(PAUSE_MS * 2);
    renames.length = 0;
  }

  it('appends alone, thousands of single-line writes, pass nothing on', async () => {
    const log = path.join(dir, 'app.log');
    fs.writeFileSync(log, '');
    await watching();
    const writes = await writeLines(log, sleep(500));
    await sleep(PAUSE_MS * 2);
    expect(writes).toBeGreaterThan(1000);
    expect(renames).toEqual([]);
  });

  it('a rename while a file is written a line at a time is passed on within the pause, not at the next poll', async () => {
    const log = path.join(dir, 'app.log');
    fs.writeFileSync(log, '');
    await watching();
    const stop = sleep(600);
    const writing = writeLines(log, stop);
    const delays: number[] = [];
    for (let rotation = 1; rotation <= 3; rotation++) {
      await sleep(150);
      const before = renames.length;
      const at = performance.now();
      fs.renameSync(log, `${log}.${rotation}`);
      fs.writeFileSync(log, '');
      while (renames.length === before && performance.now() - at < 2000) await sleep(1);
      delays.push((renames[before] ?? Number.POSITIVE_INFINITY) - at);
    }
    await writing;
    // The pause is the bound; the default poll (250 ms) is what a missed event would cost.
    for (const delay of delays) expect(delay).toBeLessThan(250);
  });

  it('a directory not there yet is watched once it exists and is asked for again; no warning', async () => {
    const later = path.join(dir, 'later');
    watcher.update([later]);
    await sleep(100);
    fs.mkdirSync(later);
    watcher.update([later]);
    for (let i = 0; renames.length === 0 && i < 200; i++) {
      fs.writeFileSync(path.join(later, `f-${i}`), '');
      await sleep(25);
    }
    expect(renames.length).toBeGreaterThan(0);
    expect(logs).toEqual([]);
  });
});
