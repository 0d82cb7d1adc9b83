#!/usr/bin/env node
// Follow-mode cost and correctness: a writer appends RATE lines/s (2% with an error body) to a file the exporter
// follows, for SECONDS seconds; the exporter's CPU time is read from /proc before and after. Linux only.
// `--storm` adds a rotation every 200 ms (rename, the oldest rotated file gzip-ed) and every error line gets its
// own RequestId, so the events on stdout tell how many were lost and how many repeated. Every run checks that
// the exporter read every appended line (its `oss_exporter_lines_read_total`, written at exit by --metrics-file).
//
// `--rate 0` measures the floor: nothing appended, the exporter polls, watches and serves. The writer appends
// each tenth of a second's lines in one write; `--line-writes` writes them one write() per line, the way nginx
// (without `buffer=`) and container runtimes do, which a directory watch sees as one event per line.
// `--delay` reads the events too and reports the detection delay: from the write of an error line to its event.
// `--warmup S` appends at the rate for S seconds before the measured ones (default 0): the first seconds after
// a start cost more while V8 compiles the code that runs, which a sidecar pays once.
//
// Usage: node bench/follow-cpu.mjs [--rate 10000] [--seconds 10] [--warmup 0] [--storm glob|exact] [--line-writes]
//        [--delay]
//   --storm glob   follows 'app.log*' (rotated names included) with --exclude '*.gz': the safe pattern
//   --storm exact  follows 'app.log' only: files renamed away are read through the open handle
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import zlib from 'node:zlib';
import { binNodeFlags } from './bin-flags.mjs';

const { values } = parseArgs({
  options: {
    rate: { type: 'string', default: '10000' },
    seconds: { type: 'string', default: '10' },
    warmup: { type: 'string', default: '0' },
    storm: { type: 'string' },
    'line-writes': { type: 'boolean' },
    delay: { type: 'boolean' },
  },
});
const rate = Number(values.rate);
const seconds = Number(values.seconds);
const warmup = Number(values.warmup);
const storm = values.storm;
const lineWrites = values['line-writes'] === true;
const delay = values.delay === true;
if (storm !== undefined && storm !== 'glob' && storm !== 'exact')
  throw new Error(`--storm: glob or exact, not ${storm}`);
const cli = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../dist/cli.js');
const nodeFlags = binNodeFlags(cli);
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'oee-follow-cpu-'));
const log = path.join(dir, 'app.log');
fs.writeFileSync(log, '');

const ok =
  '10.0.0.1 - - [24/Nov/2026:10:00:00 +0000] "GET /media/a.jpg HTTP/1.1" 200 5120 "-" "aws-sdk-go/1.44.122" "-"\n';
const err = (id) =>
  '10.0.0.1 - - [24/Nov/2026:10:00:00 +0000] "GET /media/b.jpg HTTP/1.1" 404 243 "-" "aws-sdk-go/1.44.122" ' +
  '"<?xml version=\\x221.0\\x22 encoding=\\x22UTF-8\\x22?>\\x0A<Error><Code>NoSuchKey</Code><Message>The specified key does not exist.</Message>' +
  `<Resource>/media/b.jpg</Resource><RequestId>${id}</RequestId></Error>"\n`;
let nextId = 0;
let written = 0;
/** Error lines built but not written yet, then when each was written (with --delay). */
const unwritten = [];
const writtenAt = new Map();
function stamp() {
  if (!delay) return;
  const now = performance.now();
  for (const id of unwritten) writtenAt.set(id, now);
  unwritten.length = 0;
}
/** `n` lines, every 50th of all written with an error body. */
const batch = (n) => {
  let s = '';
  for (let i = 0; i < n; i++) {
    if (written++ % 50 !== 0) s += ok;
    else {
      const id = `R${String(nextId++).padStart(12, '0')}`;
      if (delay) unwritten.push(id);
      s += err(id);
    }
  }
  return s;
};

/** utime + stime of a process, in seconds. */
function cpuSeconds(pid) {
  const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100; // clock ticks; 100 per second on Linux
}

/** logrotate with `rotate 4, compress`: .4 gzip-ed to .5.gz, .3 → .4 … app.log → .1; the writer starts app.log anew. */
function rotate() {
  const name = (n) => `${log}.${n}`;
  if (fs.existsSync(name(4))) {
    fs.writeFileSync(`${name(5)}.gz`, zlib.gzipSync(fs.readFileSync(name(4))));
    fs.unlinkSync(name(4));
  }
  for (let n = 3; n >= 1; n--) if (fs.existsSync(name(n))) fs.renameSync(name(n), name(n + 1));
  fs.renameSync(log, name(1));
}

