// Follow mode through the real CLI: restarts (SIGTERM exactly once, SIGKILL at least once), slow readers, stdin.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { listeningUrl, parseScrape, type RunningCli, spawnCli, waitFor } from './helpers/cli.js';

const errorLine = (id: string) =>
  `10.0.0.1 - - [24/Nov/2026:09:00:00 +0000] "GET /b/k HTTP/1.1" 404 1 "-" "ua" "<Error><Code>NoSuchKey</Code><RequestId>${id}</RequestId></Error>"\n`;
const okLine = `10.0.0.1 - - [24/Nov/2026:09:00:00 +0000] "GET /ok HTTP/1.1" 200 1 "-" "ua" "-"\n`;

function ids(stdout: string): string[] {
  return stdout
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => (JSON.parse(l) as { requestId: string }).requestId);
}

function follow(dir: string, extra: string[] = []): RunningCli {
  return spawnCli([
    '--follow',
    path.join(dir, '*.log'),
    '--positions',
    path.join(dir, 'positions.json'),
    '--positions-interval',
    '100ms',
    '--poll-interval',
    '20ms',
    '--rotate-wait',
    '200ms',
    '--listen',
    '127.0.0.1:0',
    ...extra,
  ]);
}

function append(file: string, from: number, to: number): string[] {
  let text = '';
  const written: string[] = [];
  for (let i = from; i < to; i++) {
    text += errorLine(`id-${i}`) + okLine;
    written.push(`id-${i}`);
  }
  fs.appendFileSync(file, text);
  return written;
}

describe('follow mode across restarts', () => {
  it('SIGTERM then restart: every event exactly once, through a rotation', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'oee-restart-'));
    const log = path.join(dir, 'app.log');
    const all = append(log, 0, 300);
    const first = follow(dir);
    await waitFor('some events', () => (ids(first.stdout()).length >= 300 ? true : undefined));
    all.push(...append(log, 300, 400));
    first.child.kill('SIGTERM');
    expect(await first.exited).toBe(0);
    // While it is down: more lines, then a rotation (the glob still matches the rotated name).
    all.push(...append(log, 400, 500));
    fs.renameSync(log, path.join(dir, 'app.1.log'));
    all.push(...append(log, 500, 600));
    const second = follow(dir);
    const seen = () => [...ids(first.stdout()), ...ids(second.stdout())];
    await waitFor('every event', () => (seen().length >= all.length ? true : undefined));
    second.child.kill('SIGTERM');
    expect(await second.exited).toBe(0);
    const counts = new Map<string, number>();
    for (const id of seen()) counts.set(id, (counts.get(id) ?? 0) + 1);
    expect([...counts.keys()].sort()).toEqual([...all].sort());
    expect([...counts.values()].filter((n) => n !== 1)).toEqual([]);
  });

  it('restores the counters with the positions, so a restart neither resets nor double counts', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'oee-counters-'));
    const log = path.join(dir, 'app.log');
    append(log, 0, 50);
    const first = follow(dir, ['--no-events']);
    const url1 = await listeningUrl(first);
    const errorsOf = async (url: string) =>
      parseScrape(await (await fetch(`${url}/metrics`)).text()).get(
        'oss_errors_total{code="NoSuchKey",status="404",class="4xx",category="not-found"}',
      );
    await waitFor('50 errors', async () => ((await errorsOf(url1)) === 50 ? true : undefined));
    first.child.kill('SIGTERM');
    await first.exited;
    append(log, 50, 70);
    const second = follow(dir, ['--no-events']);
    const url2 = await listeningUrl(second);
    await waitFor('70 errors', async () => ((await errorsOf(url2)) === 70 ? true : undefined));
    const scrape = parseScrape(await (await fetch(`${url2}/metrics`)).text());
    expect(scrape.get('oss_exporter_lines_read_total')).toBe(140);
    second.child.kill('SIGTERM');
    await second.exited;
  });

  it('SIGKILL at random moments, then restart: every event at least once, repeats only past the saved offset', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'oee-kill-'));
    const log = path.join(dir, 'app.log');
    const all: string[] = [];
    const lineOf = new Map<string, number>(); // requestId → line (errors are on odd lines: error, ok, error…)
    let next = 0;
    const write = (n: number) => {
      for (const id of append(log, next, next + n)) lineOf.set(id, all.push(id) * 2 - 1);
      next += n;
    };
    let random = 11;
    const rand = () => {
      random = (random * 1103515245 + 12345) % 2147483648;
      return random / 2147483648;
    };
    write(100);
    const runs: RunningCli[] = [];
    const allowedRepeats = new Set<string>();
    for (let kill = 0; kill < 3; kill++) {
      const run = follow(dir);
      runs.push(run);
      const seen = () => runs.flatMap((r) => ids(r.stdout()));
      await waitFor('a first event of this run', () =>
        ids(run.stdout()).length > 0 || seen().length >= all.length ? true : undefined,
      );
      write(50 + Math.floor(rand() * 100));
      await new Promise((r) => setTimeout(r, Math.floor(rand() * 250))); // a random moment, mid-read or between saves
      run.child.kill('SIGKILL');
      await run.exited;
      // What a restart may repeat: events on lines after the offset saved when it died.
      const saved = JSON.parse(fs.readFileSync(path.join(dir, 'positions.json'), 'utf8')).files[0]?.line ?? 0;
      for (const id of ids(run.stdout())) if ((lineOf.get(id) ?? 0) > saved) allowedRepeats.add(id);
    }
    const last = follow(dir);
    runs.push(last);
    const seen = () => runs.flatMap((r) => ids(r.stdout()));
    await waitFor('every event', () => (new Set(seen()).size >= all.length ? true : undefined));
    last.child.kill('SIGTERM');
    await last.exited;
    expect(new Set(seen())).toEqual(new Set(all));
    const counts = new Map<string, number>();
    for (const id of seen()) counts.set(id, (counts.get(id) ?? 0) + 1);
    const repeated = [...counts].filter(([, n]) => n > 1).map(([id]) => id);
    expect(repeated.filter((id) => !allowedRepeats.has(id))).toEqual([]);
  }, 60_000);
});

