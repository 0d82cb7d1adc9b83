// Hostile XML and a slow reader through the real CLI: attacks are rejected and counted, the next body is still
// read, memory stays bounded, and a reader that stops reading stops the exporter's reading, not its memory.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { listeningUrl, parseScrape, spawnCli, waitFor } from '../helpers/cli.js';

const valid = (id: string) => `"<Error><Code>NoSuchKey</Code><RequestId>${id}</RequestId></Error>"`;
const lol = Array.from({ length: 9 }, (_, i) => `<!ENTITY lol${i + 1} "${`&lol${i};`.repeat(10)}">`).join('');
const ATTACKS: [string, string, string][] = [
  [
    'billion laughs',
    `<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol0 "lol">${lol}]><Error><Code>&lol9;</Code></Error>`,
    'dtd',
  ],
  [
    'quadratic blowup',
    `<!DOCTYPE q [<!ENTITY a "${'a'.repeat(50_000)}">]><Error><Code>X</Code><Message>${'&a;'.repeat(5000)}</Message></Error>`,
    'dtd',
  ],
  [
    'external entity',
    '<!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><Error><Code>&xxe;</Code></Error>',
    'dtd',
  ],
  [
    '10,000 nested elements',
    `<Error><Code>X</Code><D>${'<a>'.repeat(10_000)}${'</a>'.repeat(10_000)}</D></Error>`,
    'too-large',
  ],
  [
    '5,000 nested elements',
    `<Error><Code>X</Code><D>${'<a>'.repeat(5000)}${'</a>'.repeat(5000)}</D></Error>`,
    'malformed',
  ],
  [
    '200 kB of element text',
    `<Error><Code>X</Code><Message>${'m'.repeat(200_000)}</Message></Error>`,
    'too-large',
  ],
];

describe('hostile XML through the CLI', () => {
  it('rejects and counts every attack, reads the body after each, in bounded memory', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'oee-hostile-'));
    const log = path.join(dir, 'hostile.log');
    const lines = ATTACKS.flatMap(([name, xml], i) => [
      `attack ${name}: ${xml}`,
      `after ${i}: ${valid(`ok-${i}`)}`,
    ]);
    lines.push(
      `a 10 MB line: "${'<Error><Code>X</Code>'.padEnd(10_000_000, 'x')}"`,
      `after the big one: ${valid('ok-big')}`,
    );
    fs.writeFileSync(log, `${lines.join('\n')}\n`);
    const cli = spawnCli([log]);
    expect(await cli.exited).toBe(0);
    const ids = cli
      .stdout()
      .split('\n')
      .filter(Boolean)
      .map((l) => (JSON.parse(l) as { requestId: string }).requestId);
    expect(ids).toEqual([...ATTACKS.map((_, i) => `ok-${i}`), 'ok-big']);
    const summary = cli.stderr();
    expect(summary).toContain('unparseable by reason: malformed=1 dtd=3 too-large=2');
    expect(summary).toContain('skipped by reason: too-long=1');
    const rss = Number(/peak rss: (\d+) MiB/.exec(summary)?.[1]);
    expect(rss).toBeLessThan(160);
    process.stdout.write(`    hostile XML run: peak RSS ${rss} MiB\n`);
  });
});

describe('a slow reader of the events (batch mode)', () => {
  it('stops the reading, keeps memory bounded, and gets every event once it reads again', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'oee-slow-batch-'));
    const log = path.join(dir, 'errors.log');
    const line = (i: number) =>
      `1.2.3.4 - - [24/Nov/2026:10:00:00 +0000] "GET /b/k HTTP/1.1" 404 1 "-" "ua" ${valid(`e${i}`)}\n`;
    fs.writeFileSync(log, Array.from({ length: 200_000 }, (_, i) => line(i)).join(''));
    const cli = spawnCli(['--listen', '127.0.0.1:0', '--no-summary', log]);
    cli.child.stdout?.pause();
    const url = await listeningUrl(cli);
    const linesRead = async () =>
      parseScrape(await (await fetch(`${url}/metrics`)).text()).get('oss_exporter_lines_read_total') ?? 0;
    const stalled = await waitFor('reading to stall', async () => {
      const a = await linesRead();
      await new Promise((r) => setTimeout(r, 300));
      const b = await linesRead();
      return a === b && a > 0 ? b : undefined;
    });
    expect(stalled).toBeLessThan(200_000);
    const rss =
      Number(/VmRSS:\s+(\d+)/.exec(fs.readFileSync(`/proc/${cli.child.pid}/status`, 'utf8'))?.[1]) / 1024;
    expect(rss).toBeLessThan(200);
    let events = 0;
    cli.child.stdout?.removeAllListeners('data');
    cli.child.stdout?.on('data', (d: Buffer) => {
      for (const byte of d) if (byte === 10) events++;
    });
    cli.child.stdout?.resume();
    expect(await cli.exited).toBe(0);
    expect(events).toBe(200_000);
    process.stdout.write(
      `    slow reader: reading stalled at ${stalled} of 200000 lines with RSS ${rss.toFixed(0)} MiB\n`,
    );
  }, 60_000);
});
