// The benchmark stands on its own: its corpus generator is deterministic, its runner checks counts against the
// truth, mtail runs beside it where installed, and nothing in the repository reaches outside it.

import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from './helpers/cli.js';
import { describeWithTools } from './helpers/tools.js';

const BENCH = path.join(ROOT, 'bench');

function runBench(args: readonly string[], env: NodeJS.ProcessEnv = process.env): string {
  return execFileSync(process.execPath, [path.join(BENCH, 'run.mjs'), ...args], {
    cwd: ROOT,
    env,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

describe('the nginx corpus generator', () => {
  it('writes the same corpus and truth for the same seed', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'oee-corpus-'));
    const out = path.join(dir, 'nginx.log');
    execFileSync(process.execPath, [
      path.join(BENCH, 'gen-nginx-corpus.mjs'),
      '--out',
      out,
      '--lines',
      '20000',
    ]);
    const sha = createHash('sha256').update(fs.readFileSync(out)).digest('hex');
    expect(sha).toBe('94a95bbed2770f19cd658509e72ea1479eada8666207fc8c180f436f46bb6beb');
    const truth = JSON.parse(fs.readFileSync(`${out}.truth.json`, 'utf8'));
    expect(truth).toMatchObject({ lines: 20000, errorLines: 407, bodylessErrorStatusLines: 223 });
    expect(truth.byCodeStatus).toEqual({
      'NoSuchKey|404': 157,
      'NoSuchBucket|404': 22,
      'AccessDenied|403': 64,
      'SignatureDoesNotMatch|403': 36,
      'SlowDown|400': 30,
      'InternalError|500': 22,
      'ServiceUnavailable|503': 29,
      'InvalidArgument|400': 47,
    });
  });
});

describe('npm run bench', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'oee-bench-'));
  const common = ['--lines', '20000', '--shapes', 'nginx', '--no-micro', '--no-follow', '--dir', dir];

  describeWithTools(['mtail'])('with mtail installed', () => {
    it('prints the exporter row and the mtail row, both with counts checked against the truth', () => {
      const out = runBench(common);
      expect(out).toMatch(/'oss-error-exporter nginx'.*'OK \/ metrics: COUNTS OK/);
      // mtail runs in each of the three rounds, as the exporter's subjects do, and the ratios use its median.
      expect(out).toMatch(/'mtail \(peer\) nginx \(median of 3: \d+k-\d+k lines\/s\)'.*'OK'/);
      expect(out).toMatch(
        /ratio oss-error-exporter \/ mtail: [\d.]+x default, [\d.]+x 1 thread, [\d.]+x 2 threads/,
      );
    }, 60_000);
  });

  it('says in one line that mtail is missing, and prints the rest', () => {
    const bin = fs.mkdtempSync(path.join(os.tmpdir(), 'oee-no-mtail-'));
    fs.symlinkSync(process.execPath, path.join(bin, 'node'));
    const out = runBench(common, { ...process.env, PATH: bin });
    expect(out.split('mtail: not installed, no peer row (apt-get install mtail time)')).toHaveLength(2);
    expect(out).toMatch(/'oss-error-exporter nginx'.*'OK \/ metrics: COUNTS OK/);
    expect(out).not.toContain('mtail (peer)');
    // The machine's own figure beside the two-thread ratio: two one-thread runs at once.
    expect(out).toMatch(/'two --threads 1 runs at once, both lines counted \(median of 3\)' +│ 40000 /);
    expect(out).toMatch(
      /2 threads \/ 1 thread [\d.]+x \(two runs at once \/ one run [\d.]+x: the machine's own\)/,
    );
  }, 60_000);
});

describe('the repository', () => {
  it('refers to no path outside itself', () => {
    const grep = spawnSync(
      'git',
      ['grep', '-nE', String.raw`\.\./shared|/work/`, '--', '.', ':!test/bench.test.ts'],
      {
        cwd: ROOT,
        encoding: 'utf8',
      },
    );
    expect(grep.stdout).toBe('');
    expect(grep.status).toBe(1); // git grep: no match
  });
});
