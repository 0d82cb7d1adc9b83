// Removes container-runtime wrapping (Kubernetes CRI, Docker json-file) and joins partial records.

export type ContainerFormat = 'plain' | 'cri' | 'docker';

const CRI_LINE = /^\d{4}-\d{2}-\d{2}T\S+ (?:stdout|stderr) [FP] /;

/** Decided once per source from its first line: container logs are never mixed with plain ones. */
export function sniffFormat(firstLine: string): ContainerFormat {
  if (CRI_LINE.test(firstLine)) return 'cri';
  if (firstLine.startsWith('{"log":')) return 'docker';
  return 'plain';
}

/** One container record: its content, whether more of the same line follows, and the runtime's time as written. */
export interface Unwrapped {
  text: string;
  partial: boolean;
  time: string | undefined;
}

/** The runtime's timestamp as ISO 8601; parsed only for records that reach extraction. */
export function runtimeTimeIso(time: string | undefined): string | undefined {
  if (time === undefined) return undefined;
  const ms = Date.parse(time);
  return Number.isNaN(ms) ? undefined : new Date(ms).toISOString();
}

const F = 70;
const P = 80;

/**
 * Where the content of a CRI line starts (`2024-10-10T00:00:00.123456789Z stdout F <line>`), or -1 when it
 * is not one. No allocation: the framer's fast path reads the content in place.
 */
export function criContentStart(line: string): number {
  const sp1 = line.indexOf(' ');
  const sp2 = sp1 < 0 ? -1 : line.indexOf(' ', sp1 + 1);
  if (sp2 < 0) return -1;
  const tag = line.charCodeAt(sp2 + 1);
  if ((tag !== F && tag !== P) || (line.length > sp2 + 2 && line.charCodeAt(sp2 + 2) !== 32)) return -1;
  return sp2 + 3;
}

/** A complete CRI record (tag F, not P), whose content starts at `start`. */
export function criComplete(line: string, start: number): boolean {
  return line.charCodeAt(start - 2) === F;
}

/** A CRI line taken apart; a partial (P) record is continued by the next one. */
export function unwrapCri(line: string): Unwrapped | undefined {
  const start = criContentStart(line);
  if (start < 0) return undefined;
  return {
    text: line.slice(start),
    partial: !criComplete(line, start),
    time: line.slice(0, line.indexOf(' ')),
  };
}

/** `{"log":"<line>\n","stream":"stdout","time":"…"}`; a log value with no trailing newline is partial. */
export function unwrapDocker(line: string): Unwrapped | undefined {
  let doc: unknown;
  try {
    doc = JSON.parse(line);
  } catch {
    return undefined;
  }
  if (doc === null || typeof doc !== 'object') return undefined;
  const { log, time } = doc as { log?: unknown; time?: unknown };
  if (typeof log !== 'string') return undefined;
  const complete = log.endsWith('\n');
  return {
    text: complete ? log.slice(0, log.endsWith('\r\n') ? -2 : -1) : log,
    partial: !complete,
    time: typeof time === 'string' ? time : undefined,
  };
}

/** Docker's complete records end their log value with `\n`: the cheap test for "nothing pending here". */
export function dockerLineComplete(line: string): boolean {
  // The marker sits just before `"stream"` and `"time"`, near the end: look there first.
  return line.indexOf('\\n","', line.length - 96) > 0 || line.includes('\\n","');
}
