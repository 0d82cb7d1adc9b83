// The chunk scanner against the line-by-line framer: same records, counters and line numbers for any chunking.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DEFAULT_LIMITS, type FramingLimits } from '../src/config.js';
import type { LogRecord } from '../src/extract/types.js';
import { Framer } from '../src/framing/framer.js';
import { QuietLines, SCAN_BYTES, scanReadBuffers } from '../src/framing/quiet-lines.js';
import { ChunkScanner } from '../src/framing/scanner.js';
import { newStats, type PipelineStats } from '../src/stats.js';
import { cut } from './helpers/pipeline.js';

const CR = 13;

/** One line (the `\r` of CRLF still on it) handed to the framer, as a line splitter would. */
function pushLine(framer: Framer, line: string, records: LogRecord[]): void {
  const out = framer.push(line.charCodeAt(line.length - 1) === CR ? line.slice(0, -1) : line);
  if (out !== undefined) records.push(...out);
}

/** The reference: every line cut with `split('\n')` and pushed to the framer one by one. */
function lineByLine(bytes: Buffer, limits: FramingLimits): { records: LogRecord[]; stats: PipelineStats } {
  const stats = newStats();
  const framer = new Framer('t.log', limits, stats);
  const records: LogRecord[] = [];
  framer.countBytes(bytes.length);
  const lines = bytes.toString('latin1').split('\n');
  const last = lines.pop() as string;
  for (const line of lines) pushLine(framer, line, records);
  if (last !== '') pushLine(framer, last, records);
  records.push(...framer.end());
  return { records, stats };
}

function scanned(
  chunks: readonly Buffer[],
  limits: FramingLimits,
  check?: (scanner: ChunkScanner, framer: Framer, consumed: number) => void,
  /** Each chunk read into one buffer, as a reader reuses its buffer: nothing may point into the last chunk. */
  reuse = false,
): { records: LogRecord[]; stats: PipelineStats } {
  const stats = newStats();
  const framer = new Framer('t.log', limits, stats);
  const scanner = new ChunkScanner(framer, stats, limits.maxLineBytes);
  const records: LogRecord[] = [];
  const buffer = Buffer.alloc(reuse ? Math.max(0, ...chunks.map((c) => c.length)) : 0);
  let consumed = 0;
  for (const chunk of chunks) {
    if (reuse) buffer.fill(0x7a);
    scanner.push(reuse ? buffer.subarray(0, chunk.copy(buffer)) : chunk, records);
    consumed += chunk.length;
    check?.(scanner, framer, consumed);
  }
  scanner.end(records);
  return { records, stats };
}

// Line contents that exercise every branch of the framer: quiet access lines (status in every shape the
// counter reads, and cut short), bodies on one line, multi-line bodies with declaration and header, prose
// with the marker, JSON lines, high bytes and blank lines.
const CONTENT = [
  '1.2.3.4 - - [24/Nov/2026:10:00:00 +0000] "GET /a HTTP/1.1" 404 12 "-" "ua"',
  '1.2.3.4 - - [24/Nov/2026:10:00:00 +0000] "GET /a HTTP/1.1" 200 12 "-" "ua"',
  '1.2.3.4 - - "GET /a HTTP/1.1" 5',
  '{"status":503,"request":"GET / HTTP/1.1"}',
  '{"http_status":"301","msg":"x"}',
  '{"DownstreamStatus":502}',
  '{"msg":"no status here"}',
  '{"status":4',
  '{"status": "2',
  '2026-11-24T10:00:00Z INFO all fine',
  '2026-11-24 09:00:31,207 ERROR [sdk] request failed status=404',
  '<?xml version="1.0" encoding="UTF-8"?>',
  '<Error>',
  '<Error><Code>NoSuchKey</Code><Message>é 报</Message></Error>',
  '  <Code>AccessDenied</Code>',
  '  <Message>denied</Message>',
  '</Error>',
  'x "<Error><Code>SlowDown</Code></Error>" 503',
  'an Error in prose',
  '{"resp_body":"<Error>\\n<Code>InternalError</Code>\\n</Error>","status":500}',
  '',
  ']>',
  '\xe6\x8a\xa5 bytes',
  // SDK errors: lines the cheap check lets through by their first or last characters, or their markers.
  'Traceback (most recent call last):',
  '  File "app.py", line 3, in <module>',
  'botocore.exceptions.ClientError: An error occurred (NoSuchKey) when calling the GetObject operation: gone',
  'NoSuchKey: The specified key does not exist.',
  '\tstatus code: 404, request id: 5C3D9175B6FC2012, host id: abc',
  'com.amazonaws.services.s3.model.AmazonS3Exception: Access Denied (Service: Amazon S3; Status Code: 403; Error Code: AccessDenied; Request ID: 8A1B)',
  '    at com.example.App.main(App.java:10)',
  'software.amazon.awssdk.services.s3.model.NoSuchKeyException: The specified key does not exist. (Service: S3, Status Code: 404, Request ID: 7E1A)',
  'NoSuchKey: The specified key does not exist.',
  '    at de_NoSuchKeyRes (node_modules/x.js:1:1) {',
  "  '$metadata': { httpStatusCode: 404, requestId: '7E1A' },",
  '}',
  'a line ending with a brace {',
  // Near misses of the markers as the scanner searches for them (`rror` and `xcepti`, checked around each find).
  'rror at the start of a line',
  'mirror, terror and horror',
  'an xceptio without its n, xceptiox',
  'xception',
];

