// Alerts that page in time, and only then: synthetic incidents backfilled into a real Prometheus TSDB at 15 s
// scrapes (dashboards/alert-delays.mjs); each incident fires within 5 minutes of onset, no quiet shape ever fires.
import fs from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import {
  firings,
  measure,
  RULES,
  ruleLevels,
  type ScenarioResult,
  STEP,
  table,
} from '../dashboards/alert-delays.mjs';
import { ROOT } from './helpers/cli.js';
import { describeWithTools } from './helpers/tools.js';

describe('applying an alert’s for: to a query_range result', () => {
  const at = (...steps: number[]) => steps.map((s) => [1000 + s * STEP, '1'] as [number, string]);
  it.each([
    {
      name: 'fires once true for the whole for',
      steps: [0, 1, 2, 3, 4, 5, 6, 7, 8],
      forS: 120,
      expected: [1120],
    },
    { name: 'for: 0 fires at the first evaluation', steps: [3, 4], forS: 0, expected: [1045] },
    {
      name: 'a gap resets the pending alert',
      steps: [0, 1, 2, 3, 5, 6, 7, 8, 9, 10, 11, 12, 13],
      forS: 120,
      expected: [1195],
    },
    {
      name: 'never true for long enough: never fires',
      steps: [0, 1, 2, 3, 4, 5, 6, 7],
      forS: 120,
      expected: [],
    },
    { name: 'fires again after a gap', steps: [0, 1, 3, 4], forS: 15, expected: [1015, 1060] },
  ])('$name', ({ steps, forS, expected }) => {
    expect(firings([{ metric: {}, values: at(...steps) }], forS).map((f) => f.at)).toEqual(expected);
  });
});

describe('the recording rules, by backfill level', () => {
  it('puts each rule after the recording rules it reads', () => {
    const groups = (parse(fs.readFileSync(RULES, 'utf8')) as { groups: Parameters<typeof ruleLevels>[0] })
      .groups;
    const levels = ruleLevels(groups).map((rules) => rules.map((r) => r.record));
    expect(levels).toHaveLength(2);
    expect(levels[1]?.sort()).toEqual([
      'job:oss_errors:rate5m:avg1h',
      'job_category:oss_errors:rate5m:avg1h',
    ]);
  });
});

describeWithTools(['promtool', 'prometheus'])(
  'first-fire times of the alert rules on synthetic incidents (real promtool backfill + prometheus)',
  () => {
    let results: ScenarioResult[];
    const of = (name: string) => results.find((r) => r.scenario === name) as ScenarioResult;

    beforeAll(async () => {
      results = await measure();
    }, 120_000);

    it.each([
      { scenario: '5xx spike', alert: 'OssErrorRateSpike', category: 'server' },
      { scenario: 'auth-failure surge', alert: 'OssAuthFailureSurge', category: 'auth' },
      { scenario: 'throttling storm', alert: 'OssErrorRateSpike', category: 'throttling' },
      { scenario: '404 storm', alert: 'OssErrorRateSpike', category: 'not-found' },
    ])(
      '$scenario: $alert{category="$category"} fires first, within 5 minutes of onset',
      ({ scenario, alert, category }) => {
        const first = of(scenario).firings[0];
        expect([first?.alert, first?.labels.category]).toEqual([alert, category]);
        expect(first?.after).toBeGreaterThan(0);
        expect(first?.after).toBeLessThanOrEqual(5 * 60);
      },
    );

    it.each(['5xx spike', 'auth-failure surge', 'throttling storm', '404 storm'])(
      '%s: nothing fires before the onset',
      (scenario) => {
        expect(of(scenario).firings.filter((f) => f.after <= 0)).toEqual([]);
      },
    );

    it.each(['steady traffic', 'diurnal swing', 'low-traffic blip'])(
      '%s: no alert ever fires',
      (scenario) => {
        expect(of(scenario).firings).toEqual([]);
      },
    );

    it("the README's detection-delay table is the measured one (`npm run alert-delays` prints it)", () => {
      const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
      const section = readme.slice(
        readme.indexOf('### Detection delays'),
        readme.indexOf('### OssErrorRateSpike'),
      );
      // Cells as text: the formatter pads the README's table, and its separator row is dashes of any length.
      const rows = (text: string) =>
        text
          .split('\n')
          .filter((l) => l.startsWith('|') && !/^\|[\s|-]+\|$/.test(l))
          .map((l) => l.split('|').map((c) => c.trim()));
      expect(rows(section)).toEqual(rows(table(results)));
    });
  },
);
