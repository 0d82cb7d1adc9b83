// --event-format native|ecs|otel through the real CLI, batch and follow mode, against golden files.
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as semconv from '@opentelemetry/semantic-conventions';
import * as incubating from '@opentelemetry/semantic-conventions/incubating';
import { describe, expect, it } from 'vitest';
import { EVENT_FORMATS } from '../src/config.js';
import { cloudProvider, OTEL, toOtel } from '../src/sinks/event-formats.js';
import { CLI, ROOT, spawnCli, waitFor } from './helpers/cli.js';

const FIXTURE = 'test/fixtures/events/shippers.log';
const golden = (format: string) => path.join(ROOT, `test/fixtures/events/shippers.${format}.json`);
// Planted in the fixture: a presigned URL's signature, a body's signature and string to sign, an access key.
const SECRETS = ['deadbeefcafe', 'c2VjcmV0LXNpZ25hdHVyZQ', 'AKIAIOSFODNN7EXAMPLE', 'PUT\\n\\n/b/sig'];

function batch(args: readonly string[]): string {
  return execFileSync(process.execPath, [CLI, '--no-summary', ...args, FIXTURE], {
    cwd: ROOT,
    encoding: 'utf8',
  });
}

const lines = (ndjson: string) =>
  ndjson
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as unknown);

function checkGolden(format: string, ndjson: string): void {
  const actual = lines(ndjson);
  if (process.env.UPDATE_GOLDEN) fs.writeFileSync(golden(format), `${JSON.stringify(actual, null, 2)}\n`);
  expect(actual).toEqual(JSON.parse(fs.readFileSync(golden(format), 'utf8')));
}

describe('--event-format in batch mode', () => {
  it.each(EVENT_FORMATS)('%s gives its golden events', (format) => {
    const out = batch(['--event-format', format]);
    expect(lines(out)).toHaveLength(5);
    checkGolden(format, out);
  });

  it('native is the default, byte for byte', () => {
    expect(batch(['--event-format', 'native'])).toBe(batch([]));
  });

  it.each(['ecs', 'otel'])('%s leaves absent values out rather than null', (format) => {
    const out = batch(['--event-format', format]);
    expect(out).not.toContain('null');
  });

  it.each(EVENT_FORMATS)('%s carries no planted secret', (format) => {
    const out = batch(['--event-format', format]);
    for (const secret of SECRETS)
      expect([format, secret, out.includes(secret)]).toEqual([format, secret, false]);
    expect(out).toContain('[REDACTED]');
  });
});

describe('--event-format in follow mode', () => {
  it.each(EVENT_FORMATS)(
    '%s gives the same golden events while following',
    async (format) => {
      // The same relative path as in batch mode, so `source` and its mapped fields match the golden file.
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'oee-formats-'));
      fs.mkdirSync(path.join(dir, path.dirname(FIXTURE)), { recursive: true });
      fs.copyFileSync(path.join(ROOT, FIXTURE), path.join(dir, FIXTURE));
      const cli = spawnCli(['-F', '--listen', '127.0.0.1:0', '--event-format', format, FIXTURE], {
        cwd: dir,
      });
      try {
        await waitFor('five events', () => (lines(cli.stdout()).length >= 5 ? true : undefined), 20_000);
      } finally {
        cli.child.kill('SIGTERM');
      }
      expect(await cli.exited).toBe(0);
      checkGolden(format, cli.stdout());
      fs.rmSync(dir, { recursive: true, force: true });
    },
    30_000,
  );
});

describe('--event-format validation', () => {
  it.each([
    [
      'an unknown format',
      ['--event-format', 'xml'],
      "--event-format: expected one of native, ecs, otel, got 'xml'",
    ],
    [
      'the wrong case',
      ['--event-format', 'ECS'],
      "--event-format: expected one of native, ecs, otel, got 'ECS'",
    ],
    ['an empty value', ['--event-format='], "--event-format: expected one of native, ecs, otel, got ''"],
    ['no value', ['--event-format'], "Option '--event-format <value>' argument missing"],
  ])('%s: one line naming the flag, exit 2', (_name, args, message) => {
    const run = spawnSync(process.execPath, [CLI, FIXTURE, ...args], { cwd: ROOT, encoding: 'utf8' });
    expect([run.status, run.stderr, run.stdout]).toEqual([2, `oss-error-exporter: ${message}\n`, '']);
  });
});

