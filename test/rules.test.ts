// The Prometheus rules: promtool checks them and runs their unit tests (each alert fires and stays quiet).
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { ROOT } from './helpers/cli.js';

const RULES = path.join(ROOT, 'dashboards/oss-errors.rules.yml');
const TESTS = path.join(ROOT, 'dashboards/tests/oss-errors.rules.test.yml');

function promtool(...args: string[]): string {
  return execFileSync('promtool', args, { cwd: ROOT, encoding: 'utf8', stdio: 'pipe' });
}

interface Rule {
  alert?: string;
  record?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

describe('alert rules', () => {
  const groups = (parse(fs.readFileSync(RULES, 'utf8')) as { groups: { rules: Rule[] }[] }).groups;
  const alerts = groups.flatMap((g) => g.rules).filter((r) => r.alert);

  it('pass promtool check rules', () => {
    expect(promtool('check', 'rules', RULES)).toContain('SUCCESS');
  });

  it('pass their promtool unit tests', () => {
    expect(promtool('test', 'rules', TESTS)).toContain('SUCCESS');
  });

  it('give every alert a severity, a summary, a description and a runbook entry that exists in the README', () => {
    const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
    for (const alert of alerts) {
      expect(['page', 'ticket', 'warning']).toContain(alert.labels?.severity);
      expect(alert.annotations?.summary).toBeTruthy();
      expect(alert.annotations?.description).toBeTruthy();
      expect(alert.annotations?.runbook_url).toBe(`README.md#${alert.alert?.toLowerCase()}`);
      expect(readme).toContain(`### ${alert.alert}`);
    }
  });

  it('has a unit test for every alert', () => {
    const tested = fs.readFileSync(TESTS, 'utf8');
    for (const alert of alerts) expect(tested).toContain(`alertname: ${alert.alert}`);
  });
});
