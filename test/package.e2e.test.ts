// The npm package as users get it: what `npm pack` ships, and the tarball installed into a scratch prefix and run.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ROOT, SAMPLE } from './helpers/cli.js';

interface Packed {
  filename: string;
  size: number;
  files: { path: string }[];
}

describe('the npm package', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'oee-pack-'));
  let packed: Packed;
  let paths: string[];

  beforeAll(() => {
    const out = execFileSync('npm', ['pack', '--json', '--pack-destination', dir], {
      cwd: ROOT,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    packed = (JSON.parse(out) as Packed[])[0] as Packed;
    paths = packed.files.map((f) => f.path);
  }, 120_000);

  it('ships the CLI, its page script, the docs the README links to, the examples and the licence', () => {
    for (const file of [
      'dist/cli.js',
      'dist/page.js',
      'docs/metrics.md',
      'docs/sidecar.md',
      'docs/report.png',
      'docs/reference/oss-error-response.md',
      'examples/gateway-access.log',
      'dashboards/oss-errors.json',
      'dashboards/oss-errors.rules.yml',
      'LICENSE',
      'README.md',
      'package.json',
    ])
      expect(paths).toContain(file);
  });

  it('ships no source maps, declarations, tests, benchmarks or sources', () => {
    expect(paths.filter((p) => /\.(map|d\.ts|d\.mts)$/.test(p))).toEqual([]);
    expect(paths.filter((p) => /^(src|test|bench|\.ci)\//.test(p))).toEqual([]);
    expect(paths.filter((p) => p.startsWith('docs/screenshot'))).toEqual([]);
  });

  it('stays small', () => {
    expect(packed.size).toBeLessThan(400_000);
  });

  it('installs from the tarball into a scratch prefix and runs: --version and the sample log', () => {
    const prefix = path.join(dir, 'prefix');
    execFileSync(
      'npm',
      [
        'install',
        '--global',
        '--prefix',
        prefix,
        '--prefer-offline',
        '--no-audit',
        '--no-fund',
        path.join(dir, packed.filename),
      ],
      { stdio: 'ignore' },
    );
    const bin = path.join(prefix, 'bin', 'oss-error-exporter');
    const version = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')).version as string;
    expect(execFileSync(bin, ['--version'], { encoding: 'utf8' }).trim()).toBe(version);
    const events = execFileSync(bin, ['--no-summary', SAMPLE], { encoding: 'utf8' }).trim().split('\n');
    expect(events).toHaveLength(7);
    expect(JSON.parse(events[0] as string)).toMatchObject({ code: 'NoSuchKey', status: 404 });

    // The bundle's two worker threads, as installed: a plain file of 256 MiB and more is read on both cores,
    // a .gz file of 4 MiB and more inflated on a thread of its own; both give what one thread gives.
    const large = path.join(dir, 'large.log');
    execFileSync(process.execPath, [
      path.join(ROOT, 'bench/gen-nginx-corpus.mjs'),
      ...['--out', large, '--lines', '1400000', '--error-fraction', '0.002'],
    ]);
    expect(fs.statSync(large).size).toBeGreaterThan(256 * 1024 * 1024);
    const gz = path.join(dir, 'large.log.gz');
    execFileSync('sh', ['-c', `head -c 40000000 '${large}' | gzip -1 > '${gz}'`]);
    expect(fs.statSync(gz).size).toBeGreaterThan(4 * 1024 * 1024);
    for (const file of [large, gz]) {
      const run = (threads: string) =>
        execFileSync(bin, ['--threads', threads, '--no-summary', file], {
          encoding: 'utf8',
          maxBuffer: 64 * 1024 * 1024,
        });
      const both = run('2');
      expect(both.split('\n').length).toBeGreaterThan(100);
      expect(both).toBe(run('1'));
    }
  }, 180_000);

  it('ships the CLI bundled: its two worker threads beside it, a few files in all', () => {
    const bundle = paths.filter((p) => p.startsWith('dist/'));
    for (const file of ['dist/cli.js', 'dist/parallel-worker.js', 'dist/gunzip-worker.js', 'dist/page.js'])
      expect(bundle).toContain(file);
    expect(bundle.length).toBeLessThan(20);
    expect(bundle.every((p) => !p.slice('dist/'.length).includes('/'))).toBe(true);
  });
});
