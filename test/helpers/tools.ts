// Tests that need an outside program check for it first: under CI=true a missing one fails, naming its Debian
// package; elsewhere the tests are skipped with that message. No test waits on a program that is not there.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import { describe, it } from 'vitest';

/** The outside programs the tests use, each with the Debian package that installs it. */
export const TOOLS = {
  promtool: { command: 'promtool', debian: 'prometheus' },
  prometheus: { command: 'prometheus', debian: 'prometheus' },
  amtool: { command: 'amtool', debian: 'prometheus-alertmanager' },
  chromium: { command: 'chromium', debian: 'chromium' },
  'docker-compose': { command: 'docker-compose', debian: 'docker-compose' },
  openssl: { command: 'openssl', debian: 'openssl' },
  curl: { command: 'curl', debian: 'curl' },
  nginx: { command: 'nginx', debian: 'nginx' },
  'nginx-lua': { file: '/usr/lib/nginx/modules/ndk_http_module.so', debian: 'libnginx-mod-http-lua' },
  'nginx-njs': { file: '/usr/lib/nginx/modules/ngx_http_js_module.so', debian: 'libnginx-mod-http-js' },
  mtail: { command: 'mtail', debian: 'mtail' },
} as const satisfies Record<string, { command: string; debian: string } | { file: string; debian: string }>;

export type Tool = keyof typeof TOOLS;

function onPath(command: string): boolean {
  try {
    execFileSync('/bin/sh', ['-c', `command -v ${command}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** The tools of `needed` that this machine lacks. */
export function missingTools(needed: readonly Tool[]): Tool[] {
  return needed.filter((name) => {
    const tool: { command?: string; file?: string } = TOOLS[name];
    return tool.command !== undefined ? !onPath(tool.command) : !fs.existsSync(tool.file as string);
  });
}

/** One line naming what is missing and how to install it. */
export function missingMessage(missing: readonly Tool[]): string {
  const packages = [...new Set(missing.map((name) => TOOLS[name].debian))].join(' ');
  return `needs ${missing.join(', ')}: apt-get install ${packages}`;
}

/**
 * `describe` for tests that need outside programs: the real one when all are there; otherwise one test that
 * fails under CI=true (CI must have everything) or is skipped elsewhere, its name saying what to install.
 */
export function describeWithTools(needed: readonly Tool[]): (name: string, body: () => void) => void {
  const missing = missingTools(needed);
  if (missing.length === 0) return (name, body) => describe(name, body);
  const message = missingMessage(missing);
  if (process.env.CI === 'true') {
    return (name) =>
      describe(name, () => {
        it(message, () => {
          throw new Error(`${message} (CI=true: every tool must be installed)`);
        });
      });
  }
  return (name) => describe(name, () => it.skip(message, () => {}));
}
