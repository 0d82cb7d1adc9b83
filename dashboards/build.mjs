#!/usr/bin/env node
// Builds the Grafana dashboard (dashboards/oss-errors.json) as code, and the Prometheus Operator's PrometheusRule
// and PodMonitors (examples/kubernetes/) from dashboards/oss-errors.rules.yml, the one source of the rules;
// `npm run dashboards` writes them, a test checks the committed files are current. Like a monitoring mixin's
// _config, the job selector, runbook base URL, namespace and rule labels are parameters:
//   node dashboards/build.mjs --job-selector 'job="kubernetes-pods", container="oss-error-exporter"' \
//     --runbook-base-url https://wiki.example.com/oss-runbook --label release=kube-prometheus-stack --out my-dir
// Catalogue descriptions come from the built code (npm run build first).
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { parse, stringify } from 'yaml';
import { ALIASES, CATALOG } from '../build/catalog/index.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const RULES = path.join(here, 'oss-errors.rules.yml');

/**
 * The build's parameters. The defaults are what oss-errors.rules.yml holds: a job selector that matches a plain
 * scrape_configs job `oss-error-exporter` as well as the operator's `<namespace>/<PodMonitor name>` and
 * ServiceMonitor jobs, and the README's runbook section.
 */
export const DEFAULTS = Object.freeze({
  jobSelector: 'job=~".*oss-error-exporter.*"',
  runbookBaseUrl: 'https://github.com/example/oss-error-exporter/blob/main/README.md',
  namespace: 'monitoring',
  labels: Object.freeze({ 'app.kubernetes.io/part-of': 'oss-error-exporter' }),
});
// Grafana's own variable syntax, not a JavaScript template.
// biome-ignore lint/suspicious/noTemplateCurlyInString: a Grafana variable reference
const DS = { type: 'prometheus', uid: '${datasource}' };
const SEL = 'job=~"$job", instance=~"$instance"';
const PANEL_NAMES = { stat: 'Stat', table: 'Table', timeseries: 'Time series' };
const rate = (metric, extra = '') => `rate(${metric}{${SEL}${extra}}[$__rate_interval])`;
// Error series carry the RequestId of their latest error as an exemplar: Grafana draws it as a point on the graph,
// with the RequestId to quote in a support ticket (Prometheus needs --enable-feature=exemplar-storage).
const EXEMPLARS = { exemplar: true };

let nextId = 1;
function panel(type, title, gridPos, targets, extra = {}) {
  return {
    id: nextId++,
    type,
    title,
    datasource: DS,
    gridPos,
    targets: targets.map(([expr, legendFormat, more = {}], i) => ({
      refId: String.fromCharCode(65 + i),
      datasource: DS,
      expr,
      legendFormat: legendFormat ?? '',
      ...more,
    })),
    ...extra,
  };
}
const stat = (title, x, expr, unit, description) =>
  panel('stat', title, { x, y: 0, w: 6, h: 4 }, [[expr, title]], {
    description,
    fieldConfig: { defaults: { unit, decimals: 2 }, overrides: [] },
    options: { reduceOptions: { calcs: ['lastNotNull'] }, colorMode: 'value', graphMode: 'area' },
  });
const series = (title, gridPos, targets, unit, description, stacked = false) =>
  panel('timeseries', title, gridPos, targets, {
    description,
    fieldConfig: {
      defaults: {
        unit,
        custom: {
          drawStyle: 'line',
          fillOpacity: stacked ? 30 : 10,
          stacking: { mode: stacked ? 'normal' : 'none' },
        },
      },
      overrides: [],
    },
    options: {
      legend: { displayMode: 'table', placement: 'right', calcs: ['mean', 'max'] },
      tooltip: { mode: 'multi' },
    },
  });
const row = (title, y) => ({
  id: nextId++,
  type: 'row',
  title,
  collapsed: false,
  gridPos: { x: 0, y, w: 24, h: 1 },
  panels: [],
});

