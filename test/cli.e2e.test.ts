// The built CLI on files, stdin and .gz: events on stdout, the summary on stderr, exit codes, commands.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { CLI, ROOT, SAMPLE, spawnCli, waitFor } from './helpers/cli.js';

const LOADED_MODULES = path.join(import.meta.dirname, 'helpers/loaded-modules.cjs');

const run = (args: string[], input?: string | Buffer) =>
  spawnSync(process.execPath, [CLI, ...args], { cwd: ROOT, input, encoding: 'utf8', maxBuffer: 64 << 20 });
const events = (stdout: string) =>
  stdout
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as { code: string; source: string; line: number });
const SAMPLE_CODES = [
  'NoSuchKey',
  'SignatureDoesNotMatch',
  'SlowDown',
  'BucketNotEmpty',
  'AccessDenied',
  'InternalError',
  'NoSuchKey',
];
const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'oee-cli-'));

describe('oss-error-exporter (batch)', () => {
  it('prints one JSON event per error of the sample and a summary, exit 0', () => {
    const r = run([SAMPLE]);
    expect(r.status).toBe(0);
    expect(events(r.stdout).map((e) => e.code)).toEqual(SAMPLE_CODES);
    expect(events(r.stdout)[0]).toMatchObject({ source: SAMPLE, line: 6 });
    expect(r.stderr).toContain('error bodies: 7, events: 7, unparseable: 0, skipped: 0');
    expect(r.stderr).toMatch(/NoSuchKey\s+404\s+2/);
  });

  it('gives the same events with --threads 1 (a small file is read on one thread either way)', () => {
    const one = run(['--threads', '1', SAMPLE]);
    expect(one.status).toBe(0);
    const codeLines = (out: string) => events(out).map((e) => [e.code, e.line]);
    expect(codeLines(one.stdout)).toEqual(codeLines(run([SAMPLE]).stdout));
  });

  it('reads stdin when no file or - is given', () => {
    const input = fs.readFileSync(SAMPLE);
    for (const args of [[], ['-']]) {
      const r = run(args, input);
      expect(r.status).toBe(0);
      expect(events(r.stdout).map((e) => e.code)).toEqual(SAMPLE_CODES);
      expect(events(r.stdout)[0]?.source).toBe('stdin');
    }
  });

  it('decompresses .gz and reads files in order', () => {
    const dir = tmp();
    const gz = path.join(dir, 'access.log.1.gz');
    fs.writeFileSync(gz, zlib.gzipSync(fs.readFileSync(SAMPLE)));
    const r = run([gz, SAMPLE]);
    expect(r.status).toBe(0);
    const all = events(r.stdout);
    expect(all.map((e) => e.source)).toEqual([
      ...SAMPLE_CODES.map(() => gz),
      ...SAMPLE_CODES.map(() => SAMPLE),
    ]);
    expect(r.stderr).toContain('from 2 sources');
  });

  it('goes on past a corrupt .gz and exits 1, naming it', () => {
    const dir = tmp();
    const bad = path.join(dir, 'broken.gz');
    fs.writeFileSync(bad, Buffer.from('not gzip at all'));
    const r = run([bad, SAMPLE]);
    expect(r.status).toBe(1);
    expect(events(r.stdout)).toHaveLength(7);
    expect(r.stderr).toContain('broken.gz');
  });

  // The operational log's pino is loaded at its first line: a run that logs nothing never pays for it.
  it('loads pino only for a run that logs a line', () => {
    const dir = tmp();
    const loaded = (args: string[]) => {
      const file = path.join(dir, 'loaded.txt');
      const r = spawnSync(process.execPath, ['--require', LOADED_MODULES, CLI, ...args], {
        encoding: 'utf8',
        env: { ...process.env, LOADED_MODULES_FILE: file },
      });
      return { r, pino: fs.readFileSync(file, 'utf8').includes('/node_modules/pino/') };
    };
    expect(loaded(['--no-summary', SAMPLE]).pino).toBe(false);
    const bad = path.join(dir, 'broken.gz');
    fs.writeFileSync(bad, Buffer.from('not gzip at all'));
    const logged = loaded(['--no-summary', bad]);
    expect(logged.pino).toBe(true);
    expect(JSON.parse(logged.r.stderr.split('\n')[0] as string)).toMatchObject({
      level: 'error',
      msg: 'input failed part-way; going on with the next',
    });
  });

  it.each([
    ['a missing file', ['/nonexistent/access.log'], '/nonexistent/access.log: no such file'],
    ['a directory', [os.tmpdir()], 'is a directory'],
    ['an unknown flag', ['--bogus'], "Unknown option '--bogus'"],
    ['a bad size', ['--max-line-length', 'huge'], "--max-line-length: not a size: 'huge'"],
    ['a bad number', ['--max-body-lines', '-3'], '--max-body-lines'],
    ['a bad listen address', ['--listen', 'nope'], "--listen: expected HOST:PORT or :PORT, got 'nope'"],
    ['a follow flag without --follow', ['--positions', '/tmp/p.json'], '--positions: only with --follow'],
    ['a bad duration', ['-F', '--poll-interval', 'soon'], '--poll-interval: expected a duration'],
    ['explain without a code', ['explain'], 'explain: expected exactly one CODE'],
    ['a bad log level', ['--log-level', 'loud'], '--log-level: expected one of'],
    [
      'a line length past its range',
      ['--max-line-length', '5GiB'],
      "--max-line-length: expected a size from 1KiB to 64MiB, got '5GiB'",
    ],
    ['a line length below its range', ['--max-line-length', '10'], '--max-line-length: expected a size'],
    [
      'a poll interval past what a timer can wait',
      ['-F', '--poll-interval', '100000000h', 'x.log'],
      "--poll-interval: expected a duration from 10ms to 1h such as 250ms, 5s or 1m, got '100000000h'",
    ],
    [
      'a rotate wait past its range',
      ['-F', '--rotate-wait', '2h', 'x.log'],
      '--rotate-wait: expected a duration',
    ],
    [
      'a positions interval past its range',
      ['-F', '--positions-interval', '90m', 'x.log'],
      '--positions-interval: expected a duration',
    ],
    ['a bad glob', ['-F', '[z-a].log'], "FILE '[z-a].log': not a valid glob"],
    ['a bad exclude glob', ['-F', '--exclude', '[z-a]', 'x.log'], "--exclude '[z-a]': not a valid glob"],
    [
      'a report into a missing folder',
      ['report', SAMPLE, '-o', '/no/such/dir/r.html'],
      '-o /no/such/dir/r.html: no such directory /no/such/dir',
    ],
    [
      'a metrics file into a missing folder',
      ['--metrics-file', '/no/such/dir/m.prom', SAMPLE],
      '--metrics-file /no/such/dir/m.prom: no such directory /no/such/dir',
    ],
    ['a metrics file that is a directory', ['--metrics-file', os.tmpdir(), SAMPLE], 'is a directory'],
    ['a positions file that is a directory', ['-F', '--positions', os.tmpdir(), 'x.log'], 'is a directory'],
    [
      'more threads than there are',
      ['--threads', '3'],
      "--threads: expected a whole number from 1 to 2, got '3'",
    ],
  ])('rejects %s with one line that names it, exit 2', (_name, args, message) => {
    const r = run(args);
    expect(r.status).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toContain(message);
    expect(r.stdout).toBe('');
  });

  it('refuses a --listen address already taken with one line, exit 2', async () => {
    const server = net.createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as net.AddressInfo).port;
    const r = run(['--listen', `127.0.0.1:${port}`, SAMPLE]);
    server.close();
    expect(r.status).toBe(2);
    expect(r.stderr.trim()).toBe(`oss-error-exporter: --listen 127.0.0.1:${port}: EADDRINUSE`);
  });

  it('checks --metrics-file before reading any input', async () => {
    // stdin stays open: a check made after reading would wait for it forever instead of exiting.
    const cli = spawnCli(['--metrics-file', '/no/such/dir/m.prom']);
    expect(await cli.exited).toBe(2);
    expect(cli.stderr()).toContain('--metrics-file /no/such/dir/m.prom');
  });

  it.each([
    ['codes', 'Usage: oss-error-exporter codes'],
    ['explain', 'Usage: oss-error-exporter explain CODE'],
    ['report', 'Usage: oss-error-exporter report'],
  ])('answers %s --help with its usage, exit 0', (command, usage) => {
    for (const flag of ['--help', '-h']) {
      const r = run([command, flag]);
      expect(r.status).toBe(0);
      expect(r.stdout).toContain(usage);
    }
  });

  it('prints the catalogue: 81 rows as JSON, a table otherwise', () => {
    const json = run(['codes', '--json']);
    const rows = JSON.parse(json.stdout) as Record<string, unknown>[];
    expect(rows).toHaveLength(81);
    expect(Object.keys(rows[0] ?? {})).toEqual(['code', 'status', 'class', 'category', 'description']);
    expect(rows.filter((r) => r.code === 'TemporaryRedirect').map((r) => r.status)).toEqual([302, 307]);
    expect(run(['codes']).stdout.split('\n').filter(Boolean)).toHaveLength(82);
  });

  it('explains a code, the usual spelling included; an unknown one exits 1', () => {
    const r = run(['explain', 'InternalError']);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('InternalErrror');
    expect(r.stdout).toContain('HTTP 500 (5xx): Server Internal Error');
    const unknown = run(['explain', 'NoSuchVersion']);
    expect(unknown.status).toBe(1);
    expect(unknown.stdout).toContain('not in the catalogue');
  });

  it('ends quietly when its reader closes stdout early (| head -1)', async () => {
    const dir = tmp();
    const big = path.join(dir, 'big.log');
    fs.writeFileSync(big, fs.readFileSync(SAMPLE, 'utf8').repeat(2000));
    const cli = spawnCli([big]);
    await waitFor('a first event', () => (cli.stdout().includes('\n') ? true : undefined));
    cli.child.stdout?.destroy();
    expect(await cli.exited).toBe(0);
    expect(cli.stderr()).not.toMatch(/Error:|at .*\(/);
  });
});
