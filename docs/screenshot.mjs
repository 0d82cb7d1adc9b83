#!/usr/bin/env node
// Renders docs/report.png: six hours of a gateway's log with an incident, through `oss-error-exporter report`,
// photographed in headless Chromium (Debian's /usr/bin/chromium, driven by playwright-core). `npm run screenshot`.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'oee-screenshot-'));

/** A deterministic day-part of traffic: 2% NoSuchKey, and from 02:40 to 03:10 throttling, 5xx and auth failures. */
export function incidentLog() {
  let seed = 7;
  const rand = () => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed / 2147483648;
  };
  const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
  const pad = (n) => String(n).padStart(2, '0');
  const clf = (d) => `${pad(d.getUTCDate())}/${months[d.getUTCMonth()]}/${d.getUTCFullYear()}:${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())} +0000`;
  const start = Date.UTC(2026, 10, 24, 0, 0, 0);
  const lines = [];
  for (let t = start; t < start + 6 * 3600_000; t += 1000) {
    const minute = (t - start) / 60_000;
    const incident = minute >= 160 && minute < 190;
    for (let i = 0; i < 3; i++) {
      const bucket = ['media-prod', 'user-uploads', 'backup-eu-1'][Math.floor(rand() * 3)];
      const key = `images/${Math.floor(rand() * 500)}.jpg`;
      const r = rand();
      let status = 200;
      let body = '-';
      const err = (code, st, msg) => {
        status = st;
        body = `<Error><Code>${code}</Code><Message>${msg}</Message><Resource>/${bucket}/${key}</Resource><RequestId>${Math.floor(rand() * 1e12).toString(16).toUpperCase()}</RequestId></Error>`;
      };
      if (incident && r < 0.12) err('SlowDown', 503, 'Please reduce your request rate.');
      else if (incident && r < 0.16) err('InternalError', 500, 'We encountered an internal error.');
      else if (incident && r < 0.2) err('SignatureDoesNotMatch', 403, 'The request signature we calculated does not match.');
      else if (r > 0.98) err('NoSuchKey', 404, 'The specified key does not exist.');
      else if (r > 0.975) err('AccessDenied', 403, 'Access Denied');
      lines.push(`10.0.0.${Math.floor(rand() * 250)} - - [${clf(new Date(t))}] "GET /${bucket}/${key} HTTP/1.1" ${status} 512 "-" "aws-sdk-go/1.44.122" "${body}"`);
    }
  }
  return `${lines.join('\n')}\n`;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const log = path.join(dir, 'gateway.log');
  const html = path.join(dir, 'report.html');
  fs.writeFileSync(log, incidentLog());
  execFileSync(process.execPath, [path.join(root, 'dist/cli.js'), 'report', log, '-o', html], { stdio: 'inherit' });
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  const page = await browser.newPage({ viewport: { width: 1200, height: 1400 } });
  await page.goto(`file://${html}`);
  await page.screenshot({ path: path.join(root, 'docs/report.png'), fullPage: false });
  await browser.close();
  console.log(`wrote docs/report.png from ${html}`);
}