/** Code → "code — description" for the top-codes table: descriptions are catalogue data, never metric labels. */
function descriptionMappings() {
  const text = new Map();
  for (const row of CATALOG) if (!text.has(row.code)) text.set(row.code, row.description);
  for (const [alias, canonical] of Object.entries(ALIASES)) text.set(alias, text.get(canonical));
  const options = Object.fromEntries(
    [...text].map(([code, description]) => [code, { text: `${code} — ${description}` }]),
  );
  return [{ type: 'value', options }];
}

/** A multi-value template variable filled from a Prometheus label, with "All" meaning any value. */
function queryVariable(name, label, definition) {
  return {
    name,
    label,
    type: 'query',
    datasource: DS,
    query: { query: definition, refId: name },
    definition,
    includeAll: true,
    multi: true,
    allValue: '.+',
    current: {},
    refresh: 2,
    sort: 1,
  };
}

export function buildDashboard() {
  nextId = 1;
  const errors = `sum(${rate('oss_errors_total')})`;
  const requests = `sum(${rate('oss_requests_total')})`;
  const panels = [
    stat('Errors/s', 0, errors, 'reqps', 'OSS error bodies found per second.'),
    stat(
      'Error ratio',
      6,
      `${errors} / ${requests}`,
      'percentunit',
      'Share of access-log requests that ended in an OSS error body.',
    ),
    stat(
      '5xx share of errors',
      12,
      `sum(${rate('oss_errors_total', ', class="5xx"')}) / ${errors}`,
      'percentunit',
      'Server-side errors among all errors.',
    ),
    stat(
      'Unparseable bodies/s',
      18,
      `sum(${rate('oss_exporter_unparseable_bodies_total')})`,
      'ops',
      'Error bodies that could not be read: truncated, malformed, DOCTYPE, no code, too large.',
    ),
    row('Errors', 4),
    series(
      'Errors by status class',
      { x: 0, y: 5, w: 12, h: 8 },
      [[`sum by (class) (${rate('oss_errors_total')})`, '{{class}}', EXEMPLARS]],
      'reqps',
      'Errors per second, stacked by HTTP status class. Exemplar points carry the RequestId of an error.',
      true,
    ),
    series(
      'Error ratio',
      { x: 12, y: 5, w: 12, h: 8 },
      [
        [`${errors} / ${requests}`, 'all errors'],
        [`sum(${rate('oss_errors_total', ', class="5xx"')}) / ${requests}`, '5xx'],
      ],
      'percentunit',
      'Errors and 5xx errors as a share of the requests in the access log.',
    ),
    series(
      'Errors by code (top 10)',
      { x: 0, y: 13, w: 12, h: 9 },
      [[`topk(10, sum by (code) (${rate('oss_errors_total')}))`, '{{code}}', EXEMPLARS]],
      'reqps',
      'The ten codes with the most errors per second. Exemplar points carry the RequestId of the latest error of a code.',
    ),
    series(
      'Errors by category',
      { x: 12, y: 13, w: 12, h: 9 },
      [[`sum by (category) (${rate('oss_errors_total')})`, '{{category}}', EXEMPLARS]],
      'reqps',
      'auth (SignatureDoesNotMatch, AccessDenied…), throttling (SlowDown, ServiceUnavailable), not-found, server, client-request, conflict, redirect.',
      true,
    ),
    panel(
      'table',
      'Top codes in the time range',
      { x: 0, y: 22, w: 24, h: 9 },
      [
        [
          `sort_desc(sum by (code, status, category) (increase(oss_errors_total{${SEL}}[$__range])) > 0)`,
          '',
          { instant: true, format: 'table' },
        ],
      ],
      {
        description: 'Errors per code over the dashboard range, with the catalogue description.',
        transformations: [
          { id: 'organize', options: { excludeByName: { Time: true }, renameByName: { Value: 'errors' } } },
        ],
        fieldConfig: {
          defaults: {},
          overrides: [
            {
              matcher: { id: 'byName', options: 'code' },
              properties: [{ id: 'mappings', value: descriptionMappings() }],
            },
          ],
        },
      },
    ),
    row('Exporter health', 31),
    series(
      'Lines read/s',
      { x: 0, y: 32, w: 8, h: 8 },
      [[`sum by (instance) (${rate('oss_exporter_lines_read_total')})`, '{{instance}}']],
      'ops',
      'Log lines read per second.',
    ),
    series(
      'Lag (bytes behind the end of followed files)',
      { x: 8, y: 32, w: 8, h: 8 },
      [[`sum by (instance, path) (oss_exporter_file_lag_bytes{${SEL}})`, '{{instance}} {{path}}']],
      'bytes',
      'Bytes written to followed files and not read yet.',
    ),
    series(
      'Parse failures, skips, drops and file errors/s',
      { x: 16, y: 32, w: 8, h: 8 },
      [
        [`sum by (reason) (${rate('oss_exporter_unparseable_bodies_total')})`, 'unparseable: {{reason}}'],
        [`sum by (reason) (${rate('oss_exporter_records_skipped_total')})`, 'skipped: {{reason}}'],
        [`sum(${rate('oss_exporter_events_dropped_total')})`, 'events dropped'],
        [`sum by (reason) (${rate('oss_exporter_file_errors_total')})`, 'file errors: {{reason}}'],
      ],
      'ops',
      'Bodies that could not be read, records over the length bounds, events lost on output, log files that could not be opened or read.',
    ),
  ];
  return {
    // What a file import or grafana.com asks for: a Prometheus data source, which fills the variable below.
    __inputs: [
      {
        name: 'DS_PROMETHEUS',
        label: 'Prometheus',
        description: 'The Prometheus that scrapes oss-error-exporter',
        type: 'datasource',
        pluginId: 'prometheus',
        pluginName: 'Prometheus',
      },
    ],
    __requires: [
      { type: 'grafana', id: 'grafana', name: 'Grafana', version: '10.0.0' },
      { type: 'datasource', id: 'prometheus', name: 'Prometheus', version: '1.0.0' },
      ...[...new Set(panels.map((p) => p.type).filter((t) => t !== 'row'))]
        .sort()
        .map((id) => ({ type: 'panel', id, name: PANEL_NAMES[id], version: '' })),
    ],
    uid: 'oss-error-exporter',
    title: 'Object storage errors',
    description: 'OSS / S3 error bodies found in gateway logs by oss-error-exporter.',
    tags: ['oss', 's3', 'object-storage', 'oss-error-exporter'],
    schemaVersion: 39,
    version: 1,
    editable: true,
    time: { from: 'now-6h', to: 'now' },
    refresh: '30s',
    graphTooltip: 1,
    templating: {
      list: [
        {
          name: 'datasource',
          label: 'Data source',
          type: 'datasource',
          query: 'prometheus',
          current: {},
          hide: 0,
        },
        queryVariable('job', 'Job', 'label_values(oss_exporter_build_info, job)'),
        queryVariable('instance', 'Instance', 'label_values(oss_exporter_build_info{job=~"$job"}, instance)'),
      ],
    },
    annotations: { list: [] },
    panels,
  };
}

