// Joins the lines of one multi-line SDK error into one record: tracebacks, Java stacks, util.inspect blocks.

/** A finished multi-line record, before the framer turns it into a LogRecord. */
export interface HeldRecord {
  text: string;
  start: number;
  runtimeTime: string | undefined;
  /** The line before the record (a logger's line with the time), for context only. */
  header: string | undefined;
}

type Kind = 'python' | 'python-after' | 'java' | 'java-xml' | 'js-stack' | 'js-props' | 'oss-go-v2';

/** A held SDK error as plain data (it crosses to and from worker threads with the framer's state). */
export interface SdkState {
  kind: Kind;
  lines: string[];
  chars: number;
  start: number;
  runtimeTime: string | undefined;
  header: string | undefined;
}

// A Python traceback, and the lines that chain another one to it.
const TRACEBACK = /^Traceback \(most recent call last\):/;
const PY_CHAIN = /^(?:During handling of the above exception|The above exception was the direct cause)/;
// A Java exception line: a dotted class name ending in Exception or Error, then its message or nothing.
const JAVA_START = /(?:^|\s)(?:[\w$]+\.)+[\w$]*(?:Exception|Error)(?::\s|$)/;
const JAVA_MORE =
  /^(?:\s+at |\s*\.\.\. \d+ (?:more|common frames omitted)|Caused by: |\s*Suppressed: |\[(?:ErrorCode|RequestId|HostId|ResponseError)\]:)/;
// A JavaScript error as util.inspect prints it: `Name: message`, stack frames, then ` {` … `}`.
const JS_START = /^(?:Error \[\w+\]|[A-Z]\w*Error): /;
const JS_FRAME = /^\s+at /;
// alibabacloud-oss-go-sdk-v2's ServiceError: one field a line, the last one the endpoint.
// Its first line ends so (then any whitespace): an end test, not a regex tried at every place of a long line.
const OSS_GO_V2_START = 'Error returned by Service.';
const OSS_GO_V2_FIELD = /^(?:Http Status Code|Error Code|Request Id|Message|EC|Timestamp|Request Endpoint): /;
// aws-sdk-go v1's second line: the request failure's status, request id and host id.
const GO_V1_STATUS = /^\s*status code: \d{3}, request id: /;

/**
 * Holds the lines of one SDK error until its last line. The framer offers it each logical line while it
 * holds nothing of its own (no XML body under way); the answer says whether the line was taken and which
 * record, if any, is finished.
 */
export class SdkAssembly {
  private kind: Kind | undefined;
  private lines: string[] = [];
  private chars = 0;
  private start = 0;
  private runtimeTime: string | undefined;
  private header: string | undefined;

  constructor(
    private readonly maxLines: number,
    private readonly maxChars: number,
  ) {}

  /** Whether a record is held (checked on every line: a plain field read). */
  holding = false;

  /** The line where the held record starts, or undefined. */
  get heldSince(): number | undefined {
    return this.kind === undefined ? undefined : this.start;
  }

  /**
   * @param previous the line before, when the framer knows it is the physical line right before this one
   *   (asked for only when this line needs it: reading it costs a string)
   * @param previousExtracted whether that line already went to extraction as a record of its own
   */
  offer(
    text: string,
    lineNo: number,
    runtimeTime: string | undefined,
    previous: () => string | undefined,
    previousExtracted: boolean,
  ): { taken: boolean; done: HeldRecord[] } {
    const done: HeldRecord[] = [];
    if (this.kind !== undefined) {
      const verdict = this.continues(text);
      if (verdict !== 'no') {
        this.add(text);
        if (verdict === 'last' || this.lines.length >= this.maxLines || this.chars >= this.maxChars)
          done.push(this.finish());
        return { taken: true, done };
      }
      done.push(this.finish());
    }
    if (GO_V1_STATUS.test(text) && !previousExtracted) {
      const header = previous();
      if (header !== undefined) {
        done.push({ text: `${header}\n${text}`, start: lineNo - 1, runtimeTime, header: undefined });
        return { taken: true, done };
      }
    }
    const kind = startKind(text);
    if (kind === undefined) return { taken: false, done };
    this.kind = kind;
    this.holding = true;
    this.lines = [text];
    this.chars = text.length;
    this.start = lineNo;
    this.runtimeTime = runtimeTime;
    // A line that was a record of its own (another error) is not this one's header: it would lend its status.
    this.header = previousExtracted ? undefined : previous();
    return { taken: true, done };
  }

