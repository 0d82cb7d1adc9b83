// Real JavaScript SDKs (aws-sdk v2, @aws-sdk/client-s3, minio, ali-oss) fail against real local servers; what
// they print goes through the built CLI, plain and wrapped by Docker and CRI, and each error is one event.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI, ROOT } from './helpers/cli.js';

const APP = path.join(ROOT, 'test/helpers/sdk-app.mjs');

type Expected = [code: string, status: number, requestId: string | null, sdk: string];

// In the order sdk-app.mjs runs its cases. s3rver sends no request id; the small XML server names it after the key.
const CASES: [name: string, expected: Expected][] = [
  ['v3 s3rver missing key', ['NoSuchKey', 404, null, 'aws-sdk-js-v3']],
  ['v3 s3rver missing bucket', ['NoSuchBucket', 404, null, 'aws-sdk-js-v3']],
  ['v3 s3rver bad credentials', ['InvalidAccessKeyId', 403, null, 'aws-sdk-js-v3']],
  ['v3 s3rver head', ['NotFound', 404, null, 'aws-sdk-js-v3']],
  ['v2 s3rver missing key', ['NoSuchKey', 404, null, 'aws-sdk-js']],
  ['v2 s3rver missing bucket', ['NoSuchBucket', 404, null, 'aws-sdk-js']],
  ['v3 missing key', ['NoSuchKey', 404, 'REQ-V3-KEY', 'aws-sdk-js-v3']],
  ['v3 bad credentials', ['InvalidAccessKeyId', 403, 'REQ-V3-CRED', 'aws-sdk-js-v3']],
  ['v2 missing key', ['NoSuchKey', 404, 'REQ-V2-KEY', 'aws-sdk-js']],
  ['v2 missing bucket', ['NoSuchBucket', 404, 'REQ-V2-BUCKET', 'aws-sdk-js']],
  ['minio-js missing key', ['NoSuchKey', 404, 'REQ-MINIO-KEY', 'minio-js']],
  ['minio-js stat', ['NotFound', 404, 'REQ-MINIO-STAT', 'minio-js']],
  ['ali-oss get', ['NoSuchKey', 404, 'REQ-ALI-KEY', 'ali-oss']],
  ['ali-oss head', ['NoSuchKey', 404, 'REQ-ALI-HEAD', 'ali-oss']],
];

type Frame = 'plain' | 'docker' | 'cri';
const frame = (lines: string[], how: Frame): string[] =>
  lines.map((line, i) => {
    const time = `2026-11-24T10:00:00.${String(i).padStart(9, '0')}Z`;
    if (how === 'docker') return JSON.stringify({ log: `${line}\n`, stream: 'stderr', time });
    if (how === 'cri') return `${time} stderr F ${line}`;
    return line;
  });

let dir: string;
const printed = new Map<string, string[]>();

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sdk-js-'));
  for (const print of ['inspect', 'json', 'jsonlog', 'string']) {
    const out = execFileSync(process.execPath, [APP, '--print', print], {
      encoding: 'utf8',
      timeout: 60_000,
    });
    printed.set(print, out.trimEnd().split('\n'));
  }
}, 120_000);

afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

interface Event {
  code: string;
  status: number;
  requestId: string | null;
  sdk: string;
  shape: string;
  line: number;
}

function runCli(name: string, lines: string[]): Event[] {
  const file = path.join(dir, `${name}.log`);
  fs.writeFileSync(file, `${lines.join('\n')}\n`);
  const out = execFileSync(process.execPath, [CLI, '--no-progress', file], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  return out
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Event);
}

/** Each event under the case whose `INFO case …` line comes before it. */
function byCase(lines: string[], events: Event[]): Map<string, Expected[]> {
  const starts = CASES.map(([name]) => lines.findIndex((l) => l.endsWith(`INFO case ${name}`)) + 1);
  expect(starts.every((s) => s > 0)).toBe(true);
  const out = new Map<string, Expected[]>(CASES.map(([name]) => [name, []]));
  for (const e of events) {
    let at = -1;
    starts.forEach((s, i) => {
      if (s < e.line) at = i;
    });
    const name = CASES[at]?.[0] ?? 'before the first case';
    out.set(name, [...(out.get(name) ?? []), [e.code, e.status, e.requestId, e.sdk]]);
  }
  return out;
}

describe('errors printed by real JavaScript SDKs', () => {
  it.each([
    ['util.inspect (console.error), plain', 'inspect', 'plain'],
    ['util.inspect, Docker json-file', 'inspect', 'docker'],
    ['util.inspect, CRI', 'inspect', 'cri'],
    ['JSON.stringify(err) as a line', 'json', 'plain'],
    ['a JSON log line as pino serializes the error', 'jsonlog', 'plain'],
    ['a pino JSON log line, Docker json-file', 'jsonlog', 'docker'],
  ] as const)('%s: one event per error with its code, status and request id', (name, print, how) => {
    const lines = printed.get(print) ?? [];
    const events = runCli(name.replace(/\W+/g, '-'), frame(lines, how));
    expect(events.every((e) => e.shape === 'sdk')).toBe(true);
    const found = byCase(lines, events);
    for (const [caseName, expected] of CASES) {
      // A bare JSON.stringify of an aws-sdk v2/v3 error has no stack and no marker the cheap check knows
      // (`Error`, `xception`): only ali-oss's and minio's names (and v3's `UnknownError`) carry one.
      const bare = print === 'json' && expected[3].startsWith('aws-sdk-js') && caseName !== 'v3 s3rver head';
      expect({ caseName, events: found.get(caseName) }).toEqual({ caseName, events: bare ? [] : [expected] });
    }
  });

  it('String(err) alone (a name and a message, no status, no request id) is no event', () => {
    const lines = printed.get('string') ?? [];
    expect(lines.some((l) => l.startsWith('NoSuchKey: The specified key does not exist.'))).toBe(true);
    expect(runCli('string', lines)).toEqual([]);
  });
});
