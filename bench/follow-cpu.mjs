#!/usr/bin/env node
// Follow-mode cost: a writer appends RATE lines/s (2% with an error body) to a file the exporter follows,
// for SECONDS seconds; the exporter's CPU time is read from /proc before and after. Linux only.
//
// Usage: node bench/follow-cpu.mjs [--rate 10000] [--seconds 10]
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: { rate: { type: 'string', default: '10000' }, seconds: { type: 'string', default: '10' } },
});
const rate = Number(values.rate);
const seconds = Number(values.seconds);
const cli = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../dist/cli.js');
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'oee-follow-cpu-'));
const log = path.join(dir, 'access.log');
fs.writeFileSync(log, '');

const ok =
  '10.0.0.1 - - [24/Nov/2026:10:00:00 +0000] "GET /media/a.jpg HTTP/1.1" 200 5120 "-" "aws-sdk-go/1.44.122" "-"\n';
const err =
  '10.0.0.1 - - [24/Nov/2026:10:00:00 +0000] "GET /media/b.jpg HTTP/1.1" 404 243 "-" "aws-sdk-go/1.44.122" ' +
  '"<?xml version=\\x221.0\\x22 encoding=\\x22UTF-8\\x22?>\\x0A<Error><Code>NoSuchKey</Code><Message>The specified key does not exist.</Message>' +
  '<Resource>/media/b.jpg</Resource><RequestId>5C3D9F2E8A1B4C7D9E0F1A2B</RequestId></Error>"\n';
const batch = (n) => {
  let s = '';
  for (let i = 0; i < n; i++) s += i % 50 === 0 ? err : ok;
  return s;
};

/** utime + stime of a process, in seconds. */
function cpuSeconds(pid) {
  const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100; // clock ticks; 100 per second on Linux
}

const devnull = fs.openSync('/dev/null', 'w');
const child = spawn(
  process.execPath,
  ['--max-semi-space-size=4', cli, '-F', log, '--listen', '127.0.0.1:0', '--poll-interval', '250ms'],
  {
    stdio: ['ignore', devnull, 'ignore'],
  },
);
await new Promise((r) => setTimeout(r, 1500)); // start-up is not what this measures
const cpu0 = cpuSeconds(child.pid);
const t0 = performance.now();
const perTick = rate / 10;
for (let tick = 0; tick < seconds * 10; tick++) {
  fs.appendFileSync(log, batch(perTick));
  const due = t0 + (tick + 1) * 100;
  await new Promise((r) => setTimeout(r, Math.max(0, due - performance.now())));
}
await new Promise((r) => setTimeout(r, 500)); // let it read the last batch
const cpu = cpuSeconds(child.pid) - cpu0;
const wall = (performance.now() - t0) / 1000;
const rss = Number(/VmHWM:\s+(\d+)/.exec(fs.readFileSync(`/proc/${child.pid}/status`, 'utf8'))?.[1]) / 1024;
child.kill('SIGTERM');
await new Promise((r) => child.on('close', r));
const lines = rate * seconds;
console.log(
  `follow mode: ${lines} lines at ${rate} lines/s for ${seconds} s: ${cpu.toFixed(2)} CPU s over ${wall.toFixed(1)} s = ` +
    `${((cpu / wall) * 100).toFixed(1)}% of one core, peak RSS ${rss.toFixed(0)} MiB`,
);
fs.rmSync(dir, { recursive: true, force: true });