/** The rule groups of oss-errors.rules.yml with the job selector and runbook base URL of `config`. */
export function buildRules(config = DEFAULTS) {
  const { groups } = parse(fs.readFileSync(RULES, 'utf8'));
  let selectors = 0;
  for (const rule of groups.flatMap((g) => g.rules)) {
    selectors += rule.expr.split(DEFAULTS.jobSelector).length - 1;
    rule.expr = rule.expr.replaceAll(DEFAULTS.jobSelector, config.jobSelector);
    const url = rule.annotations?.runbook_url;
    if (url === undefined) continue;
    if (!url.startsWith(`${DEFAULTS.runbookBaseUrl}#`))
      throw new Error(`${rule.alert}: runbook_url ${url} does not start with ${DEFAULTS.runbookBaseUrl}#`);
    rule.annotations.runbook_url = config.runbookBaseUrl + url.slice(DEFAULTS.runbookBaseUrl.length);
  }
  if (selectors === 0)
    throw new Error(`${RULES} no longer holds the default job selector ${DEFAULTS.jobSelector}`);
  return groups;
}

const metadata = (name, config, namespace) => ({
  name,
  ...(namespace ? { namespace } : {}),
  labels: { ...config.labels },
});

/** The Prometheus Operator's PrometheusRule holding every recording and alerting rule. */
export function prometheusRule(config = DEFAULTS) {
  return {
    apiVersion: 'monitoring.coreos.com/v1',
    kind: 'PrometheusRule',
    metadata: metadata('oss-error-exporter', config, config.namespace),
    spec: { groups: buildRules(config) },
  };
}