describe('follow mode under load and signals', () => {
  it('a slow reader slows reading, with memory bounded, and gets every event in the end', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'oee-slow-'));
    const log = path.join(dir, 'app.log');
    const chunk = Array.from({ length: 1000 }, (_, i) => errorLine(`x-${i}`)).join('');
    fs.writeFileSync(log, chunk.repeat(100)); // 100k events, ~15 MB of input, ~40 MB of events
    const cli = follow(dir);
    const url = await listeningUrl(cli);
    cli.child.stdout?.pause();
    // Nobody reads stdout: the exporter must stop reading the file well before its end.
    const stalled = await waitFor('reading to stall', async () => {
      const a =
        parseScrape(await (await fetch(`${url}/metrics`)).text()).get('oss_exporter_lines_read_total') ?? 0;
      await new Promise((r) => setTimeout(r, 300));
      const b =
        parseScrape(await (await fetch(`${url}/metrics`)).text()).get('oss_exporter_lines_read_total') ?? 0;
      return a === b && a > 0 ? b : undefined;
    });
    expect(stalled).toBeLessThan(100_000);
    const rssKb = Number(
      /VmRSS:\s+(\d+)/.exec(fs.readFileSync(`/proc/${cli.child.pid}/status`, 'utf8'))?.[1],
    );
    expect(rssKb / 1024).toBeLessThan(200);
    let lines = 0;
    cli.child.stdout?.removeAllListeners('data');
    cli.child.stdout?.on('data', (d: Buffer) => {
      for (const byte of d) if (byte === 10) lines++;
    });
    cli.child.stdout?.resume();
    await waitFor('every event', () => (lines >= 100_000 ? true : undefined), 30_000);
    cli.child.kill('SIGTERM');
    expect(await cli.exited).toBe(0);
    expect(lines).toBe(100_000);
  }, 60_000);

  it('reads stdin in follow mode until it ends', async () => {
    const cli = spawnCli(['--follow', '--listen', '127.0.0.1:0']);
    await listeningUrl(cli);
    cli.child.stdin?.write(errorLine('s-1'));
    await waitFor('the first event', () => (ids(cli.stdout()).length === 1 ? true : undefined));
    cli.child.stdin?.end(errorLine('s-2'));
    expect(await cli.exited).toBe(0);
    expect(ids(cli.stdout())).toEqual(['s-1', 's-2']);
  });

  it('a first signal drains; a second exits at once even while the output is stuck', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'oee-signal-'));
    fs.writeFileSync(
      path.join(dir, 'app.log'),
      Array.from({ length: 50_000 }, (_, i) => errorLine(`s-${i}`)).join(''),
    );
    const cli = follow(dir);
    await listeningUrl(cli);
    cli.child.stdout?.pause(); // nobody reads: the drain after the first signal cannot finish
    await waitFor('the output to fill up', () =>
      cli.child.stdout && cli.child.stdout.readableLength > 0 ? true : undefined,
    );
    cli.child.kill('SIGTERM');
    await waitFor('the first signal to be taken', () =>
      cli.stderr().includes('stopping') ? true : undefined,
    );
    expect(cli.child.exitCode).toBeNull();
    cli.child.kill('SIGTERM');
    const code = await cli.exited;
    expect(code).toBe(143);
  });

  it('SIGTERM with a large backlog: exits within 2 s; the restart reads the rest, none lost, none repeated', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'oee-backlog-'));
    const log = path.join(dir, 'app.log');
    const written: string[] = [];
    const fd = fs.openSync(log, 'w');
    const filler = okLine.repeat(199);
    for (let block = 0; block < 40; block++) {
      let text = '';
      for (let i = 0; i < 100; i++) {
        const id = `b-${block}-${i}`;
        written.push(id);
        text += errorLine(id) + filler;
      }
      fs.writeSync(fd, text); // 40 × ~1.6 MB: a 70 MB backlog
    }
    fs.closeSync(fd);
    const first = follow(dir, ['--no-events']);
    onTestFinished(() => void first.child.kill('SIGKILL'));
    const url = await listeningUrl(first);
    // The signal comes once reading has begun, while the backlog is being read (a signal before the first
    // read stops the follower with nothing read, which says nothing of a backlog).
    await waitFor('reading under way', async () => {
      const read = parseScrape(await (await fetch(`${url}/metrics`)).text()).get(
        'oss_exporter_bytes_read_total',
      );
      return read !== undefined && read > 0 ? true : undefined;
    });
    const t0 = performance.now();
    first.child.kill('SIGTERM');
    expect(await first.exited).toBe(0);
    const exitMs = performance.now() - t0;
    expect(exitMs).toBeLessThan(2000);
    const saved = JSON.parse(fs.readFileSync(path.join(dir, 'positions.json'), 'utf8')).files[0];
    expect(saved.offset).toBeLessThan(fs.statSync(log).size);
    // The first run wrote no events: the ids from the saved line on (an error line opens every 200 lines) are due.
    const rest = written.slice(Math.ceil(saved.line / 200));
    const second = follow(dir);
    onTestFinished(() => void second.child.kill('SIGKILL'));
    await waitFor('the rest', () => (ids(second.stdout()).length >= rest.length ? true : undefined), 60_000);
    await new Promise((r) => setTimeout(r, 300));
    second.child.kill('SIGTERM');
    await second.exited;
    expect(ids(second.stdout())).toEqual(rest);
    process.stderr.write(
      `SIGTERM with ${(fs.statSync(log).size / 1e6).toFixed(0)} MB of backlog: exit in ${exitMs.toFixed(0)} ms, ${(saved.offset / 1e6).toFixed(1)} MB read before\n`,
    );
  }, 90_000);

  it('a positions file with damaged counters: one warning, counters from zero, offsets kept', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'oee-damaged-'));
    const log = path.join(dir, 'app.log');
    append(log, 0, 20);
    const first = follow(dir, ['--no-events']);
    onTestFinished(() => void first.child.kill('SIGKILL'));
    await listeningUrl(first);
    await waitFor('the positions', () =>
      fs.existsSync(path.join(dir, 'positions.json')) ? true : undefined,
    );
    await new Promise((r) => setTimeout(r, 300));
    first.child.kill('SIGTERM');
    expect(await first.exited).toBe(0);
    const doc = JSON.parse(fs.readFileSync(path.join(dir, 'positions.json'), 'utf8'));
    doc.counters.errors = { NoSuchKey: 'many' };
    fs.writeFileSync(path.join(dir, 'positions.json'), JSON.stringify(doc));
    append(log, 20, 25);
    const second = follow(dir);
    onTestFinished(() => void second.child.kill('SIGKILL'));
    const url = await listeningUrl(second);
    await waitFor('5 events', () => (ids(second.stdout()).length >= 5 ? true : undefined));
    const scrape = parseScrape(await (await fetch(`${url}/metrics`)).text());
    expect(
      scrape.get('oss_errors_total{code="NoSuchKey",status="404",class="4xx",category="not-found"}'),
    ).toBe(5);
    second.child.kill('SIGTERM');
    expect(await second.exited).toBe(0);
    expect(ids(second.stdout())).toEqual(['id-20', 'id-21', 'id-22', 'id-23', 'id-24']);
    expect(second.stderr().match(/saved counters are damaged/g)).toHaveLength(1);
  });
});