  /** The record held, as plain data, or undefined. */
  snapshot(): SdkState | undefined {
    if (this.kind === undefined) return undefined;
    const { kind, lines, chars, start, runtimeTime, header } = this;
    return { kind, lines: [...lines], chars, start, runtimeTime, header };
  }

  /** Holds what `state` held (its line numbers moved by `base`), or nothing. */
  adopt(state: SdkState | undefined, base: number): void {
    this.kind = state?.kind;
    this.holding = state !== undefined;
    this.lines = state ? [...state.lines] : [];
    this.chars = state?.chars ?? 0;
    this.start = (state?.start ?? 0) + base;
    this.runtimeTime = state?.runtimeTime;
    this.header = state?.header;
  }

  /** The record still held at the end of the input. */
  end(): HeldRecord | undefined {
    return this.kind === undefined ? undefined : this.finish();
  }

  private add(text: string): void {
    this.lines.push(text);
    this.chars += text.length + 1;
  }

  private finish(): HeldRecord {
    const record = {
      text: this.lines.join('\n'),
      start: this.start,
      runtimeTime: this.runtimeTime,
      header: this.header,
    };
    this.kind = undefined;
    this.holding = false;
    this.lines = [];
    this.chars = 0;
    return record;
  }

  /** Whether `text` belongs to the held record: 'more', 'last' (it ends it), or 'no'. */
  private continues(text: string): 'more' | 'last' | 'no' {
    switch (this.kind) {
      case 'python':
        if (text === '' || /^\s/.test(text) || TRACEBACK.test(text) || PY_CHAIN.test(text)) return 'more';
        // The first line at the margin is the exception itself; a chained traceback may follow it.
        this.kind = 'python-after';
        return 'more';
      case 'python-after':
        if (text.trim() === '') return 'more';
        if (PY_CHAIN.test(text)) {
          this.kind = 'python';
          return 'more';
        }
        return 'no';
      case 'java':
        if (text.startsWith('[ResponseError]:')) this.kind = 'java-xml';
        return JAVA_MORE.test(text) ? 'more' : 'no';
      case 'java-xml':
        if (text.trimStart().startsWith('<')) {
          if (text.includes('</Error')) this.kind = 'java';
          return 'more';
        }
        this.kind = 'java';
        return JAVA_MORE.test(text) ? 'more' : 'no';
      case 'js-stack':
        if (!JS_FRAME.test(text)) return 'no';
        if (text.endsWith(' {')) this.kind = 'js-props';
        return 'more';
      case 'js-props':
        return text === '}' ? 'last' : 'more';
      case 'oss-go-v2':
        if (!OSS_GO_V2_FIELD.test(text)) return 'no';
        return text.startsWith('Request Endpoint: ') ? 'last' : 'more';
      default:
        return 'no';
    }
  }
}

function startKind(text: string): Kind | undefined {
  if (TRACEBACK.test(text)) return 'python';
  if (text.trimEnd().endsWith(OSS_GO_V2_START)) return 'oss-go-v2';
  if (JS_START.test(text)) return 'js-stack';
  if (JS_FRAME.test(text) && text.endsWith(' {')) return 'js-props';
  // The includes first, `<Error` before the markers: most records here are XML bodies in access-log lines,
  // long and without an exception, and that search stops at the body where a marker's would read the line through.
  if (
    !text.includes('<Error') &&
    (text.includes('xception') || text.includes('Error')) &&
    JAVA_START.test(text)
  )
    return 'java';
  return undefined;
}

/**
 * In a multi-line XML body, a line whose element opened on the line before and is not closed yet (a
 * `<Message>` whose text sits on the next lines, an injected `<script>`) is part of the body.
 */
export function insideOpenElement(previousLine: string): boolean {
  const m = /<([A-Za-z][\w.-]*)(?:\s[^<>]*)?>\s*$/.exec(previousLine);
  return m !== null && m[1] !== 'Error' && !previousLine.includes(`</${m[1]}`);
}
