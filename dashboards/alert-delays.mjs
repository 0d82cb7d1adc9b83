#!/usr/bin/env node
// Measures when each alert of dashboards/oss-errors.rules.yml first fires on synthetic incidents replayed into a
// real Prometheus at 15 s scrapes; `npm run alert-delays` prints the table, test/alerts-timing.test.ts holds the goals.
//
// How: the scenarios' counters are written as OpenMetrics and turned into TSDB blocks with
// `promtool tsdb create-blocks-from openmetrics`; the recording rules are backfilled level by level with
// `promtool tsdb create-blocks-from rules` against a real `prometheus` serving that TSDB (a rule that reads another
// recording rule needs the first one's output stored, so the server restarts between levels to load the new
// blocks); then every alert expression is evaluated over the whole range with query_range at the rules' 15 s
// interval, and its `for:` is applied to the result as Prometheus's rule manager does.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';

const here = path.dirname(fileURLToPath(import.meta.url));
export const RULES = path.join(here, 'oss-errors.rules.yml');
export const STEP = 15; // seconds: scrape and rule evaluation interval
const MIN = 60;
const HOUR = 3600;
const BLOCK = 2 * HOUR; // promtool's block length; t0 is aligned to it

/** The normal mix of a busy gateway: 50 requests/s, 1% NoSuchKey, a trickle of auth, 5xx and throttling. */
const BUSY = 50;
const NORMAL = [
  { code: 'NoSuchKey', status: '404', class: '4xx', category: 'not-found', share: 0.01 },
  { code: 'AccessDenied', status: '403', class: '4xx', category: 'auth', share: 0.0004 },
  { code: 'InternalError', status: '500', class: '5xx', category: 'server', share: 0.0005 },
  { code: 'SlowDown', status: '503', class: '5xx', category: 'throttling', share: 0.0002 },
];
const ONSET = 2 * HOUR;
const INCIDENT = 30 * MIN;

/** An incident: the normal mix plus `extra` (a share of the requests) from ONSET for 30 minutes. */
function incident(name, description, extra) {
  return {
    name,
    description,
    duration: 4 * HOUR,
    onset: ONSET,
    rates(t) {
      const on = t >= ONSET && t < ONSET + INCIDENT;
      return {
        requests: BUSY,
        errors: NORMAL.map((e) => ({
          ...e,
          rate: BUSY * (e.share + (on && e.code === extra.code ? extra.share : 0)),
        })).concat(
          NORMAL.some((e) => e.code === extra.code) ? [] : [{ ...extra, rate: on ? BUSY * extra.share : 0 }],
        ),
      };
    },
  };
}

/**
 * The scenarios: four incident kinds that must fire within 5 minutes of their onset (shares from the demo
 * gateway's incident), and three shapes that must never fire. Time 0 is a fresh exporter: no baseline yet.
 */
export const SCENARIOS = [
  incident('5xx spike', '`InternalError` 500 from 0.05% to 3% of requests', {
    code: 'InternalError',
    share: 0.03,
  }),
  incident('auth-failure surge', '`SignatureDoesNotMatch` 403 at 4% of requests', {
    code: 'SignatureDoesNotMatch',
    status: '403',
    class: '4xx',
    category: 'auth',
    share: 0.04,
  }),
  incident('throttling storm', '`SlowDown` 503 from 0.02% to 6% of requests', {
    code: 'SlowDown',
    share: 0.06,
  }),
  incident('404 storm', '`NoSuchKey` 404 from 1% to 10% of requests', { code: 'NoSuchKey', share: 0.09 }),
  {
    name: 'steady traffic',
    description: "the normal mix for 8 hours, from the exporter's first scrape",
    duration: 8 * HOUR,
    rates: () => ({ requests: BUSY, errors: NORMAL.map((e) => ({ ...e, rate: BUSY * e.share })) }),
  },
  {
    name: 'diurnal swing',
    description: 'traffic ±80% over 24 hours (10 to 90 requests/s), for 26 hours',
    duration: 26 * HOUR,
    rates(t) {
      const requests = BUSY * (1 + 0.8 * Math.sin((2 * Math.PI * t) / (24 * HOUR)));
      return { requests, errors: NORMAL.map((e) => ({ ...e, rate: requests * e.share })) };
    },
  },
  {
    name: 'low-traffic blip',
    description: '0.5 requests/s; every request fails with 500 for one minute',
    duration: 4 * HOUR,
    rates(t) {
      const blip = t >= ONSET && t < ONSET + MIN;
      return {
        requests: 0.5,
        errors: NORMAL.map((e) => ({
          ...e,
          rate: blip ? (e.code === 'InternalError' ? 0.5 : 0) : 0.5 * e.share,
        })),
      };
    },
  },
];

