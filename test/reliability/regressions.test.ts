// Inputs that once broke the exporter (test/fixtures/regressions/), replayed whole and in small chunks.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { extractRecord } from '../../src/extract/index.js';
import { cut, runChunks } from '../helpers/pipeline.js';

const DIR = path.join(import.meta.dirname, '../fixtures/regressions');
const CASES = fs.readdirSync(DIR).filter((f) => f.endsWith('.log'));

describe('regression fixtures', () => {
  it('has the cases the README lists', () => {
    expect(CASES.length).toBeGreaterThanOrEqual(3);
  });

  it.each(CASES)(
    '%s: never throws, and the sentinel body after it comes out, in any chunking',
    async (name) => {
      const bytes = fs.readFileSync(path.join(DIR, name));
      for (const chunks of [[bytes], cut(bytes, [7]), cut(bytes, [1])]) {
        const { events, stats } = await runChunks(chunks);
        expect(events.filter((e) => e.requestId === 'SENTINEL')).toHaveLength(1);
        expect(stats.failures.internal).toBe(0);
      }
    },
  );
});

describe('S3 InvalidToken', () => {
  it('never shows the rejected token it echoes in Token-0', () => {
    const { events } = extractRecord(
      {
        text: '<Error><Code>InvalidToken</Code><Message>The provided token is malformed.</Message><Token-0>FQoGZXIvYXdzEXAMPLETOKEN</Token-0></Error>',
        source: 't',
        line: 1,
      },
      '2026-11-24T00:00:00.000Z',
    );
    expect(events[0]?.details).toEqual({ 'Token-0': '[REDACTED]' });
    expect(JSON.stringify(events)).not.toContain('FQoGZXIvYXdzEXAMPLETOKEN');
  });
});
