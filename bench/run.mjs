#!/usr/bin/env node
// `npm run bench`: generates corpora, runs the real CLI on each, checks its counts against the generator's
// truth, runs mtail on the nginx corpus where it is installed, and prints one table of figures.
//
// Options: --lines N (default 1000000; the README's figures use 5000000), --dir DIR (corpora are kept
// there and reused), --shapes nginx,json,docker,cri,multiline,sdk, --no-mtail, --no-micro, --no-follow.
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '..');
const peer = path.resolve(root, '../shared/peer');
const cli = path.join(root, 'dist/cli.js');

const { values } = parseArgs({
  options: {
    lines: { type: 'string', default: '1000000' },
    dir: { type: 'string', default: path.join(os.tmpdir(), 'oss-error-exporter-bench') },
    shapes: { type: 'string', default: 'nginx,json,docker,cri,multiline,sdk' },
    'no-mtail': { type: 'boolean' },
    'no-micro': { type: 'boolean' },
    'no-follow': { type: 'boolean' },
  },
});
const lines = Number(values.lines);
fs.mkdirSync(values.dir, { recursive: true });

function corpus(shape) {
  const file = path.join(values.dir, `${shape}-${lines}.log`);
  if (fs.existsSync(file) && fs.existsSync(`${file}.truth.json`)) return file;
  process.stderr.write(`generating ${file}\n`);
  const peerGen = path.join(peer, 'gen-corpus.mjs');
  if (shape === 'nginx' && fs.existsSync(peerGen)) {
    execFileSync(process.execPath, [peerGen, '--out', file, '--lines', String(lines)], { stdio: 'ignore' });
  } else {
    const own = shape === 'nginx' ? 'json' : shape; // without the peer generator, nginx falls back to JSON lines
    execFileSync(
      process.execPath,
      [path.join(here, 'gen-corpus.mjs'), '--shape', own, '--out', file, '--lines', String(lines)],
      {
        stdio: 'ignore',
      },
    );
  }
  return file;
}

/** Reads a corpus once so every subject starts from the page cache: the figures are the exporter's, not the disk's. */
async function warm(file) {
  for await (const _chunk of fs.createReadStream(file, { highWaterMark: 4 << 20 })) {
    // nothing: reading is the point
  }
}