/** A small seeded generator (mulberry32): the same series on every run. */
function random(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Poisson-distributed counts: exact for small means, normal approximation for large ones. */
function poisson(rand, mean) {
  if (mean <= 0) return 0;
  if (mean > 50) {
    const z = Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
    return Math.max(0, Math.round(mean + Math.sqrt(mean) * z));
  }
  const limit = Math.exp(-mean);
  let k = 0;
  for (let p = rand(); p > limit; p *= rand()) k++;
  return k;
}

const jobOf = (scenario) => `${scenario.name.replaceAll(/[^a-z0-9]+/g, '-')}/oss-error-exporter`;
const labelText = (labels) =>
  Object.entries(labels)
    .map(([k, v]) => `${k}="${v}"`)
    .join(',');

/** The scrapes of every scenario from `start` (unix seconds), as counters the exporter would expose. */
export function scrapes(start) {
  const families = new Map(); // name → { type, series: Map<labels, [t, v][]> }
  const put = (name, type, labels, t, v) => {
    if (!families.has(name)) families.set(name, { type, series: new Map() });
    const series = families.get(name).series;
    const key = labelText(labels);
    if (!series.has(key)) series.set(key, []);
    series.get(key).push([t, v]);
  };
  SCENARIOS.forEach((scenario, i) => {
    const rand = random(i + 1);
    const base = { job: jobOf(scenario), instance: '10.0.0.1:9817' };
    const counts = new Map();
    const add = (key, n) => {
      const v = (counts.get(key) ?? 0) + n;
      counts.set(key, v);
      return v;
    };
    for (let t = 0; t <= scenario.duration; t += STEP) {
      const at = start + t;
      const { requests, errors } = scenario.rates(t);
      let errors4xx = 0;
      let errors5xx = 0;
      let total = 0;
      for (const e of errors) {
        const n = t === 0 ? 0 : poisson(rand, e.rate * STEP);
        if (e.class === '4xx') errors4xx += n;
        else errors5xx += n;
        total += n;
        const labels = { ...base, code: e.code, status: e.status, class: e.class, category: e.category };
        put('oss_errors_total', 'counter', labels, at, add(labelText(labels), n));
      }
      const ok = t === 0 ? 0 : Math.max(0, poisson(rand, requests * STEP) - total);
      for (const [cls, n] of [
        ['2xx', ok],
        ['4xx', errors4xx],
        ['5xx', errors5xx],
      ])
        put('oss_requests_total', 'counter', { ...base, class: cls }, at, add(`requests ${cls}`, n));
      put('oss_exporter_lines_read_total', 'counter', base, at, add('lines', ok + total));
      put('oss_exporter_file_lag_bytes', 'gauge', { ...base, path: '/var/log/nginx/access.log' }, at, 0);
      put('up', 'gauge', base, at, 1);
    }
  });
  return families;
}

/**
 * OpenMetrics text for the samples in [from, to): one family after the other, each series' samples in time
 * order, then `# EOF`. promtool reads its whole input once per 2-hour block, so the instrument hands it one
 * 2-hour window per file rather than a day in one.
 */
export function openMetrics(families, from = -Infinity, to = Infinity) {
  const out = [];
  for (const [name, { type, series }] of families) {
    out.push(`# TYPE ${type === 'counter' ? name.replace(/_total$/, '') : name} ${type}`);
    for (const [labels, samples] of series)
      for (const [t, v] of samples) if (t >= from && t < to) out.push(`${name}{${labels}} ${v} ${t}`);
  }
  out.push('# EOF', '');
  return out.join('\n');
}

/** Recording rules grouped by level: level 1 reads only scraped series, level n reads level n-1's output. */
export function ruleLevels(groups) {
  const records = groups.flatMap((g) => g.rules).filter((r) => r.record);
  const level = new Map();
  const levelOf = (rule) => {
    if (level.has(rule.record)) return level.get(rule.record);
    const deps = records.filter((r) => r !== rule && new RegExp(`\\b${r.record}\\b(?!:)`).test(rule.expr));
    const n = 1 + Math.max(0, ...deps.map(levelOf));
    level.set(rule.record, n);
    return n;
  };
  const levels = [];
  for (const rule of records) {
    const n = levelOf(rule);
    levels[n - 1] = [...(levels[n - 1] ?? []), rule];
  }
  return levels;
}

function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });
}