/**
 * PodMonitors for both layouts of examples/kubernetes/: the DaemonSet's pods (job `<namespace>/oss-error-exporter`)
 * and the gateway pods with the exporter as a sidecar, in the namespace they are applied to (job
 * `<namespace>/oss-error-exporter-sidecar`). Both scrape the `metrics` port every 15 s, the interval the alert
 * timings assume.
 */
export function podMonitors(config = DEFAULTS) {
  const monitor = (name, namespace, app) => ({
    apiVersion: 'monitoring.coreos.com/v1',
    kind: 'PodMonitor',
    metadata: metadata(name, config, namespace),
    spec: {
      selector: { matchLabels: { app } },
      podMetricsEndpoints: [{ port: 'metrics', path: '/metrics', interval: '15s' }],
    },
  });
  return [
    monitor('oss-error-exporter', config.namespace, 'oss-error-exporter'),
    monitor('oss-error-exporter-sidecar', undefined, 'oss-gateway'),
  ];
}

const GENERATED =
  '# Generated by dashboards/build.mjs from dashboards/oss-errors.rules.yml: edit that file, then `npm run dashboards`.';

/** The files the build writes, relative to the repository (or to --out): name → content. */
export function buildFiles(config = DEFAULTS) {
  const yaml = (comment, docs) =>
    `${comment}\n${GENERATED}\n${docs.map((d) => stringify(d, { lineWidth: 0 })).join('---\n')}`;
  return {
    'dashboards/oss-errors.json': `${JSON.stringify(buildDashboard(), null, 2)}\n`,
    'examples/kubernetes/prometheusrule.yaml': yaml(
      '# The alerting and recording rules as a Prometheus Operator PrometheusRule (kube-prometheus-stack picks it up\n# when its labels match the Prometheus ruleSelector, e.g. --label release=<helm release>).',
      [prometheusRule(config)],
    ),
    'examples/kubernetes/podmonitor.yaml': yaml(
      '# Prometheus Operator PodMonitors: one for the DaemonSet (daemonset.yaml), one for the sidecar (sidecar.yaml).',
      podMonitors(config),
    ),
  };
}

function configFromArgs(argv) {
  const { values } = parseArgs({
    args: argv,
    options: {
      'job-selector': { type: 'string' },
      'runbook-base-url': { type: 'string' },
      namespace: { type: 'string' },
      label: { type: 'string', multiple: true },
      out: { type: 'string' },
    },
  });
  const labels = { ...DEFAULTS.labels };
  for (const pair of values.label ?? []) {
    const at = pair.indexOf('=');
    if (at < 1) throw new Error(`--label ${pair}: expected name=value`);
    labels[pair.slice(0, at)] = pair.slice(at + 1);
  }
  const base = values['runbook-base-url'] ?? DEFAULTS.runbookBaseUrl;
  if (!/^https?:\/\//.test(base))
    throw new Error(`--runbook-base-url ${base}: expected an absolute http(s) URL`);
  return {
    out: values.out ?? path.dirname(here),
    config: {
      jobSelector: values['job-selector'] ?? DEFAULTS.jobSelector,
      runbookBaseUrl: base,
      namespace: values.namespace ?? DEFAULTS.namespace,
      labels,
    },
  };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { out, config } = configFromArgs(process.argv.slice(2));
  for (const [name, content] of Object.entries(buildFiles(config))) {
    const file = path.join(out, name);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, content);
    console.log(`wrote ${file}`);
  }
}