type Shape = 'plain' | 'cri' | 'docker';

function wrap(shape: Shape, content: string, variant: number): string {
  if (shape === 'plain') return content;
  if (shape === 'cri') {
    if (variant === 3) return 'not a cri line';
    return `2026-11-24T10:00:0${variant}.1Z stdout ${variant === 1 ? 'P' : 'F'} ${content}`;
  }
  if (variant === 3) return 'not docker json';
  const log = variant === 1 ? content : `${content}\n`;
  return JSON.stringify({ log, stream: 'stdout', time: '2026-11-24T10:00:00Z' });
}

const input = fc
  .record({
    shape: fc.constantFrom<Shape>('plain', 'cri', 'docker'),
    lines: fc.array(
      fc.record({
        content: fc.oneof(
          { weight: 8, arbitrary: fc.constantFrom(...CONTENT) },
          { weight: 1, arbitrary: fc.string({ maxLength: 30 }) },
          { weight: 1, arbitrary: fc.integer({ min: 40, max: 200 }).map((n) => `long ${'z'.repeat(n)}`) },
        ),
        variant: fc.integer({ min: 0, max: 5 }),
        crlf: fc.boolean(),
      }),
      { maxLength: 40 },
    ),
    finalNewline: fc.boolean(),
    maxLineBytes: fc.constantFrom(60, 100, 150, 1024),
    sizes: fc.array(fc.integer({ min: 1, max: 300 }), { minLength: 1, maxLength: 8 }),
  })
  .map(({ shape, lines, finalNewline, maxLineBytes, sizes }) => {
    const text = lines.map((l) => wrap(shape, l.content, l.variant) + (l.crlf ? '\r' : '')).join('\n');
    const bytes = Buffer.from(finalNewline && lines.length > 0 ? `${text}\n` : text, 'latin1');
    const limits = { ...DEFAULT_LIMITS, maxLineBytes, maxBodyLines: 6 };
    return { bytes, limits, sizes };
  });

/** Lines of `parts` joined in any order: the shapes the status and prefix properties build from. */
const linesOf = (parts: readonly string[], maxParts: number, prefix = '') =>
  fc.record({
    lines: fc.array(
      fc
        .array(fc.constantFrom(...parts), { maxLength: maxParts })
        .map((picked) => `${prefix}${picked.join('')}`),
      { maxLength: 30 },
    ),
    sizes: fc.array(fc.integer({ min: 1, max: 512 }), { minLength: 1, maxLength: 4 }),
  });

/** The scanner over `text` whole and cut at `sizes` gives the counters (or, `whole`, everything) of the line-by-line framer. */
function expectAsLineByLine(text: string, sizes: number[], whole: boolean): void {
  const bytes = Buffer.from(text, 'latin1');
  const want = lineByLine(bytes, DEFAULT_LIMITS);
  for (const chunks of [[bytes], cut(bytes, sizes)]) {
    const got = scanned(chunks, DEFAULT_LIMITS);
    if (whole) expect(got).toEqual(want);
    else expect(got.stats).toEqual(want.stats);
  }
}

const FORMATS = path.join(import.meta.dirname, 'fixtures/formats');

