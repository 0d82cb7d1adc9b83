#!/usr/bin/env node
// Demo gateway for docker-compose: writes nginx combined access-log lines with OSS error bodies, ~50 requests/s,
// alternating calm phases (3 minutes, about 2% 404s) with incidents (12 minutes: throttling, 5xx, auth failures).
import fs from 'node:fs';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    out: { type: 'string', default: '/logs/access.log' },
    rate: { type: 'string', default: '50' },
    'calm-seconds': { type: 'string', default: '180' },
    'incident-seconds': { type: 'string', default: '720' },
  },
});
const perTick = Math.max(1, Math.round(Number(values.rate) / 10));
const CALM_MS = Number(values['calm-seconds']) * 1000;
const INCIDENT_MS = Number(values['incident-seconds']) * 1000;
const started = Date.now();
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const pad = (n) => String(n).padStart(2, '0');
const clfTime = (d) =>
  `${pad(d.getUTCDate())}/${MONTHS[d.getUTCMonth()]}/${d.getUTCFullYear()}:${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())} +0000`;
const hex = (n) =>
  Array.from({ length: n }, () => '0123456789ABCDEF'[Math.floor(Math.random() * 16)]).join('');
// nginx escape=default: quotes, backslashes and control characters as \xHH.
const nginxEscape = (s) =>
  [...s]
    .map((c) =>
      c === '"' || c === '\\' || c < ' '
        ? `\\x${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`
        : c,
    )
    .join('');
const body = (code, message, resource) =>
  nginxEscape(
    `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${message}</Message><Resource>${resource}</Resource><RequestId>${hex(24)}</RequestId></Error>`,
  );

const CALM = [[0.02, 404, 'NoSuchKey', 'The specified key does not exist.']];
const INCIDENT = [
  [0.06, 503, 'SlowDown', 'Please reduce your request rate.'],
  [0.03, 500, 'InternalError', 'We encountered an internal error. Please try again.'],
  [
    0.04,
    403,
    'SignatureDoesNotMatch',
    'The request signature we calculated does not match the signature you provided.',
  ],
  [0.02, 404, 'NoSuchKey', 'The specified key does not exist.'],
];

function line(now, incident) {
  const key = `images/${hex(8).toLowerCase()}.jpg`;
  let r = Math.random();
  for (const [share, status, code, message] of incident ? INCIDENT : CALM) {
    if (r < share) {
      return `10.0.0.${Math.floor(Math.random() * 250)} - - [${clfTime(now)}] "GET /media/${key} HTTP/1.1" ${status} 243 "-" "aws-sdk-go/1.44.122" "${body(code, message, `/media/${key}`)}"\n`;
    }
    r -= share;
  }
  return `10.0.0.${Math.floor(Math.random() * 250)} - - [${clfTime(now)}] "GET /media/${key} HTTP/1.1" 200 51200 "-" "aws-sdk-go/1.44.122" "-"\n`;
}

setInterval(() => {
  const now = new Date();
  const incident = (Date.now() - started) % (CALM_MS + INCIDENT_MS) >= CALM_MS;
  let text = '';
  for (let i = 0; i < perTick; i++) text += line(now, incident);
  fs.appendFileSync(values.out, text);
}, 100);
console.log(
  `writing ~${perTick * 10} lines/s to ${values.out}: calm for ${CALM_MS / 1000} s, then ${INCIDENT_MS / 1000}-second incidents`,
);
