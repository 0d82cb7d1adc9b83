// Runs the built CLI for end-to-end tests and waits on real conditions (a log line, a metric) with deadlines.
import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';

export const ROOT = path.resolve(import.meta.dirname, '../..');
export const CLI = path.join(ROOT, 'dist/cli.js');
export const SAMPLE = path.join(ROOT, 'examples/gateway-access.log');

export interface RunningCli {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  exited: Promise<number | null>;
}

export function spawnCli(
  args: readonly string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv } = {},
): RunningCli {
  const child = spawn(process.execPath, [CLI, ...args], {
    cwd: options.cwd ?? ROOT,
    env: { ...process.env, ...options.env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout?.on('data', (d) => {
    out += d;
  });
  child.stderr?.on('data', (d) => {
    err += d;
  });
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  return { child, stdout: () => out, stderr: () => err, exited };
}

/** Polls `check` until it returns a value (not undefined) or the deadline passes. */
export async function waitFor<T>(
  what: string,
  check: () => T | undefined | Promise<T | undefined>,
  ms = 15_000,
): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** The URL the CLI logged when its server started listening. */
export function listeningUrl(cli: RunningCli): Promise<string> {
  return waitFor('the exporter to listen', () => /"url":"([^"]+)"/.exec(cli.stderr())?.[1]);
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as net.AddressInfo).port;
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });
}

/** One sample per series of a Prometheus text scrape: `name{labels}` → value. */
export function parseScrape(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const at = line.lastIndexOf(' ');
    out.set(line.slice(0, at), Number(line.slice(at + 1)));
  }
  return out;
}

/**
 * The CLI serving /metrics (`--listen` on a free port, plus `args`) after reading the sample log from a stdin
 * it keeps open, so it serves until `stop`. Resolves once a scrape shows all 67 sample lines read.
 */
export async function servingSample(
  args: readonly string[],
): Promise<{ cli: RunningCli; url: string; stop(): Promise<void> }> {
  const cli = spawnCli(['--listen', '127.0.0.1:0', ...args]);
  const url = await listeningUrl(cli);
  cli.child.stdin?.write(fs.readFileSync(SAMPLE));
  await waitFor('the sample to be read', async () => {
    const scrape = parseScrape(await (await fetch(`${url}/metrics`)).text());
    return scrape.get('oss_exporter_lines_read_total') === 67 ? true : undefined;
  });
  return {
    cli,
    url,
    async stop() {
      cli.child.stdin?.end();
      await cli.exited;
    },
  };
}