describe('chunk scanner', () => {
  it.each(fs.readdirSync(FORMATS).filter((f) => f.endsWith('.log')))(
    'golden %s: the records of the line-by-line framer in whole, 1-byte and random chunks, in one reused buffer too',
    (name) => {
      const bytes = fs.readFileSync(path.join(FORMATS, name));
      const want = lineByLine(bytes, DEFAULT_LIMITS);
      expect(want.records.length).toBeGreaterThan(0);
      for (const chunks of [[bytes], cut(bytes, [1]), cut(bytes, [7, 300, 64, 1])]) {
        expect(scanned(chunks, DEFAULT_LIMITS)).toEqual(want);
        expect(scanned(chunks, DEFAULT_LIMITS, undefined, true)).toEqual(want);
      }
    },
  );

  it('gives the records and counters of the line-by-line framer, for any input and chunking', () => {
    fc.assert(
      fc.property(input, ({ bytes, limits, sizes }) => {
        const want = lineByLine(bytes, limits);
        for (const chunks of [[bytes], cut(bytes, [1]), cut(bytes, sizes)]) {
          expect(scanned(chunks, limits)).toEqual(want);
        }
        expect(scanned(cut(bytes, sizes), limits, undefined, true)).toEqual(want);
      }),
      { numRuns: 400, seed: 15 },
    );
  });

  // The status is read from the bytes after the request's closing `" ` (16 bytes at a step in quiet-lines.wat,
  // every other byte in JS): quotes, spaces and digits at any place in a step, pairs across steps and at a line's
  // last byte (before its CR or newline), none at all; the first and last bytes that send a line to the JS path.
  const quoted = fc.record({
    lines: fc.array(
      fc
        .tuple(
          fc.constantFrom('h ', '{', '\t', '\tstatus code: ', 'T', 'Traceback (', ''),
          fc.array(
            fc.constantFrom('"', '"', ' ', ' ', ' 404 ', '404', '0', 'x', '\r', 'GET /b/k.jpg HTTP/1.1', '{'),
            { maxLength: 24 },
          ),
        )
        .map(([first, parts]) => `${first}${parts.join('')}`),
      { maxLength: 30 },
    ),
    sizes: fc.array(fc.integer({ min: 1, max: 512 }), { minLength: 1, maxLength: 4 }),
  });

  it('counts the status of any quote-laden access line as the line-by-line framer does', () => {
    fc.assert(
      fc.property(quoted, ({ lines, sizes }) => {
        expectAsLineByLine(`plain first line\n${lines.join('\n')}\n`, sizes, false);
      }),
      { numRuns: 500, seed: 17 },
    );
  });

  // A JSON line's status is read after the first `"status":`, else `"http_status":`, else `"DownstreamStatus":`
  // (every `":` checked 16 places at a time in quiet-lines.wat): the keys and their near misses at any place of
  // a step, values cut short or not numbers, keys in any order, and a CR before the newline.
  const json = linesOf(
    [
      '"status":',
      '"http_status":',
      '"DownstreamStatus":',
      '"Status":',
      'status":',
      '"status"',
      '"Downstream',
      'Status":',
      ':',
      '"',
      ' ',
      '404',
      '5',
      '20',
      'x',
      ',',
      '"k":"v"',
      '\r',
    ],
    24,
    '{',
  );

  it('counts the status of any JSON line as the line-by-line framer does', () => {
    fc.assert(
      fc.property(json, ({ lines, sizes }) => {
        expectAsLineByLine(`plain first line\n${lines.join('\n')}\n`, sizes, false);
      }),
      { numRuns: 500, seed: 19 },
    );
  });

  // A CRI line's content starts after the tag that follows its second space (quiet-lines.wat finds it too):
  // prefixes with spaces missing or doubled, tags other than F and P, a tag with nothing after it, and contents
  // that send a line to the JS path.
  const criLines = linesOf(
    [
      '2026-11-24T10:00:00.1Z',
      ' ',
      ' ',
      'stdout',
      'F',
      'P',
      'x',
      '{"status":404}',
      '{"status":200}',
      '"GET / HTTP/1.1" 200 1',
      '\tstatus code: ',
      'Traceback (',
      '{',
      '\r',
    ],
    10,
  );

  it('reads CRI lines of any prefix as the line-by-line framer does', () => {
    fc.assert(
      fc.property(criLines, ({ lines, sizes }) => {
        expectAsLineByLine(`2026-11-24T10:00:00.1Z stdout F first\n${lines.join('\n')}\n`, sizes, true);
      }),
      { numRuns: 500, seed: 23 },
    );
  });

  // The lines the WebAssembly loop counts itself, the JS path never seeing them: plain access lines, JSON lines,
  // whole CRI lines and whole Docker records (whose status the framer does not count).
  const DOCKER = (content: string) =>
    JSON.stringify({ log: `${content}\n`, stream: 'stdout', time: '2026-11-24T10:00:00Z' });
  it.each([
    [
      'plain access lines',
      'plain',
      '1.2.3.4 - - [24/Nov/2026:10:00:00 +0000] "GET /a HTTP/1.1" 404 12 "-" "ua"',
      4,
    ],
    ['JSON lines', 'plain', '{"time":"2026-11-24T10:00:00Z","status":503,"path":"/a"}', 5],
    ['CRI lines', 'cri', '2026-11-24T10:00:00.1Z stdout F 1.2.3.4 - - "GET /a HTTP/1.1" 200 1 "-" "ua"', 2],
    ['CRI lines of JSON', 'cri', '2026-11-24T10:00:00.1Z stdout F {"http_status":"301"}', 3],
    // Only the content is read: a status key in the prefix is not the line's.
    ['CRI lines of JSON, a status key in the prefix', 'cri', '"status":404 stdout F {"status":200}', 2],
    // No class: the framer counts no request of a Docker record.
    ['Docker records', 'docker', DOCKER('{"status":404,"request":"GET /a HTTP/1.1"}'), -1],
  ] as const)('counts %s in the WebAssembly loop', (_name, format, line, cls) => {
    const buf = Buffer.from(`${line}\n`.repeat(20), 'latin1');
    const loop = new QuietLines();
    loop.load(buf, 0);
    expect(loop.run(0, 1024, format)).toBe(buf.length);
    expect(loop.lines).toBe(20);
    const byClass = new Float64Array(6);
    loop.drain(byClass);
    expect([...byClass]).toEqual([0, 1, 2, 3, 4, 5].map((c) => (c === cls ? 20 : 0)));
  });

  // Where the framer must look: a CRI partial line (to join), a Docker record cut in two (no `\n","` on the
  // line), one whose content ends with `{` (util.inspect's object after a stack), or starts like aws-sdk-go's
  // status line (an escaped tab).
  it.each([
    [
      'a CRI partial line',
      'cri',
      '2026-11-24T10:00:00.1Z stdout F 1.2.3.4 "GET /a HTTP/1.1" 200 1',
      '2026-11-24T10:00:00.1Z stdout P part',
    ],
    [
      'a Docker record cut in two',
      'docker',
      DOCKER('GET /a 200'),
      JSON.stringify({ log: 'part', stream: 'stdout' }),
    ],
    [
      'a Docker content ending with {',
      'docker',
      DOCKER('GET /a 200'),
      DOCKER('    at de_NoSuchKey (x.js:1:1) {'),
    ],
    [
      'a Docker content of a status line',
      'docker',
      DOCKER('GET /a 200'),
      DOCKER('\tstatus code: 404, request id: 1'),
    ],
  ] as const)('stops the WebAssembly loop at %s', (_name, format, quiet, stop) => {
    const buf = Buffer.from(`${quiet}\n${quiet}\n${stop}\n${quiet}\n`, 'latin1');
    const loop = new QuietLines();
    loop.load(buf, 0);
    expect(loop.run(0, 1024, format)).toBe(2 * (quiet.length + 1));
    expect(loop.lines).toBe(2);
    expect(loop.stoppedAtMarker).toBe(false);
    loop.drain(new Float64Array(6));
  });

  // The line-end pass looks at 32 bytes a step, in two halves, and at pairs of bytes (`rr`, `xc`) that may straddle
  // the halves or the steps: a marker and a line's end at every place of a step, from every start.
  it('finds a marker and a line end at every place of a 32-byte step', () => {
    const loop = new QuietLines();
    for (let pad = 0; pad < 70; pad++) {
      for (const [word, marked] of [
        ['Error', true],
        ['error', true],
        ['Exception', true],
        ['rr', false],
        ['Xcept', false],
        ['terror', false],
      ] as const) {
        const quiet = 'q 200 "GET / HTTP/1.1" 200 1';
        const line = `${'p'.repeat(pad)}${word} "GET / HTTP/1.1" 404 1`;
        const buf = Buffer.from(`${quiet}\n${line}\n${quiet}\n`, 'latin1');
        loop.load(buf, 0);
        const stop = loop.run(0, 1024, 'plain');
        // `terror` holds `error`: a marker; `rr` and `Xcept` (no `ion`) are not.
        const isMarker = marked || word === 'terror';
        expect({ pad, word, stop, marked: loop.stoppedAtMarker }).toEqual({
          pad,
          word,
          stop: isMarker ? quiet.length + 1 : buf.length,
          marked: isMarker,
        });
        expect(loop.lines).toBe(isMarker ? 1 : 3);
        loop.drain(new Float64Array(6));
      }
    }
  });

  // A file is read into the loop's own memory and scanned where it lies; any other chunk is copied in, at most
  // SCAN_BYTES at a time.
  const access = (i: number) =>
    i % 97 === 0
      ? `1.2.3.4 - - [24/Nov/2026:10:00:00 +0000] "GET /b/k${i} HTTP/1.1" 404 0 "<Error><Code>NoSuchKey</Code></Error>"`
      : `1.2.3.4 - - [24/Nov/2026:10:00:00 +0000] "GET /b/k${i} HTTP/1.1" ${200 + (i % 4) * 100} 12 "-" "ua"`;
  const large = Buffer.from(`${Array.from({ length: 40_000 }, (_, i) => access(i)).join('\n')}\n`);

  it('frames chunks read into its read buffers as it frames copied ones', () => {
    const buffers = scanReadBuffers();
    expect(buffers.map((b) => b.length)).toEqual([SCAN_BYTES, SCAN_BYTES]);
    const stats = newStats();
    const framer = new Framer('t.log', DEFAULT_LIMITS, stats);
    const scanner = new ChunkScanner(framer, stats, DEFAULT_LIMITS.maxLineBytes);
    const records: LogRecord[] = [];
    // Each piece read into the buffers in turn, and scanned before that buffer is filled again.
    cut(large, [SCAN_BYTES - 5, 300_001]).forEach((piece, i) => {
      const buffer = buffers[i % 2] as Buffer;
      piece.copy(buffer);
      scanner.push(buffer.subarray(0, piece.length), records);
    });
    scanner.end(records);
    expect({ records, stats }).toEqual(lineByLine(large, DEFAULT_LIMITS));
    expect(records.length).toBe(Math.ceil(40_000 / 97));
  });

  it(`frames a chunk of more than ${SCAN_BYTES} bytes in pieces, lines across the cuts whole`, () => {
    expect(large.length).toBeGreaterThan(2 * SCAN_BYTES);
    expect(scanned([large], DEFAULT_LIMITS)).toEqual(lineByLine(large, DEFAULT_LIMITS));
  });

  it('carries the assembly of quiet-lines.wat (npm run wasm)', () => {
    const check = spawnSync(process.execPath, ['scripts/assemble-wasm.mjs', '--check'], {
      cwd: path.join(import.meta.dirname, '..'),
      encoding: 'utf8',
    });
    expect(check.stderr).toBe('');
    expect(check.status).toBe(0);
  });

  it('never offers a position past a held record, and always one at a line start', () => {
    fc.assert(
      fc.property(input, ({ bytes, limits, sizes }) => {
        scanned(cut(bytes, sizes), limits, (scanner, framer, consumed) => {
          const { offset, line } = scanner.position;
          expect(offset).toBeLessThanOrEqual(consumed);
          expect(offset === 0 || bytes[offset - 1] === 10).toBe(true);
          const before = bytes.subarray(0, offset);
          expect(line).toBe(before.length === 0 ? 0 : before.toString('latin1').split('\n').length - 1);
          const held = framer.heldSince;
          if (held !== undefined) expect(line).toBeLessThan(held);
        });
      }),
      { numRuns: 300, seed: 16 },
    );
  });

  it.each([
    [
      'an over-long line across many chunks is counted once',
      'a\n'.concat('x'.repeat(500), '\nb\n'),
      [7],
      3,
      1,
    ],
    [
      'a line of exactly the bound with CRLF at a chunk edge is kept',
      `${'y'.repeat(100)}\r\nz\n`,
      [101],
      2,
      0,
    ],
    ['a line one byte over the bound with CRLF is skipped', `${'y'.repeat(101)}\r\nz\n`, [101], 2, 1],
    ['a last line without a newline is a line', 'a\nb', [1], 2, 0],
    ['a lone CR at the end is an empty line', 'a\n\r', [1], 2, 0],
    ['empty input has no lines', '', [1], 0, 0],
  ])('%s', (_name, text, sizes, lines, tooLong) => {
    const limits = { ...DEFAULT_LIMITS, maxLineBytes: 100 };
    const bytes = Buffer.from(text);
    for (const chunks of [[bytes], cut(bytes, sizes), cut(bytes, [1])]) {
      const { stats } = scanned(chunks, limits);
      expect([stats.lines, stats.skipped['too-long'], stats.bytes]).toEqual([lines, tooLong, bytes.length]);
    }
  });
});
