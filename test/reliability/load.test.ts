// Faults and load through the real CLI: concurrent and hostile HTTP clients while ingesting at full speed,
// a cardinality attack, a gigabyte line without a newline, and secrets that must not leave.
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { listeningUrl, parseScrape, spawnCli, waitFor } from '../helpers/cli.js';

const errorLine = (code: string, bucket: string) =>
  `10.0.0.1 - - [24/Nov/2026:10:00:00 +0000] "GET /${bucket}/k HTTP/1.1" 404 1 "-" "ua" "<Error><Code>${code}</Code><BucketName>${bucket}</BucketName><RequestId>R</RequestId></Error>"\n`;
const okLine = '10.0.0.1 - - [24/Nov/2026:10:00:00 +0000] "GET /b/k HTTP/1.1" 200 1 "-" "ua" "-"\n';

/** Peak RSS so far; 0 once the process has exited (a zombie's status has no VmHWM, a reaped one no file). */
function rssMiB(pid: number): number {
  try {
    const kib = /VmHWM:\s+(\d+)/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
    return kib === undefined ? 0 : Number(kib) / 1024;
  } catch {
    return 0;
  }
}

describe('the metrics endpoint under load', () => {
  it('answers 50 concurrent scrapers, malformed requests and a slow-header client while ingesting at full speed', async () => {
    const cli = spawnCli(['--listen', '127.0.0.1:0', '--no-events']);
    const url = await listeningUrl(cli);
    const { hostname, port } = new URL(url);
    // Full-speed ingestion: ~200k lines with 2% errors, written as fast as the exporter takes them.
    const block = (okLine.repeat(49) + errorLine('NoSuchKey', 'media')).repeat(100);
    let writing = true;
    let blocks = 0;
    const writer = (async () => {
      for (; blocks < 40 && writing; blocks++) {
        if (!cli.child.stdin?.write(block)) await new Promise((r) => cli.child.stdin?.once('drain', r));
      }
    })();
    // A client that sends half a request line and then nothing: cut off by the header timeout, harmlessly.
    const slow = net.connect(Number(port), hostname, () =>
      slow.write('GET /metrics HTTP/1.1\r\nHost: x\r\n'),
    );
    slow.resume();
    const slowClosed = new Promise<void>((resolve) => slow.on('close', () => resolve()));
    const latencies: number[] = [];
    let failures = 0;
    for (let round = 0; round < 4; round++) {
      await Promise.all(
        Array.from({ length: 50 }, async () => {
          const t = performance.now();
          const res = await fetch(`${url}/metrics`).catch(() => undefined);
          if (res?.status !== 200 || !(await res.text()).includes('oss_errors_total')) failures++;
          latencies.push(performance.now() - t);
        }),
      );
      // A malformed request gets its 400 and the connection closes, between the scrapes.
      let reply = '';
      const garbage = net.connect(Number(port), hostname, () => garbage.end('\u0000\u0001 BAD\r\n\r\n'));
      garbage.on('data', (d) => {
        reply += d;
      });
      await new Promise((r) => garbage.on('close', r));
      expect(reply).toMatch(/^HTTP\/1\.1 400/);
    }
    writing = false;
    await writer;
    cli.child.stdin?.end();
    expect(failures).toBe(0);
    latencies.sort((a, b) => a - b);
    process.stdout.write(
      `    scrape latency under load: median ${latencies[100]?.toFixed(1)} ms, p99 ${latencies[198]?.toFixed(1)} ms (200 scrapes, 50 at a time)\n`,
    );
    expect(await cli.exited).toBe(0);
    expect(cli.stderr()).toMatch(/lines, .* MB/);
    expect(blocks).toBeGreaterThan(0);
    expect(cli.stderr()).toContain(`events: ${blocks * 100},`);
    await slowClosed; // the header timeout (5 s) closed it; nothing else was disturbed
  }, 30_000);
});

