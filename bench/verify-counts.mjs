#!/usr/bin/env node
// verify-counts.mjs — compare a tool's per-(code,status) counts with the
// generator's truth file.
//
// Usage: node verify-counts.mjs TRUTH.json OUTPUT [--format prom|json]
//   prom : Prometheus text as printed by `mtail --one_shot --one_shot_format=prometheus`
//          (metric oss_errors_total{code=..,status=..})
//   json : the JSON object printed by naive-node.mjs (field byCodeStatus)
// Exit 0 and print "COUNTS OK" when every (code,status) total matches; else exit 1.

import fs from 'node:fs';

const [truthPath, outPath] = process.argv.slice(2);
if (!truthPath || !outPath) {
  console.error('usage: node verify-counts.mjs TRUTH.json OUTPUT [--format prom|json]');
  process.exit(2);
}
const fi = process.argv.indexOf('--format');
const text = fs.readFileSync(outPath, 'utf8');
const format = fi > 0 ? process.argv[fi + 1] : text.trimStart().startsWith('{') ? 'json' : 'prom';

const truth = JSON.parse(fs.readFileSync(truthPath, 'utf8'));
const want = Object.fromEntries(Object.entries(truth.byCodeStatus).filter(([, v]) => v > 0));
let got = {};
if (format === 'json') {
  got = JSON.parse(text.split('\n').find((l) => l.startsWith('{'))).byCodeStatus;
} else {
  for (const line of text.split('\n')) {
    if (!line.startsWith('oss_errors_total{')) continue;
    const code = /code="([^"]*)"/.exec(line)[1];
    const status = /status="([^"]*)"/.exec(line)[1];
    const v = Number(line.slice(line.lastIndexOf(' ') + 1));
    got[`${code}|${status}`] = (got[`${code}|${status}`] || 0) + v;
  }
}
const keys = [...new Set([...Object.keys(want), ...Object.keys(got)])].sort();
let ok = true;
for (const k of keys) {
  if ((want[k] || 0) !== (got[k] || 0)) {
    ok = false;
    console.log(`MISMATCH ${k}: truth=${want[k] || 0} got=${got[k] || 0}`);
  }
}
const total = Object.values(got).reduce((a, b) => a + b, 0);
console.log(
  ok
    ? `COUNTS OK (${keys.length} code|status series, ${total} errors = truth ${truth.errorLines})`
    : 'COUNTS MISMATCH',
);
process.exit(ok && total === truth.errorLines ? 0 : 1);