const pattern = storm === 'glob' ? `${log}*` : log;
const metricsFile = path.join(dir, 'metrics.prom');
const args = [
  cli,
  '-F',
  pattern,
  '--listen',
  '127.0.0.1:0',
  '--poll-interval',
  '250ms',
  '--metrics-file',
  metricsFile,
];
if (storm === 'glob') args.push('--exclude', '*.gz');
const out = storm || delay ? 'pipe' : fs.openSync('/dev/null', 'w');
const child = spawn(process.execPath, [...nodeFlags, ...args], {
  stdio: ['ignore', out, 'ignore'],
});
const seen = new Map();
const delays = [];
if (storm || delay) {
  let rest = '';
  child.stdout.on('data', (chunk) => {
    const lines = (rest + chunk).split('\n');
    rest = lines.pop();
    for (const line of lines) {
      const id = /"requestId":"([^"]+)"/.exec(line)?.[1];
      if (id === undefined) continue;
      if (delay && !seen.has(id)) delays.push(performance.now() - (writtenAt.get(id) ?? Number.NaN));
      seen.set(id, (seen.get(id) ?? 0) + 1);
    }
  });
}
await new Promise((r) => setTimeout(r, 1500)); // start-up is not what this measures
const perTick = rate / 10;
let rotations = 0;
/** A tenth of a second's lines: in one write, or one write per line spread over the tenth (1 ms apart). */
async function append(lines, due) {
  if (lines === 0) return;
  if (!lineWrites) {
    fs.appendFileSync(log, batch(lines));
    return stamp();
  }
  const fd = fs.openSync(log, 'a');
  const start = performance.now();
  const span = Math.max(1, due - start); // behind schedule: all at once
  for (let done = 0; done < lines; ) {
    const now = Math.min(lines, Math.ceil((lines * (performance.now() - start + 1)) / span));
    for (; done < now; done++) {
      fs.writeSync(fd, batch(1));
      stamp();
    }
    if (done < lines) await new Promise((r) => setTimeout(r, 1));
  }
  fs.closeSync(fd);
}
/** Appends (and rotates, in a storm) for `duration` seconds. */
async function run(duration) {
  const start = performance.now();
  for (let tick = 0; tick < duration * 10; tick++) {
    const due = start + (tick + 1) * 100;
    await append(perTick, due);
    if (storm && tick % 2 === 1) {
      rotate();
      rotations++;
    }
    await new Promise((r) => setTimeout(r, Math.max(0, due - performance.now())));
  }
}
await run(warmup);
const cpu0 = cpuSeconds(child.pid);
const t0 = performance.now();
await run(seconds);
await new Promise((r) => setTimeout(r, storm ? 2000 : 500)); // let it read the last batch
const cpu = cpuSeconds(child.pid) - cpu0;
const wall = (performance.now() - t0) / 1000;
const rss = Number(/VmHWM:\s+(\d+)/.exec(fs.readFileSync(`/proc/${child.pid}/status`, 'utf8'))?.[1]) / 1024;
child.kill('SIGTERM');
await new Promise((r) => child.on('close', r));
const lines = rate * (seconds + warmup);
const linesRead = Number(
  /^oss_exporter_lines_read_total (\S+)$/m.exec(fs.readFileSync(metricsFile, 'utf8'))?.[1] ?? Number.NaN,
);
console.log(
  `follow mode${storm ? ` (rotation storm, ${storm === 'glob' ? "'app.log*', .gz excluded" : "'app.log'"})` : ''}` +
    `${lineWrites ? ', a write per line' : ''}: ` +
    `${rate * seconds} lines at ${rate} lines/s for ${seconds} s${warmup > 0 ? ` (after ${warmup} s of warm-up)` : ''}: ` +
    `${cpu.toFixed(2)} CPU s over ${wall.toFixed(1)} s = ` +
    `${((cpu / wall) * 100).toFixed(1)}% of one core, peak RSS ${rss.toFixed(0)} MiB, ` +
    `load ${os.loadavg()[0].toFixed(1)}`,
);
console.log(`  lines read: ${linesRead} of ${lines} appended${linesRead === lines ? '' : ' (MISMATCH)'}`);
if (linesRead !== lines) process.exitCode = 1;
if (delay) {
  delays.sort((a, b) => a - b);
  const at = (q) => delays[Math.min(delays.length - 1, Math.floor(q * delays.length))]?.toFixed(0);
  console.log(
    `  detection delay (write to event) over ${delays.length} of ${nextId} errors: median ${at(0.5)} ms, ` +
      `p99 ${at(0.99)} ms, max ${at(1)} ms`,
  );
}
if (storm) {
  let lost = 0;
  let repeated = 0;
  for (let i = 0; i < nextId; i++) if (!seen.has(`R${String(i).padStart(12, '0')}`)) lost++;
  for (const n of seen.values()) repeated += n - 1;
  console.log(`  ${rotations} rotations, ${nextId} errors written: ${lost} lost, ${repeated} repeated`);
  if (lost + repeated > 0) process.exitCode = 1;
}
fs.rmSync(dir, { recursive: true, force: true });
