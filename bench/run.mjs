#!/usr/bin/env node
// `npm run bench`: generates corpora, runs the real CLI on each, checks its counts against the generator's
// truth, runs mtail on the nginx corpus where it is installed, and prints one table of figures.
//
// Options: --lines N (default 1000000; the README's figures use 5000000), --dir DIR (corpora are kept
// there and reused), --shapes nginx,json,docker,cri,multiline,sdk, --no-mtail, --no-micro, --no-follow,
// --no-floor (the nginx corpus with --threads 1, two such runs at once, gzipped, and Node's read and gunzip floors).
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import zlib from 'node:zlib';
import { binNodeFlags } from './bin-flags.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '..');
const cli = path.join(root, 'dist/cli.js');
const nodeFlags = binNodeFlags(cli);

const { values } = parseArgs({
  options: {
    lines: { type: 'string', default: '1000000' },
    dir: { type: 'string', default: path.join(os.tmpdir(), 'oss-error-exporter-bench') },
    shapes: { type: 'string', default: 'nginx,json,docker,cri,multiline,sdk' },
    'no-mtail': { type: 'boolean' },
    'no-micro': { type: 'boolean' },
    'no-follow': { type: 'boolean' },
    'no-floor': { type: 'boolean' },
  },
});
const lines = Number(values.lines);
fs.mkdirSync(values.dir, { recursive: true });

function corpus(shape) {
  const file = path.join(values.dir, `${shape}-${lines}.log`);
  if (fs.existsSync(file) && fs.existsSync(`${file}.truth.json`)) return file;
  process.stderr.write(`generating ${file}\n`);
  const [generator, ...shapeArgs] =
    shape === 'nginx' ? ['gen-nginx-corpus.mjs'] : ['gen-corpus.mjs', '--shape', shape];
  execFileSync(
    process.execPath,
    [path.join(here, generator), ...shapeArgs, '--out', file, '--lines', String(lines)],
    { stdio: 'ignore' },
  );
  return file;
}

/** Reads a corpus once so every subject starts from the page cache: the figures are the exporter's, not the disk's. */
async function warm(file) {
  for await (const _chunk of fs.createReadStream(file, { highWaterMark: 4 << 20 })) {
    // nothing: reading is the point
  }
}