describe('a cardinality attack', () => {
  it('keeps the code and bucket series at their caps with 100,000 distinct random codes and buckets', async () => {
    const cli = spawnCli(['--listen', '127.0.0.1:0', '--no-events', '--label-bucket']);
    const url = await listeningUrl(cli);
    let text = '';
    for (let i = 0; i < 100_000; i++) text += errorLine(`Code${(i * 7919).toString(36)}`, `bucket-${i}`);
    cli.child.stdin?.write(text);
    const scrape = await waitFor('every line', async () => {
      const s = parseScrape(await (await fetch(`${url}/metrics`)).text());
      return s.get('oss_exporter_lines_read_total') === 100_000 ? s : undefined;
    });
    const count = (prefix: string) => [...scrape.keys()].filter((k) => k.startsWith(prefix)).length;
    const codes = new Set(
      [...scrape.keys()]
        .filter((k) => k.startsWith('oss_errors_total{'))
        .map((k) => /code="([^"]*)"/.exec(k)?.[1]),
    );
    expect(codes.size).toBeLessThanOrEqual(78 + 4 + 100 + 1); // catalogue, usual spellings, 100 unknown, other
    expect(count('oss_errors_by_bucket_total{')).toBe(101); // 100 buckets + other
    expect(scrape.get('oss_unknown_codes_overflow_total')).toBe(100_000 - 100);
    expect(scrape.get('oss_bucket_label_overflow_total')).toBe(100_000 - 100);
    cli.child.stdin?.end();
    expect(await cli.exited).toBe(0);
  }, 30_000);
});

describe('huge input', () => {
  it('skips a 1 GiB line without a newline in bounded memory, and reads the line after it', async () => {
    const cli = spawnCli(['--no-summary']);
    const mib = Buffer.alloc(1024 * 1024, 0x41);
    let sent = 0;
    const source = Readable.from(
      (function* () {
        for (; sent < 1024; sent++) yield mib;
        yield Buffer.from(`\n${errorLine('AccessDenied', 'after-the-giant')}`);
      })(),
    );
    source.pipe(cli.child.stdin as NodeJS.WritableStream);
    let peak = 0;
    const sampler = setInterval(() => {
      if (cli.child.pid && cli.child.exitCode === null) peak = Math.max(peak, rssMiB(cli.child.pid));
    }, 50);
    expect(await cli.exited).toBe(0);
    clearInterval(sampler);
    expect(sent).toBe(1024);
    expect(peak).toBeGreaterThan(0); // sampled while it ran
    expect(peak).toBeLessThan(200);
    expect(JSON.parse(cli.stdout().trim())).toMatchObject({
      code: 'AccessDenied',
      bucket: 'after-the-giant',
      line: 2,
    });
    process.stdout.write(`    1 GiB line: peak RSS ${peak.toFixed(0)} MiB\n`);
  }, 60_000);
});

describe('secrets', () => {
  it('leave in no event, no metric and no log line', async () => {
    const secrets = [
      'AKIAIOSFODNN7EXAMPLE',
      'wJalrXUtnFEMIK7MDENGbPxRfiCY',
      'FwoGZXIvYXdzEJrSECRET',
      'f00dfacecafe',
      'LTAI5tVerySecretKey',
      'CAISsts-token-value',
    ];
    const lines = [
      `1.2.3.4 - - [24/Nov/2026:10:00:00 +0000] "GET /b/k?X-Amz-Credential=${secrets[0]}%2F20261124&X-Amz-Security-Token=${secrets[2]}&X-Amz-Signature=${secrets[3]} HTTP/1.1" 403 1 "-" "ua" "<Error><Code>SignatureDoesNotMatch</Code><AWSAccessKeyId>${secrets[0]}</AWSAccessKeyId><SignatureProvided>${secrets[1]}</SignatureProvided><StringToSign>GET\\x0A\\x0A/b/k</StringToSign><CanonicalRequest>GET /b/k ${secrets[3]}</CanonicalRequest><RequestId>R</RequestId></Error>"`,
      `1.2.3.4 - - [24/Nov/2026:10:00:00 +0000] "GET /b/k?OSSAccessKeyId=${secrets[4]}&Signature=${secrets[3]}&security-token=${secrets[5]} HTTP/1.1" 403 1 "-" "ua" "<Error><Code>AccessDenied</Code><OSSAccessKeyId>${secrets[4]}</OSSAccessKeyId><SecurityToken>${secrets[5]}</SecurityToken><Resource>/b/k?Signature=${secrets[3]}</Resource></Error>"`,
    ];
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'oee-secrets-'));
    const log = path.join(dir, 'access.log');
    fs.writeFileSync(log, `${lines.join('\n')}\n`);
    const cli = spawnCli([
      '--listen',
      '127.0.0.1:0',
      '--metrics-file',
      path.join(dir, 'm.prom'),
      '--label-bucket',
      '--log-level',
      'debug',
      log,
    ]);
    expect(await cli.exited).toBe(0);
    const everything = cli.stdout() + cli.stderr() + fs.readFileSync(path.join(dir, 'm.prom'), 'utf8');
    expect(cli.stdout().split('\n').filter(Boolean)).toHaveLength(2);
    for (const secret of secrets) expect([secret, everything.includes(secret)]).toEqual([secret, false]);
  });
});