/** Runs the CLI with events to /dev/null and metrics to a file; figures come from its summary. */
function runCli(file) {
  const metricsFile = path.join(values.dir, 'bench.prom');
  const args = [cli, '--no-progress', file];
  const withMetrics = spawnSyncHelp().includes('--metrics-file');
  if (withMetrics) args.splice(1, 0, '--metrics-file', metricsFile);
  return new Promise((resolve, reject) => {
    const devnull = fs.openSync('/dev/null', 'w');
    const started = performance.now();
    const child = spawn(process.execPath, ['--max-semi-space-size=4', ...args], {
      stdio: ['ignore', devnull, 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    child.on('error', reject);
    child.on('close', (code) => {
      fs.closeSync(devnull);
      const wall = (performance.now() - started) / 1000;
      if (code !== 0) return reject(new Error(`exit ${code}: ${stderr}`));
      const num = (re) => Number(re.exec(stderr)?.[1]);
      const rows = {};
      for (const m of stderr.matchAll(/^ {2}(\S+)\s+(\d{3}|-)\s+(\d+)$/gm))
        rows[`${m[1]}|${m[2]}`] = Number(m[3]);
      resolve({
        wall,
        lines: num(/ (\d+) lines,/),
        bytes: fs.statSync(file).size,
        cpu: num(/cpu: ([\d.]+) s/),
        rss: num(/peak rss: (\d+) MiB/),
        events: num(/events: (\d+)/),
        rows,
        metricsFile: withMetrics ? metricsFile : undefined,
      });
    });
  });
}

let helpText;
function spawnSyncHelp() {
  helpText ??= execFileSync(process.execPath, [cli, '--help'], { encoding: 'utf8' });
  return helpText;
}

function verify(result, file) {
  const truth = JSON.parse(fs.readFileSync(`${file}.truth.json`, 'utf8'));
  const want = Object.fromEntries(Object.entries(truth.byCodeStatus).filter(([, n]) => n > 0));
  const keys = new Set([...Object.keys(want), ...Object.keys(result.rows)]);
  const bad = [...keys].filter((k) => (want[k] ?? 0) !== (result.rows[k] ?? 0));
  return bad.length === 0 && result.events === truth.errorLines ? 'OK' : `MISMATCH ${bad.join(' ')}`;
}

function mtail(file) {
  const script = path.join(peer, 'run-mtail.sh');
  if (values['no-mtail'] || !fs.existsSync(script)) return undefined;
  try {
    execFileSync('sh', ['-c', 'command -v mtail && test -x /usr/bin/time'], { stdio: 'ignore' });
  } catch {
    process.stderr.write(
      'mtail or /usr/bin/time not installed: skipping the peer (apt-get install -y mtail time)\n',
    );
    return undefined;
  }
  const out = execFileSync('bash', [script, file], { encoding: 'utf8' });
  const m =
    /in ([\d.]+) s wall \(user [\d.]+ \+ sys [\d.]+ = ([\d.]+) s CPU, max RSS ([\d.]+) MiB\) = (\d+) lines\/s, ([\d.]+) MB\/s/.exec(
      out,
    );
  return m
    ? {
        wall: Number(m[1]),
        cpu: Number(m[2]),
        rss: Number(m[3]),
        linesPerSec: Number(m[4]),
        counts: /COUNTS OK/.test(out) ? 'OK' : 'see run-mtail.sh',
      }
    : undefined;
}

const rows = [];
let nginxFile;
for (const shape of values.shapes.split(',')) {
  const file = corpus(shape);
  if (shape === 'nginx') nginxFile = file;
  await warm(file);
  const r = await runCli(file);
  rows.push({
    subject: `oss-error-exporter ${shape}`,
    lines: r.lines,
    'lines/s': Math.round(r.lines / r.wall),
    'MB/s': (r.bytes / 1e6 / r.wall).toFixed(0),
    'bodies/s': Math.round(r.events / r.wall),
    'cpu s': r.cpu.toFixed(2),
    'wall s': r.wall.toFixed(2),
    'peak RSS MiB': r.rss,
    counts: verify(r, file),
  });
  if (r.metricsFile && shape === 'nginx' && fs.existsSync(path.join(peer, 'verify-counts.mjs'))) {
    const check = execFileSync(
      process.execPath,
      [path.join(peer, 'verify-counts.mjs'), `${file}.truth.json`, r.metricsFile, '--format', 'prom'],
      {
        encoding: 'utf8',
      },
    ).trim();
    rows[rows.length - 1].counts += ` / metrics: ${check.split('\n').pop()}`;
  }
}
if (nginxFile) await warm(nginxFile);
const peerRun = nginxFile ? mtail(nginxFile) : undefined;
if (peerRun) {
  const ours = rows.find((r) => r.subject.endsWith('nginx'));
  rows.push({
    subject: 'mtail (peer) nginx',
    lines: ours.lines,
    'lines/s': peerRun.linesPerSec,
    'MB/s': (fs.statSync(nginxFile).size / 1e6 / peerRun.wall).toFixed(0),
    'bodies/s': '',
    'cpu s': peerRun.cpu.toFixed(2),
    'wall s': peerRun.wall.toFixed(2),
    'peak RSS MiB': Math.round(peerRun.rss),
    counts: peerRun.counts,
  });
  rows.push({
    subject: `ratio oss-error-exporter / mtail: ${(ours['lines/s'] / peerRun.linesPerSec).toFixed(1)}x lines/s`,
  });
}
console.table(rows);

if (!values['no-micro']) {
  console.log('\nextractor micro-benchmark (in-process, bodies/s per log shape):');
  execFileSync(process.execPath, [path.join(here, 'extract-micro.mjs')], { stdio: 'inherit' });
}

if (!values['no-follow'] && process.platform === 'linux') {
  console.log('\nfollow mode (bench/follow-cpu.mjs):');
  execFileSync(process.execPath, [path.join(here, 'follow-cpu.mjs'), '--rate', '10000', '--seconds', '10'], {
    stdio: 'inherit',
  });
}
