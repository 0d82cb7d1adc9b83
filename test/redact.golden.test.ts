// Each provider's signing scheme, field by field, through the real framing and extraction: a golden log in, golden events out.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { SIGNING_SCHEMES } from '../src/extract/signing-schemes.js';
import { runChunks, stable } from './helpers/pipeline.js';
import { leaked } from './helpers/secrets.js';

const DIR = path.join(import.meta.dirname, 'fixtures/secrets');
const LOG = fs.readFileSync(path.join(DIR, 'providers.log'), 'utf8');
const DOCS = fs.readFileSync(path.join(import.meta.dirname, '../docs/secrets.md'), 'utf8');
const FIELDS = [...new Set(SIGNING_SCHEMES.flatMap((s) => s.fields.map((f) => f.name)))];
// `# secrets: a b c` above each scheme's lines lists the values planted in them.
const PLANTED = [...LOG.matchAll(/^# secrets: (.*)$/gm)].flatMap((m) => (m[1] as string).split(' '));

describe('per-provider golden file', () => {
  it('gives its golden events', async () => {
    const since = Date.now();
    const { events } = await runChunks([Buffer.from(LOG)], undefined, 'providers.log');
    const actual = stable(events, since);
    const golden = path.join(DIR, 'providers.events.json');
    if (process.env.UPDATE_GOLDEN) fs.writeFileSync(golden, `${JSON.stringify(actual, null, 2)}\n`);
    expect(actual).toEqual(JSON.parse(fs.readFileSync(golden, 'utf8')));
  });

  it('lets none of the planted values out, in any encoding', async () => {
    const { events } = await runChunks([Buffer.from(LOG)]);
    expect(PLANTED.length).toBeGreaterThan(30);
    expect(leaked(LOG, PLANTED)).toEqual(PLANTED);
    expect(leaked(JSON.stringify(events), PLANTED)).toEqual([]);
  });

  it('uses every field of every scheme, and the docs list them all', () => {
    const low = LOG.toLowerCase();
    expect(FIELDS.filter((name) => !low.includes(name.toLowerCase()))).toEqual([]);
    expect(FIELDS.filter((name) => !DOCS.includes(`\`${name}\``))).toEqual([]);
    for (const { provider } of SIGNING_SCHEMES) expect(LOG).toContain(`# ${provider} — `);
  });
});
