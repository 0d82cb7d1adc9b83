// The built CLI over logs with planted secrets: events, summary, logs, report, metrics file, /metrics and positions hold none.
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI, listeningUrl, spawnCli, waitFor } from './helpers/cli.js';
import { FRAMINGS, leaked, plantArb, render } from './helpers/secrets.js';

let dir: string;
let files: string[];
let secrets: string[];
let plants: number;
// A file follow mode waits for: its name is logged, and holds a token.
const TOKEN = 'IQoJb3JpZ2luX2VjEJr0example9token4Kq7ZmW2pXs';

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'oss-redact-'));
  const sample = fc.sample(plantArb, { numRuns: 160, seed: 99 });
  plants = sample.length;
  secrets = [];
  // One file per framing: a container format is decided once per source.
  const logs = new Map<string, string>();
  for (const plant of sample) {
    const { log, secrets: planted } = render(plant);
    const file = path.join(
      dir,
      `${FRAMINGS.indexOf(plant.framing)}-${plant.framing.replace(/\W+/g, '-')}.log`,
    );
    logs.set(file, (logs.get(file) ?? '') + log);
    secrets.push(...planted);
  }
  for (const [file, text] of logs) fs.writeFileSync(file, text);
  files = [...logs.keys()].sort();
});

afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const noneOut = (what: string, text: string) => expect(leaked(text, secrets), what).toEqual([]);

describe('the CLI lets no planted secret out', () => {
  it('batch: events, summary and logs, the metrics file', () => {
    const metricsFile = path.join(dir, 'metrics.prom');
    const run = spawnSync(
      process.execPath,
      [CLI, '--label-bucket', '--log-level', 'debug', '--metrics-file', metricsFile, ...files],
      { encoding: 'utf8' },
    );
    expect(run.status).toBe(0);
    expect(run.stdout.trim().split('\n')).toHaveLength(plants);
    expect(secrets.length).toBeGreaterThan(500);
    noneOut('events', run.stdout);
    noneOut('stderr', run.stderr);
    noneOut('metrics file', fs.readFileSync(metricsFile, 'utf8'));
  });

  it('report: the HTML page', () => {
    const html = path.join(dir, 'report.html');
    execFileSync(process.execPath, [CLI, 'report', ...files, '-o', html], { stdio: 'pipe' });
    const page = fs.readFileSync(html, 'utf8');
    expect(page).toContain('AccessDenied');
    noneOut('report', page);
  });

  it('follow: events, logs, /metrics and the positions file', async () => {
    const positions = path.join(dir, 'positions.json');
    const waiting = path.join(dir, `later&x-amz-security-token=${TOKEN}.log`);
    const cli = spawnCli([
      '--follow',
      path.join(dir, '*.log'),
      waiting,
      '--positions',
      positions,
      '--positions-interval',
      '100ms',
      '--poll-interval',
      '20ms',
      '--listen',
      '127.0.0.1:0',
      '--label-bucket',
      '--log-level',
      'debug',
    ]);
    try {
      const url = await listeningUrl(cli);
      await waitFor('every event', () =>
        cli.stdout().split('\n').filter(Boolean).length >= plants ? true : undefined,
      );
      await waitFor('the positions file', () => (fs.existsSync(positions) ? true : undefined));
      const scrape = await (await fetch(`${url}/metrics`)).text();
      cli.child.kill('SIGTERM');
      expect(await cli.exited).toBe(0);
      const all = [...secrets, TOKEN];
      expect(cli.stderr()).toContain('later&x-amz-security-token=[REDACTED]');
      for (const [what, text] of [
        ['events', cli.stdout()],
        ['logs', cli.stderr()],
        ['/metrics', scrape],
        ['positions', fs.readFileSync(positions, 'utf8')],
      ] as const)
        expect(leaked(text, all), what).toEqual([]);
    } finally {
      cli.child.kill('SIGKILL');
    }
  });
});