function run(cmd, args) {
  const r = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 64 << 20 });
  if (r.status !== 0) throw new Error(`${cmd} ${args.slice(0, 4).join(' ')} failed: ${r.stderr || r.error}`);
  return r.stdout;
}

/** A real Prometheus serving the TSDB in `data` on a free loopback port; no scraping, no rules. */
async function serve(dir, data) {
  const port = await freePort();
  const config = path.join(dir, 'prometheus.yml');
  fs.writeFileSync(config, 'global: { scrape_interval: 15s }\n');
  const child = spawn(
    'prometheus',
    [
      `--config.file=${config}`,
      `--storage.tsdb.path=${data}`,
      '--storage.tsdb.retention.time=100y',
      `--web.listen-address=127.0.0.1:${port}`,
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let log = '';
  child.stderr.on('data', (d) => {
    log = (log + d).slice(-4000);
  });
  const exited = new Promise((resolve) => child.on('close', resolve));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 30_000;
  for (;;) {
    const ready = await fetch(`${url}/-/ready`).then(
      (r) => r.ok,
      () => false,
    );
    if (ready) break;
    if (child.exitCode !== null || Date.now() > deadline)
      throw new Error(`prometheus did not become ready: ${log}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return {
    url,
    async stop() {
      child.kill('SIGTERM');
      await exited;
    },
  };
}

const parseDuration = (text = '0s') => {
  let seconds = 0;
  for (const [, n, unit] of text.matchAll(/(\d+)(ms|s|m|h|d)/g))
    seconds += Number(n) * { ms: 0.001, s: 1, m: 60, h: 3600, d: 86400 }[unit];
  return seconds;
};

/**
 * For each series an alert expression returns over [start, end] at STEP, the times it fires: the first
 * evaluation at which it has been true at every evaluation for `for` (Prometheus's pending → firing).
 */
export function firings(result, forSeconds) {
  const out = [];
  for (const { metric, values } of result) {
    let activeAt;
    let previous;
    let firing = false;
    for (const [t] of values) {
      if (previous === undefined || t - previous > STEP) {
        activeAt = t;
        firing = false;
      }
      previous = t;
      if (!firing && t - activeAt >= forSeconds) {
        firing = true;
        out.push({ labels: metric, at: t });
      }
    }
  }
  return out;
}

/**
 * Runs the whole instrument; returns every firing per scenario, with times relative to the scenario's onset
 * (or to its start when it has none). `start` defaults to a 2-hour boundary three days ago; `rules` to the
 * repository's rules file.
 */
export async function measure({ start, rules = RULES } = {}) {
  const t0 = start ?? Math.floor((Date.now() / 1000 - 3 * 86400) / BLOCK) * BLOCK;
  const end = t0 + Math.max(...SCENARIOS.map((s) => s.duration));
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'oee-alert-delays-'));
  const data = path.join(dir, 'data');
  try {
    const families = scrapes(t0);
    for (let from = t0; from <= end; from += BLOCK) {
      const input = path.join(dir, `series-${from}.om.txt`);
      fs.writeFileSync(input, openMetrics(families, from, from + BLOCK));
      run('promtool', ['tsdb', 'create-blocks-from', 'openmetrics', input, data]);
    }
    const groups = parse(fs.readFileSync(rules, 'utf8')).groups;
    for (const [i, rules] of ruleLevels(groups).entries()) {
      const file = path.join(dir, `level-${i + 1}.rules.yml`);
      fs.writeFileSync(
        file,
        JSON.stringify({ groups: [{ name: `level-${i + 1}`, interval: `${STEP}s`, rules }] }),
      );
      const server = await serve(dir, data);
      try {
        run('promtool', [
          'tsdb',
          'create-blocks-from',
          'rules',
          `--url=${server.url}`,
          `--start=${t0}`,
          `--end=${end}`,
          `--eval-interval=${STEP}s`,
          `--output-dir=${data}`,
          file,
        ]);
      } finally {
        await server.stop();
      }
    }
    const server = await serve(dir, data);
    try {
      const alerts = groups.flatMap((g) => g.rules).filter((r) => r.alert);
      const fired = [];
      for (const alert of alerts) {
        const q = new URLSearchParams({
          query: alert.expr,
          start: String(t0),
          end: String(end),
          step: `${STEP}`,
        });
        const body = await (await fetch(`${server.url}/api/v1/query_range?${q}`)).json();
        if (body.status !== 'success') throw new Error(`${alert.alert}: ${body.error}`);
        for (const f of firings(body.data.result, parseDuration(alert.for)))
          fired.push({ alert: alert.alert, ...f });
      }
      return SCENARIOS.map((scenario) => ({
        scenario: scenario.name,
        description: scenario.description,
        onset: scenario.onset,
        firings: fired
          .filter((f) => f.labels.job === jobOf(scenario))
          .map((f) => ({ alert: f.alert, labels: f.labels, after: f.at - t0 - (scenario.onset ?? 0) }))
          .sort((a, b) => a.after - b.after),
      }));
    } finally {
      await server.stop();
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** A delay as the table shows it: 2m45s. */
export const clock = (seconds) =>
  `${seconds < 0 ? '-' : ''}${Math.floor(Math.abs(seconds) / 60)}m${String(Math.abs(seconds) % 60).padStart(2, '0')}s`;

/**
 * The table `npm run alert-delays` prints and the README's runbook holds: per scenario, the first alert and its
 * delay after the onset, then the first firing of each other alert.
 */
export function table(results) {
  const rows = results.map((r) => {
    const [first, ...rest] = r.firings;
    const what = first
      ? `${first.alert}${first.labels.category ? ` \`{category="${first.labels.category}"}\`` : ''}`
      : 'none';
    const later = new Map();
    for (const f of rest) if (f.alert !== first?.alert && !later.has(f.alert)) later.set(f.alert, f.after);
    const others = [...later].map(([alert, after]) => `${alert} ${clock(after)}`).join(', ');
    return [r.scenario, r.description, what, first ? clock(first.after) : '—', others || '—'];
  });
  const head = ['scenario', 'what happens', 'first alert', 'after onset', 'later alerts'];
  return [head, head.map(() => '---'), ...rows].map((r) => `| ${r.join(' | ')} |`).join('\n');
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const started = Date.now();
  const rules = process.argv[2] ? path.resolve(process.argv[2]) : RULES;
  const results = await measure({ rules });
  console.log(table(results));
  console.log(
    `\n(15 s scrapes and evaluations; measured in ${((Date.now() - started) / 1000).toFixed(1)} s)`,
  );
}
