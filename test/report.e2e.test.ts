// The HTML report built by the real CLI and opened in headless Chromium (Debian's, via playwright-core):
// offline, no console errors, charts drawn, tables right, and hostile log content shown as text only.
/// <reference lib="dom" />
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { incidentLog } from '../docs/screenshot.mjs';
import { CLI, SAMPLE } from './helpers/cli.js';
import { describeWithTools } from './helpers/tools.js';

const HOSTILE = [
  '10.0.0.1 - - [24/Nov/2026:07:00:00 +0000] "GET /b/k HTTP/1.1" 404 1 "-" "ua" "<Error><Code>NoSuchKey</Code><Key>&lt;/script&gt;&lt;script&gt;window.pwned=1&lt;/script&gt;</Key><BucketName>b</BucketName><RequestId>&lt;img src=x onerror=window.pwned=2&gt;</RequestId></Error>"',
  '10.0.0.1 - - [24/Nov/2026:07:00:01 +0000] "GET /b/k HTTP/1.1" 400 1 "-" "ua" "<Error><Code>&lt;b&gt;Bold&lt;/b&gt;</Code><Message>&lt;!-- x --&gt;</Message></Error>"',
].join('\n');

describeWithTools(['chromium'])('the incident report in a browser', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'oee-report-'));
  const html = path.join(dir, 'report.html');
  const logs = [SAMPLE, path.join(dir, 'incident.log'), path.join(dir, 'hostile.log')];
  let browser: Browser;
  let page: Page;
  const consoleErrors: string[] = [];
  const requests: string[] = [];
  const dialogs: string[] = [];

  beforeAll(async () => {
    fs.writeFileSync(logs[1] as string, incidentLog());
    fs.writeFileSync(logs[2] as string, `${HOSTILE}\n`);
    execFileSync(process.execPath, [CLI, 'report', ...logs, '-o', html], { stdio: 'pipe' });
    browser = await chromium.launch({
      executablePath: '/usr/bin/chromium',
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
    page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
    page.on('console', (m) => {
      if (m.type() === 'error') consoleErrors.push(m.text());
    });
    page.on('pageerror', (e) => consoleErrors.push(e.message));
    page.on('dialog', (d) => {
      dialogs.push(d.message());
      void d.dismiss();
    });
    await page.route('**/*', (route) => {
      const url = route.request().url();
      if (url === `file://${html}`) return route.continue();
      requests.push(url);
      return route.abort();
    });
    await page.goto(`file://${html}`);
    await page.waitForSelector('#codes tr:nth-child(2)');
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
  });

  it('is one small self-contained file', () => {
    const size = fs.statSync(html).size;
    expect(size).toBeLessThan(300_000);
    expect(fs.readFileSync(html, 'utf8')).not.toMatch(/<script[^>]+src=|<link[^>]+href=/);
  });

  it('opens offline with no console errors and no request at all', () => {
    expect(consoleErrors).toEqual([]);
    expect(requests).toEqual([]);
  });

  it('draws both charts (non-blank canvases)', async () => {
    const inked = await page.evaluate(() =>
      [...document.querySelectorAll('canvas')].map((c) => {
        const d = (c.getContext('2d') as CanvasRenderingContext2D).getImageData(0, 0, c.width, c.height).data;
        let n = 0;
        for (let i = 3; i < d.length; i += 4) if ((d[i] as number) > 0) n++;
        return n;
      }),
    );
    expect(inked).toHaveLength(2);
    for (const n of inked) expect(n).toBeGreaterThan(1000);
  });

  it('lists every code with the count the batch CLI gives for the same logs', async () => {
    const events = execFileSync(process.execPath, [CLI, '--no-summary', ...logs], {
      encoding: 'utf8',
      maxBuffer: 256 << 20,
    })
      .split('\n')
      .filter(Boolean)
      .map((l) => (JSON.parse(l) as { code: string }).code);
    const expected = new Map<string, number>();
    for (const code of events) expected.set(code, (expected.get(code) ?? 0) + 1);
    const rows = await page.$$eval('#codes tr', (trs) =>
      trs.slice(1).map((tr) => [...tr.querySelectorAll('td')].slice(0, 2).map((td) => td.textContent ?? '')),
    );
    const shown = new Map(
      rows.map(([code, count]) => [code as string, Number((count as string).replace(/,/g, ''))]),
    );
    expect(shown).toEqual(expected);
  });

  it('marks the incident as a spike and shows the inputs', async () => {
    const spikes = await page.$$eval('#spikes tr', (trs) => trs.length - 1);
    expect(spikes).toBeGreaterThan(0);
    const inputs = await page.textContent('#inputs');
    expect(inputs).toContain('lines read');
    expect(inputs).toContain('error ratio');
  });

  it('shows hostile log content as text, never as markup or script', async () => {
    const hostileHtml = path.join(dir, 'hostile.html');
    execFileSync(process.execPath, [CLI, 'report', logs[2] as string, '-o', hostileHtml], { stdio: 'pipe' });
    const hostile = await browser.newPage();
    hostile.on('dialog', (d) => {
      dialogs.push(d.message());
      void d.dismiss();
    });
    await hostile.goto(`file://${hostileHtml}`);
    await hostile.waitForSelector('#codes tr:nth-child(2)');
    expect(dialogs).toEqual([]);
    expect(await hostile.evaluate(() => (window as unknown as { pwned?: number }).pwned)).toBeUndefined();
    expect(await hostile.$$('#codes b, #codes img, #keys script')).toHaveLength(0);
    expect(await hostile.textContent('#codes')).toContain('<b>Bold</b>');
    expect(await hostile.textContent('#codes')).toContain('<img src=x onerror=window.pwned=2>');
    expect(await hostile.textContent('#keys')).toContain('</script><script>window.pwned=1</script>');
  });

  it('renders a log with no errors at all: every table says none, no script error', async () => {
    const quiet = path.join(dir, 'quiet.log');
    fs.writeFileSync(
      quiet,
      '10.0.0.1 - - [24/Nov/2026:07:00:00 +0000] "GET /b/k HTTP/1.1" 200 12 "-" "ua"\nnot an access log line\n',
    );
    const quietHtml = path.join(dir, 'quiet.html');
    execFileSync(process.execPath, [CLI, 'report', quiet, '-o', quietHtml], { stdio: 'pipe' });
    const errors: string[] = [];
    const empty = await browser.newPage();
    empty.on('pageerror', (e) => errors.push(e.message));
    empty.on('console', (m) => {
      if (m.type() === 'error') errors.push(m.text());
    });
    await empty.goto(`file://${quietHtml}`);
    await empty.waitForSelector('#spikes tr:nth-child(2)');
    expect(errors).toEqual([]);
    for (const id of ['codes', 'buckets', 'keys', 'statuses', 'spikes']) {
      const rows = await empty.$$eval(`#${id} tr`, (trs) => trs.slice(1).map((tr) => tr.textContent));
      expect({ id, rows }).toEqual({ id, rows: ['none'] });
    }
    expect(await empty.textContent('#inputs')).toContain('errors (events)');
    expect(await empty.$$('canvas')).toHaveLength(0);
  });
});
