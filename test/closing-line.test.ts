// The closing line CI reads, and the check for outside programs, run for real in a nested vitest.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from './helpers/cli.js';

const VITEST = path.join(ROOT, 'node_modules/vitest/vitest.mjs');
const REPORTER = path.join(ROOT, 'test/closing-line-reporter.ts');
const TOOLS = path.join(ROOT, 'test/helpers/tools.ts');

/** Runs vitest over the given test files (with globals, as they live outside the repository). */
function nestedRun(
  files: Record<string, string>,
  env: NodeJS.ProcessEnv,
): { status: number | null; out: string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'oee-closing-'));
  for (const [name, text] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), text);
  const run = spawnSync(
    process.execPath,
    [VITEST, 'run', '--root', dir, '--globals', '--reporter', 'verbose', '--reporter', REPORTER],
    { cwd: dir, env: { ...process.env, ...env }, encoding: 'utf8' },
  );
  return { status: run.status, out: run.stdout + run.stderr };
}

const closingLine = (out: string) => out.match(/^tests: \d+ passed, \d+ failed, \d+ skipped$/m)?.[0];

describe('the closing line', () => {
  it('counts a test file that fails to load as a failure', () => {
    const run = nestedRun(
      {
        'broken.test.ts': "throw new Error('this file does not load');\n",
        'fine.test.ts': "test('passes', () => {});\ntest.skip('is skipped', () => {});\n",
      },
      {},
    );
    expect(run.status).toBe(1);
    expect(closingLine(run.out)).toBe('tests: 1 passed, 1 failed, 1 skipped');
  });

  it('counts a hook that throws outside any test as a failure', () => {
    const run = nestedRun(
      {
        'hook.test.ts':
          "beforeAll(() => { throw new Error('no server'); });\ntest('never runs', () => {});\n",
      },
      {},
    );
    expect(run.status).toBe(1);
    expect(closingLine(run.out)).toMatch(/^tests: 0 passed, [1-9]\d* failed/);
  });
});

describe('tests that need an outside program', () => {
  const files = {
    'tool.test.ts': [
      `import { describeWithTools } from ${JSON.stringify(TOOLS)};`,
      "describeWithTools(['nginx', 'promtool'])('a real gateway', () => { test('runs', () => {}); });",
      '',
    ].join('\n'),
  };
  // A PATH with none of the tools on it: the machine without Debian's packages.
  const bare = { PATH: fs.mkdtempSync(path.join(os.tmpdir(), 'oee-empty-path-')) };

  it('fail under CI=true, naming the Debian packages to install', () => {
    const run = nestedRun(files, { ...bare, CI: 'true' });
    expect(run.status).toBe(1);
    expect(run.out).toContain('needs nginx, promtool: apt-get install nginx prometheus');
    expect(closingLine(run.out)).toBe('tests: 0 passed, 1 failed, 0 skipped');
  });

  it('are skipped elsewhere, with the same message', () => {
    const run = nestedRun(files, { ...bare, CI: '' });
    expect(run.status).toBe(0);
    expect(run.out).toContain('needs nginx, promtool: apt-get install nginx prometheus');
    expect(closingLine(run.out)).toBe('tests: 0 passed, 0 failed, 1 skipped');
  });
});
