#!/usr/bin/env node
// Builds the Grafana dashboard (dashboards/oss-errors.json) as code; `npm run dashboards` writes it, a test checks
// the committed file is current. Catalogue descriptions come from the built code (npm run build first).
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ALIASES, CATALOG } from '../dist/catalog/index.js';

const here = path.dirname(fileURLToPath(import.meta.url));
// Grafana's own variable syntax, not a JavaScript template.
// biome-ignore lint/suspicious/noTemplateCurlyInString: a Grafana variable reference
const DS = { type: 'prometheus', uid: '${datasource}' };
const SEL = 'job=~"$job", instance=~"$instance"';
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
    stat('Errors/s', 0, errors, 'short', 'OSS error bodies found per second.'),
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
      'short',
      'Error bodies that could not be read: truncated, malformed, DOCTYPE, no code, too large.',
    ),
    row('Errors', 4),
    series(
      'Errors by status class',
      { x: 0, y: 5, w: 12, h: 8 },
      [[`sum by (class) (${rate('oss_errors_total')})`, '{{class}}', EXEMPLARS]],
      'short',
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
      'short',
      'The ten codes with the most errors per second. Exemplar points carry the RequestId of the latest error of a code.',
    ),
    series(
      'Errors by category',
      { x: 12, y: 13, w: 12, h: 9 },
      [[`sum by (category) (${rate('oss_errors_total')})`, '{{category}}', EXEMPLARS]],
      'short',
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
      'short',
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
      'Parse failures, skips and drops/s',
      { x: 16, y: 32, w: 8, h: 8 },
      [
        [`sum by (reason) (${rate('oss_exporter_unparseable_bodies_total')})`, 'unparseable: {{reason}}'],
        [`sum by (reason) (${rate('oss_exporter_records_skipped_total')})`, 'skipped: {{reason}}'],
        [`sum(${rate('oss_exporter_events_dropped_total')})`, 'events dropped'],
      ],
      'short',
      'Bodies that could not be read, records over the length bounds, events lost on output.',
    ),
  ];
  return {
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

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const file = path.join(here, 'oss-errors.json');
  fs.writeFileSync(file, `${JSON.stringify(buildDashboard(), null, 2)}\n`);
  console.log(`wrote ${file}`);
}