describe('OpenTelemetry attribute names', () => {
  it('are the semantic conventions package names', () => {
    const all = { ...incubating, ...semconv } as Record<string, unknown>;
    const expected = {
      httpResponseStatusCode: all.ATTR_HTTP_RESPONSE_STATUS_CODE,
      httpRequestMethod: all.ATTR_HTTP_REQUEST_METHOD,
      urlPath: all.ATTR_URL_PATH,
      urlQuery: all.ATTR_URL_QUERY,
      userAgentOriginal: all.ATTR_USER_AGENT_ORIGINAL,
      clientAddress: all.ATTR_CLIENT_ADDRESS,
      serverAddress: all.ATTR_SERVER_ADDRESS,
      errorType: all.ATTR_ERROR_TYPE,
      errorMessage: all.ATTR_ERROR_MESSAGE,
      awsRequestId: all.ATTR_AWS_REQUEST_ID,
      awsS3Bucket: all.ATTR_AWS_S3_BUCKET,
      awsS3Key: all.ATTR_AWS_S3_KEY,
      cloudProvider: all.ATTR_CLOUD_PROVIDER,
      logFilePath: all.ATTR_LOG_FILE_PATH,
    };
    expect(OTEL).toEqual(expected);
  });

  it('uses the conventions cloud.provider values', () => {
    const values = Object.entries(incubating)
      .filter(([name]) => name.startsWith('CLOUD_PROVIDER_VALUE_'))
      .map(([, value]) => value);
    expect(values).toEqual(expect.arrayContaining(['aws', 'alibaba_cloud', 'tencent_cloud', 'gcp']));
  });
});

describe('OpenTelemetry severity', () => {
  const event = (cls: string) =>
    ({ class: cls, code: 'X', message: '', time: '', details: {}, request: null }) as never;
  it.each([
    ['a server error', '5xx', 'ERROR', 17],
    ['an error with no status', 'unknown', 'ERROR', 17],
    ['a client error', '4xx', 'WARN', 13],
    ['a redirect', '3xx', 'INFO', 9],
  ])('%s is %s', (_name, cls, text, number) => {
    expect(toOtel(event(cls))).toMatchObject({ SeverityText: text, SeverityNumber: number });
  });
});

describe('cloud provider', () => {
  const event = (host: string | undefined, details: Record<string, unknown> = {}) =>
    ({ request: host === undefined ? null : { host }, details }) as Parameters<typeof cloudProvider>[0];
  it.each([
    ['aws', 'aws', event('media.s3.eu-west-1.amazonaws.com')],
    ['aws China', 'aws', event('b.s3.cn-north-1.amazonaws.com.cn:443')],
    [
      'alibaba_cloud from the HostId',
      'alibaba_cloud',
      event(undefined, { HostId: 'b.oss-cn-hangzhou.aliyuncs.com' }),
    ],
    ['tencent_cloud', 'tencent_cloud', event('b-1250000000.cos.ap-guangzhou.myqcloud.com')],
    ['gcp', 'gcp', event('storage.googleapis.com')],
    ['aws from the Endpoint', 'aws', event('gw.internal', { Endpoint: 'photos.s3.us-west-2.amazonaws.com' })],
    ['a self-hosted store', undefined, event('minio.internal:9000')],
    ['a look-alike host', undefined, event('amazonaws.com.evil.example')],
    ['an S3 HostId that is not a host', undefined, event(undefined, { HostId: 'x1Yz/AbC+d==' })],
    ['no host at all', undefined, event(undefined)],
  ])('%s', (_name, expected, input) => {
    expect(cloudProvider(input)).toBe(expected);
  });
});
