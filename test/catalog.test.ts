// The catalogue against the seed document itself, row by row.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { CATALOG, KNOWN_CODES, lookupCode, statusClass } from '../src/catalog/index.js';

const SEED = path.resolve(import.meta.dirname, '../docs/reference/oss-error-response.md');

/** The seed's HTML tables are not well formed (a stray </tbody>, a row without <tr>): read cells in threes. */
function seedRows(): { code: string; description: string; status: number }[] {
  const text = fs.readFileSync(SEED, 'utf8');
  const cells = [...text.matchAll(/<td>([\s\S]*?)<\/td>/g)].map((m) => (m[1] as string).trim());
  const rows = [];
  for (let i = 0; i < cells.length; i += 3) {
    rows.push({
      code: cells[i] as string,
      description: cells[i + 1] as string,
      status: Number(cells[i + 2]),
    });
  }
  return rows;
}

describe('catalogue', () => {
  const rows = seedRows();

  it('has every row of the seed document, in order, with its status and description', () => {
    expect(rows).toHaveLength(81);
    expect(CATALOG.map(({ code, description, status }) => ({ code, description, status }))).toEqual(rows);
  });

  it('has 78 distinct codes', () => {
    expect(new Set(rows.map((r) => r.code)).size).toBe(78);
    expect(KNOWN_CODES).toHaveLength(78);
  });

  it('derives each status class from the row status', () => {
    for (const entry of CATALOG) expect(entry.class).toBe(statusClass(entry.status));
  });

  it.each([
    ['TemporaryRedirect', [302, 307], null],
    ['InvalidParamError', [400, 400], 400],
    ['SignatureDoesNotMatch', [403, 403], 403],
  ])('keeps both rows of %s', (code, statuses, single) => {
    const info = lookupCode(code);
    expect(info?.rows.map((r) => r.status)).toEqual(statuses);
    expect(info?.status).toBe(single);
  });

  it.each([
    ['InternalError', 'InternalErrror'],
    ['InternalErrror', 'InternalErrror'],
    ['CompressOjectsNumError', 'CompressOjectsNumError'],
    ['CompressObjectsNumError', 'CompressOjectsNumError'],
  ])('accepts %s as the entry %s', (given, canonical) => {
    expect(lookupCode(given)?.code).toBe(canonical);
  });

  it.each([
    ['NoSuchKey', 'not-found'],
    ['AccessDenied', 'auth'],
    ['SignatureDoesNotMatch', 'auth'],
    ['InvalidAccessKeyId', 'auth'],
    ['SlowDown', 'throttling'],
    ['ServiceUnavailable', 'throttling'],
    ['InternalErrror', 'server'],
    ['PermanentRedirect', 'redirect'],
    ['BucketNotEmpty', 'conflict'],
    ['InvalidArgument', 'client-request'],
  ])('puts %s in category %s', (code, category) => {
    expect(lookupCode(code)?.category).toBe(category);
  });

  it('does not know codes outside the document', () => {
    expect(lookupCode('NoSuchVersion')).toBeUndefined();
    expect(lookupCode('')).toBeUndefined();
  });
});