/** Runs the CLI with events to /dev/null and metrics to a file; figures come from its summary. */
function runCli(file, extra = [], metricsName = 'bench.prom') {
  const metricsFile = path.join(values.dir, metricsName);
  const args = [cli, '--no-progress', ...extra, file];
  const withMetrics = spawnSyncHelp().includes('--metrics-file');
  if (withMetrics) args.splice(1, 0, '--metrics-file', metricsFile);
  return new Promise((resolve, reject) => {
    const devnull = fs.openSync('/dev/null', 'w');
    const started = performance.now();
    const child = spawn(process.execPath, [...nodeFlags, ...args], {
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
        text: fs.statSync(file.replace(/\.gz$/, '')).size,
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

let mtailInstalled;
function mtail(file) {
  if (values['no-mtail']) return undefined;
  if (mtailInstalled === undefined) {
    try {
      execFileSync('sh', ['-c', 'command -v mtail && test -x /usr/bin/time'], { stdio: 'ignore' });
      mtailInstalled = true;
    } catch {
      console.log('mtail: not installed, no peer row (apt-get install mtail time)');
      mtailInstalled = false;
    }
  }
  if (!mtailInstalled) return undefined;
  const script = path.join(here, 'run-mtail.sh');
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

/** A child Node that reads the file (through gunzip for .gz) and counts newlines: the floor for any reader. */
function nodeFloor(file) {
  const script = `
    const fs = require('node:fs'), zlib = require('node:zlib');
    let stream = fs.createReadStream(process.argv[1], { highWaterMark: 1 << 20 });
    if (process.argv[1].endsWith('.gz')) stream = stream.pipe(zlib.createGunzip({ chunkSize: 256 << 10 }));
    let n = 0;
    stream.on('data', (b) => { for (let i = b.indexOf(10); i >= 0; i = b.indexOf(10, i + 1)) n++; });
    stream.on('end', () => { const u = process.resourceUsage();
      console.log(JSON.stringify({ lines: n, cpu: (u.userCPUTime + u.systemCPUTime) / 1e6, rss: Math.round(u.maxRSS / 1024) })); });`;
  const started = performance.now();
  const out = JSON.parse(execFileSync(process.execPath, ['-e', script, file], { encoding: 'utf8' }));
  return { ...out, wall: (performance.now() - started) / 1000 };
}

/** The gzipped corpus, made once next to the plain one (with Node's zlib: no gzip binary needed). */
async function gzipped(file) {
  const gz = `${file}.gz`;
  if (!fs.existsSync(gz)) {
    process.stderr.write(`compressing ${gz}\n`);
    await pipeline(fs.createReadStream(file), zlib.createGzip(), fs.createWriteStream(`${gz}.tmp`));
    fs.renameSync(`${gz}.tmp`, gz);
  }
  return gz;
}

const rows = [];
let nginxFile;
/** mtail's run the ratios use: the median of the floor rounds' when they ran, else one run of its own. */
let peerRun;
const cliRow = (subject, r, file) => ({
  subject,
  lines: r.lines,
  'lines/s': Math.round(r.lines / r.wall),
  'MB/s': (r.text / 1e6 / r.wall).toFixed(0),
  'bodies/s': Math.round(r.events / r.wall),
  'cpu s': r.cpu.toFixed(2),
  'wall s': r.wall.toFixed(2),
  'peak RSS MiB': r.rss,
  counts: verify(r, file),
});
const floorRow = (subject, f) => ({
  subject,
  lines: f.lines,
  'lines/s': Math.round(f.lines / f.wall),
  'cpu s': f.cpu.toFixed(2),
  'wall s': f.wall.toFixed(2),
  'peak RSS MiB': f.rss,
});
for (const shape of values.shapes.split(',')) {
  const file = corpus(shape);
  if (shape === 'nginx') nginxFile = file;
  await warm(file);
  const r = await runCli(file);
  rows.push(
    cliRow(`oss-error-exporter ${shape}${r.bytes >= 256 * 1024 * 1024 ? ' (2 threads)' : ''}`, r, file),
  );
  if (r.metricsFile && shape === 'nginx') {
    const check = execFileSync(
      process.execPath,
      [path.join(here, 'verify-counts.mjs'), `${file}.truth.json`, r.metricsFile, '--format', 'prom'],
      {
        encoding: 'utf8',
      },
    ).trim();
    rows[rows.length - 1].counts += ` / metrics: ${check.split('\n').pop()}`;
  }
}
const kilo = (n) => `${Math.round(n / 1000)}k`;
/** The run with the median wall time of `runs`: a shared machine's load comes and goes between runs. */
const median = (runs) => [...runs].sort((a, b) => a.wall - b.wall)[Math.floor(runs.length / 2)];

if (nginxFile && !values['no-floor']) {
  // Interleaved, three rounds, medians: subjects compared with each other see the same load.
  const gz = await gzipped(nginxFile);
  const runs = { one: [], two: [], pair: [], floor: [], zipped: [], gunzip: [], mtail: [] };
  for (let round = 0; round < 3; round++) {
    await warm(nginxFile);
    runs.two.push(await runCli(nginxFile));
    runs.one.push(await runCli(nginxFile, ['--threads', '1']));
    // Two one-thread runs at once: what this machine's two cores give two readers that share nothing.
    const pair = await Promise.all([
      runCli(nginxFile, ['--threads', '1'], 'bench-a.prom'),
      runCli(nginxFile, ['--threads', '1'], 'bench-b.prom'),
    ]);
    runs.pair.push({
      ...pair[0],
      wall: Math.max(pair[0].wall, pair[1].wall),
      cpu: pair[0].cpu + pair[1].cpu,
    });
    runs.floor.push(nodeFloor(nginxFile));
    await warm(gz);
    runs.zipped.push(await runCli(gz));
    runs.gunzip.push(nodeFloor(gz));
    // mtail in every round too: the ratios compare medians taken under the same load, not one run of each.
    await warm(nginxFile);
    const peer = mtail(nginxFile);
    if (peer) runs.mtail.push(peer);
  }
  const two = cliRow('nginx, default: 2 threads from 256 MiB (median of 3)', median(runs.two), nginxFile);
  const one = cliRow('nginx, --threads 1 (median of 3)', median(runs.one), nginxFile);
  const floor = floorRow('Node: read + count newlines (median of 3)', median(runs.floor));
  const zipped = cliRow('nginx .gz (median of 3)', median(runs.zipped), nginxFile);
  const gunzip = floorRow('Node: gunzip + count newlines (median of 3)', median(runs.gunzip));
  const pairRun = median(runs.pair);
  const pair = {
    ...floorRow('two --threads 1 runs at once, both lines counted (median of 3)', {
      ...pairRun,
      lines: 2 * pairRun.lines,
    }),
    'peak RSS MiB': '',
  };
  if (runs.mtail.length > 0) {
    const rates = runs.mtail.map((r) => r.linesPerSec);
    peerRun = {
      ...median(runs.mtail),
      spread: `median of ${rates.length}: ${kilo(Math.min(...rates))}-${kilo(Math.max(...rates))}`,
    };
  }
  rows.push(two, one, pair, floor, zipped, gunzip, {
    subject:
      `ratios: 2 threads / 1 thread ${(two['lines/s'] / one['lines/s']).toFixed(2)}x ` +
      `(two runs at once / one run ${(pair['lines/s'] / one['lines/s']).toFixed(2)}x: the machine's own), ` +
      `.gz / gunzip-only ${(zipped['lines/s'] / gunzip['lines/s']).toFixed(2)}x`,
  });
}
if (nginxFile && peerRun === undefined) {
  await warm(nginxFile);
  peerRun = mtail(nginxFile);
}
if (peerRun) {
  const ours = rows.find((r) => r.subject.startsWith('oss-error-exporter nginx'));
  rows.push({
    subject: `mtail (peer) nginx${peerRun.spread ? ` (${peerRun.spread} lines/s)` : ''}`,
    lines: ours.lines,
    'lines/s': peerRun.linesPerSec,
    'MB/s': (fs.statSync(nginxFile).size / 1e6 / peerRun.wall).toFixed(0),
    'bodies/s': '',
    'cpu s': peerRun.cpu.toFixed(2),
    'wall s': peerRun.wall.toFixed(2),
    'peak RSS MiB': Math.round(peerRun.rss),
    counts: peerRun.counts,
  });
  // Against mtail: the default run, and the single-threaded and 2-worker medians when the floor rounds ran.
  const versus = [
    ['default', ours],
    ['1 thread', rows.find((r) => r.subject.startsWith('nginx, --threads 1'))],
    ['2 threads', rows.find((r) => r.subject.startsWith('nginx, default: 2 threads'))],
  ].filter(([, row]) => row !== undefined);
  rows.push({
    subject: `ratio oss-error-exporter / mtail: ${versus
      .map(([name, row]) => `${(row['lines/s'] / peerRun.linesPerSec).toFixed(1)}x ${name}`)
      .join(', ')} (lines/s)`,
  });
}
console.table(rows);

if (!values['no-micro']) {
  console.log('\nextractor micro-benchmark (in-process, bodies/s per log shape):');
  execFileSync(process.execPath, [path.join(here, 'extract-micro.mjs')], { stdio: 'inherit' });
}

if (!values['no-follow'] && process.platform === 'linux') {
  // V8 goes on compiling for some 20 s at this rate: the steady state is measured after that.
  console.log(
    '\nfollow mode (bench/follow-cpu.mjs): the first 10 s after start, then 20 s after 20 s of warm-up',
  );
  for (const [seconds, warmup] of [
    ['10', '0'],
    ['20', '20'],
  ])
    execFileSync(
      process.execPath,
      [path.join(here, 'follow-cpu.mjs'), '--rate', '10000', '--seconds', seconds, '--warmup', warmup],
      { stdio: 'inherit' },
    );
}
