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

/** `2024-10-10T00:00:00.123456789Z stdout F <line>`; P marks a partial record continued by the next one. */
export function unwrapCri(line: string): Unwrapped | undefined {
  const sp1 = line.indexOf(' ');
  const sp2 = sp1 < 0 ? -1 : line.indexOf(' ', sp1 + 1);
  if (sp2 < 0) return undefined;
  const tag = line.charCodeAt(sp2 + 1);
  if ((tag !== 70 && tag !== 80) || (line.length > sp2 + 2 && line.charCodeAt(sp2 + 2) !== 32))
    return undefined;
  return { text: line.slice(sp2 + 3), partial: tag === 80, time: line.slice(0, sp1) };
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
  return line.includes('\\n","');
}
