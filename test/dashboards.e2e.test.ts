// The dashboard and the rules against a real Prometheus scraping the real exporter: every query runs, the key
// panels have data, every rule evaluates. Plus: the committed dashboard JSON is what the generator builds.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { listeningUrl, ROOT, type RunningCli, SAMPLE, spawnCli, waitFor } from './helpers/cli.js';
import { type RunningPrometheus, startPrometheus } from './helpers/prometheus.js';
import { describeWithTools } from './helpers/tools.js';

interface Target {
  expr: string;
  exemplar?: boolean;
}
interface Panel {
  title: string;
  type: string;
  targets?: Target[];
}
const DASHBOARD = path.join(ROOT, 'dashboards/oss-errors.json');
const dashboard = JSON.parse(fs.readFileSync(DASHBOARD, 'utf8')) as {
  panels: Panel[];
  templating: { list: { name: string; definition?: string }[] };
};
const rules = (
  parse(fs.readFileSync(path.join(ROOT, 'dashboards/oss-errors.rules.yml'), 'utf8')) as {
    groups: { rules: { expr: string; record?: string; alert?: string }[] }[];
  }
).groups.flatMap((g) => g.rules);

/** Grafana's variables as a dashboard user with "All" selected would send them. */
const grafana = (expr: string) =>
  expr
    .replaceAll('$job', '.+')
    .replaceAll('$instance', '.+')
    .replaceAll('$__rate_interval', '1m')
    .replaceAll('$__range', '5m');

describe('the committed dashboard', () => {
  it('is what dashboards/build.mjs builds (run `npm run dashboards` after changing it)', async () => {
    const { buildDashboard } = (await import(path.join(ROOT, 'dashboards/build.mjs'))) as {
      buildDashboard: () => unknown;
    };
    expect(JSON.parse(JSON.stringify(buildDashboard()))).toEqual(dashboard);
  });

  it('declares the Prometheus data source and the panels it needs, for imports from a file or grafana.com', () => {
    const d = dashboard as unknown as {
      __inputs: { name: string; type: string; pluginId: string }[];
      __requires: { type: string; id: string }[];
    };
    expect(d.__inputs).toEqual([expect.objectContaining({ type: 'datasource', pluginId: 'prometheus' })]);
    expect(d.__requires.map((r) => `${r.type}:${r.id}`).sort()).toEqual(
      [...new Set(dashboard.panels.filter((p) => p.type !== 'row').map((p) => `panel:${p.type}`))]
        .concat(['datasource:prometheus', 'grafana:grafana'])
        .sort(),
    );
  });

  it.each([
    ['Errors/s', 'reqps'],
    ['Errors by status class', 'reqps'],
    ['Errors by code (top 10)', 'reqps'],
    ['Errors by category', 'reqps'],
    ['Unparseable bodies/s', 'ops'],
    ['Lines read/s', 'ops'],
    ['Parse failures, skips, drops and file errors/s', 'ops'],
    ['Error ratio', 'percentunit'],
    ['5xx share of errors', 'percentunit'],
  ])('panel "%s" is in %s', (title, unit) => {
    const units = (dashboard.panels as (Panel & { fieldConfig?: { defaults: { unit?: string } } })[])
      .filter((p) => p.title === title)
      .map((p) => p.fieldConfig?.defaults.unit);
    expect(new Set(units)).toEqual(new Set([unit]));
  });

  it('has a Prometheus data source variable and job and instance variables', () => {
    expect(dashboard.templating.list.map((v) => v.name)).toEqual(['datasource', 'job', 'instance']);
  });
});

