// Follow mode through the real CLI: restarts (SIGTERM exactly once, SIGKILL at least once), slow readers, stdin.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
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

  it('SIGKILL then restart: every event at least once', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'oee-kill-'));
    const log = path.join(dir, 'app.log');
    const all = append(log, 0, 200);
    const first = follow(dir);
    await waitFor('some events', () => (ids(first.stdout()).length >= 200 ? true : undefined));
    all.push(...append(log, 200, 400));
    await waitFor('more events', () => (ids(first.stdout()).length >= 250 ? true : undefined));
    first.child.kill('SIGKILL');
    await first.exited;
    all.push(...append(log, 400, 500));
    const second = follow(dir);
    const seen = () => new Set([...ids(first.stdout()), ...ids(second.stdout())]);
    await waitFor('every event', () => (seen().size >= all.length ? true : undefined));
    second.child.kill('SIGTERM');
    await second.exited;
    expect([...seen()].sort()).toEqual([...all].sort());
  });
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
});
