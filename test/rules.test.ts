// The Prometheus rules: promtool checks them and runs their unit tests (each alert fires and stays quiet); the
// PrometheusRule and PodMonitors under examples/kubernetes/ are built from them, with the build's parameters.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PodMonitor } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/PodMonitor';
import { PrometheusRule } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/PrometheusRule';
import { describe, expect, it } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';
import { ROOT } from './helpers/cli.js';
import { itWithTools } from './helpers/tools.js';

const RULES = path.join(ROOT, 'dashboards/oss-errors.rules.yml');
const TESTS = path.join(ROOT, 'dashboards/tests/oss-errors.rules.test.yml');

function promtool(...args: string[]): string {
  return execFileSync('promtool', args, { cwd: ROOT, encoding: 'utf8', stdio: 'pipe' });
}

interface Rule {
  alert?: string;
  record?: string;
  expr: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}
interface Config {
  jobSelector: string;
  runbookBaseUrl: string;
  namespace: string;
  labels: Record<string, string>;
}
const build = (await import(path.join(ROOT, 'dashboards/build.mjs'))) as {
  DEFAULTS: Config;
  buildRules: (config?: Config) => { name: string; rules: Rule[] }[];
  buildFiles: (config?: Config) => Record<string, string>;
};

describe('alert rules', () => {
  const groups = (parse(fs.readFileSync(RULES, 'utf8')) as { groups: { rules: Rule[] }[] }).groups;
  const alerts = groups.flatMap((g) => g.rules).filter((r) => r.alert);

  itWithTools(['promtool'])('pass promtool check rules', () => {
    expect(promtool('check', 'rules', RULES)).toContain('SUCCESS');
  });

  itWithTools(['promtool'])('pass their promtool unit tests', () => {
    expect(promtool('test', 'rules', TESTS)).toContain('SUCCESS');
  });

  it('give every alert a usual severity, a summary, a description and an absolute runbook URL to a README entry', () => {
    const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
    for (const alert of alerts) {
      expect(['critical', 'warning', 'info']).toContain(alert.labels?.severity);
      expect(alert.annotations?.summary).toBeTruthy();
      expect(alert.annotations?.description).toBeTruthy();
      expect(alert.annotations?.runbook_url).toBe(
        `${build.DEFAULTS.runbookBaseUrl}#${alert.alert?.toLowerCase()}`,
      );
      expect(readme).toContain(`### ${alert.alert}`);
    }
  });

  it('has a unit test for every alert', () => {
    const tested = fs.readFileSync(TESTS, 'utf8');
    for (const alert of alerts) expect(tested).toContain(`alertname: ${alert.alert}`);
  });

  it.each([
    ['a plain scrape_configs job', 'oss-error-exporter', true],
    ["the operator's PodMonitor job", 'monitoring/oss-error-exporter', true],
    ["the sidecar's PodMonitor job", 'shop/oss-error-exporter-sidecar', true],
    ['a ServiceMonitor job (the Service name)', 'oss-error-exporter-metrics', true],
    ['another exporter', 'node-exporter', false],
  ])('the default job selector matches %s (%s): %s', (_what, job, matches) => {
    const regex = /^job=~"(.+)"$/.exec(build.DEFAULTS.jobSelector)?.[1] as string;
    expect(new RegExp(`^(?:${regex})$`).test(job)).toBe(matches);
  });
});

describe('the Prometheus Operator objects built from the rules', () => {
  const files = build.buildFiles();

  it.each([
    'examples/kubernetes/prometheusrule.yaml',
    'examples/kubernetes/podmonitor.yaml',
    'dashboards/oss-errors.json',
  ])('the committed %s is what dashboards/build.mjs builds (run `npm run dashboards`)', (file) => {
    expect(fs.readFileSync(path.join(ROOT, file), 'utf8')).toBe(files[file]);
  });

  const docs = (file: string) =>
    parseAllDocuments(fs.readFileSync(path.join(ROOT, file), 'utf8')).map(
      (d) => d.toJS() as Record<string, unknown>,
    );

  it('the PrometheusRule passes its CRD schema and holds exactly the rules of oss-errors.rules.yml', () => {
    const [doc] = docs('examples/kubernetes/prometheusrule.yaml');
    expect(() => new PrometheusRule(doc as never).validate()).not.toThrow();
    expect((doc as { spec: unknown }).spec).toEqual(parse(fs.readFileSync(RULES, 'utf8')));
  });

  it('the PodMonitors pass their CRD schema and scrape the manifests’ metrics port every 15 s', () => {
    const monitors = docs('examples/kubernetes/podmonitor.yaml');
    expect(monitors).toHaveLength(2);
    for (const doc of monitors) {
      expect(() => new PodMonitor(doc as never).validate()).not.toThrow();
      expect(doc).toMatchObject({ spec: { podMetricsEndpoints: [{ port: 'metrics', interval: '15s' }] } });
    }
  });

  itWithTools(['promtool'])(
    'takes the job selector, runbook base URL, namespace and labels as parameters, and the result passes promtool',
    () => {
      const config = {
        jobSelector: 'job="kubernetes-pods", container="oss-error-exporter"',
        runbookBaseUrl: 'https://wiki.example.com/runbooks/oss',
        namespace: 'observability',
        labels: { release: 'kube-prometheus-stack' },
      };
      const groups = build.buildRules(config);
      const rules = groups.flatMap((g) => g.rules);
      expect(rules.find((r) => r.alert === 'OssExporterDown')?.expr).toBe(
        'up{job="kubernetes-pods", container="oss-error-exporter"} == 0',
      );
      for (const r of rules.filter((rule) => rule.alert))
        expect(r.annotations?.runbook_url).toBe(
          `https://wiki.example.com/runbooks/oss#${r.alert?.toLowerCase()}`,
        );
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'oee-rules-'));
      const out = execFileSync(
        process.execPath,
        [
          path.join(ROOT, 'dashboards/build.mjs'),
          '--job-selector',
          config.jobSelector,
          '--runbook-base-url',
          config.runbookBaseUrl,
          '--namespace',
          config.namespace,
          '--label',
          'release=kube-prometheus-stack',
          '--out',
          dir,
        ],
        { encoding: 'utf8' },
      );
      expect(out).toContain('prometheusrule.yaml');
      const [doc] = parseAllDocuments(
        fs.readFileSync(path.join(dir, 'examples/kubernetes/prometheusrule.yaml'), 'utf8'),
      ).map(
        (d) => d.toJS() as { metadata: { namespace: string; labels: Record<string, string> }; spec: unknown },
      );
      expect(doc?.metadata.namespace).toBe('observability');
      expect(doc?.metadata.labels.release).toBe('kube-prometheus-stack');
      expect(doc?.spec).toEqual({ groups });
      fs.writeFileSync(path.join(dir, 'rules.yml'), JSON.stringify(doc?.spec));
      expect(promtool('check', 'rules', path.join(dir, 'rules.yml'))).toContain('SUCCESS');
    },
  );

  it('refuses a relative runbook base URL, repeating it', () => {
    expect(() =>
      execFileSync(
        process.execPath,
        [path.join(ROOT, 'dashboards/build.mjs'), '--runbook-base-url', 'README.md'],
        {
          stdio: 'pipe',
        },
      ),
    ).toThrow(/--runbook-base-url README\.md: expected an absolute http\(s\) URL/);
  });
});