describeWithTools(['prometheus'])(
  'dashboard and rule queries on a real Prometheus scraping the exporter',
  () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'oee-dash-'));
    let cli: RunningCli;
    let prometheus: RunningPrometheus;
    let api: string;
    const query = (q: string) => prometheus.query(q);

    beforeAll(async () => {
      fs.writeFileSync(path.join(dir, 'access.log'), fs.readFileSync(SAMPLE));
      cli = spawnCli([
        '--follow',
        path.join(dir, '*.log'),
        '--listen',
        '127.0.0.1:0',
        '--no-events',
        '--poll-interval',
        '50ms',
      ]);
      prometheus = await startPrometheus(
        new URL(await listeningUrl(cli)).host,
        'oss-error-exporter',
        [path.join(ROOT, 'dashboards/oss-errors.rules.yml')],
        ['--enable-feature=exemplar-storage'],
      );
      api = prometheus.api;
      await waitFor(
        'two scrapes with errors',
        async () => {
          const r = await query(
            'count_over_time(oss_errors_total{code="NoSuchKey",status="404"}[1m]) >= 2',
          ).catch(() => undefined);
          return r?.data?.result.length ? true : undefined;
        },
        40_000,
      );
      fs.appendFileSync(path.join(dir, 'access.log'), fs.readFileSync(SAMPLE));
      await waitFor(
        'the appended errors',
        async () => {
          const r = await query('sum(oss_errors_total) == 14');
          return r.data?.result.length ? true : undefined;
        },
        20_000,
      );
    }, 90_000);

    afterAll(async () => {
      prometheus?.stop();
      cli.child.kill('SIGTERM');
      await cli.exited;
    });

    const exprs = dashboard.panels.flatMap((p) => (p.targets ?? []).map((t) => [p.title, t.expr] as const));

    it.each(exprs)('dashboard panel "%s" runs: %s', async (_title, expr) => {
      const r = await query(grafana(expr));
      expect(r.error).toBeUndefined();
      expect(r.status).toBe('success');
    });

    it.each([
      'Errors/s',
      'Error ratio',
      'Errors by status class',
      'Errors by code (top 10)',
      'Errors by category',
      'Top codes in the time range',
      'Lines read/s',
      'Lag (bytes behind the end of followed files)',
    ])('panel "%s" has data', async (title) => {
      const expr = exprs.find(([t]) => t === title)?.[1] as string;
      const r = await waitFor(`data for ${title}`, async () => {
        const res = await query(grafana(expr));
        return res.data?.result.length ? res : undefined;
      });
      expect(r.data?.result.length).toBeGreaterThan(0);
    });

    const withExemplars = dashboard.panels.flatMap((p) =>
      (p.targets ?? []).filter((t) => t.exemplar === true).map((t) => [p.title, t.expr] as const),
    );

    it('asks for exemplars on the error-rate graphs', () => {
      expect(withExemplars.map(([title]) => title)).toEqual([
        'Errors by status class',
        'Errors by code (top 10)',
        'Errors by category',
      ]);
    });

    // Grafana sends a target's expression to query_exemplars as it is: each must find the sample's RequestIds.
    it.each(withExemplars)('panel "%s" finds RequestId exemplars: %s', async (_title, expr) => {
      const ids = await waitFor(`exemplars for ${expr}`, async () => {
        const params = new URLSearchParams({
          query: grafana(expr),
          start: String(Math.floor(Date.now() / 1000) - 600),
          end: String(Math.ceil(Date.now() / 1000)),
        });
        const res = (await (await fetch(`${api}/api/v1/query_exemplars?${params}`)).json()) as {
          data?: { exemplars: { labels: Record<string, string> }[] }[];
        };
        const found = (res.data ?? []).flatMap((s) => s.exemplars.map((e) => e.labels.request_id));
        return found.length > 0 ? found : undefined;
      });
      for (const id of ids) expect(id).toMatch(/^5C3D9F2E8A1B4C7D9E0F1A[0-9A-F]{2}$/);
    });

    it('finds the exporter with the job and instance variables', async () => {
      for (const variable of dashboard.templating.list.filter((v) => v.definition)) {
        const m = /^label_values\((.+), (\w+)\)$/.exec(variable.definition as string);
        expect(m).not.toBeNull();
        const [, selector, label] = m as RegExpExecArray;
        const res = await fetch(
          `${api}/api/v1/label/${label}/values?match[]=${encodeURIComponent(grafana(selector as string))}`,
        );
        const values = ((await res.json()) as { data: string[] }).data;
        expect(values.length).toBeGreaterThan(0);
      }
    });

    it.each(rules.map((r) => [r.record ?? r.alert, r.expr] as const))('rule %s runs', async (_name, expr) => {
      const r = await query(expr);
      expect(r.error).toBeUndefined();
      expect(r.status).toBe('success');
    });

    it('evaluates every rule group without error, and records the shared rates', async () => {
      await waitFor('a recording rule sample', async () =>
        (await query('job:oss_errors:rate5m')).data?.result.length ? true : undefined,
      );
      const res = (await (await fetch(`${api}/api/v1/rules`)).json()) as {
        data: { groups: { name: string; rules: { health: string; lastError?: string; name: string }[] }[] };
      };
      const unhealthy = res.data.groups.flatMap((g) => g.rules).filter((r) => r.health === 'err');
      expect(unhealthy).toEqual([]);
      expect(res.data.groups.map((g) => g.name).sort()).toEqual([
        'oss-errors.alerts',
        'oss-errors.recording',
      ]);
    });
  },
);
