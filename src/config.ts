// Reads and checks the command line once; everything after start-up receives the frozen result.
import { type ParseArgsConfig, parseArgs } from 'node:util';
import { ConfigError } from './errors.js';
import { DEFAULT_LIMITS, type FramingLimits } from './framing/framer.js';

export interface RunConfig {
  files: readonly string[];
  limits: FramingLimits;
  events: boolean;
  summary: boolean;
  progress: boolean;
}

export const DEFAULTS = {
  maxLineLength: '1MiB',
  maxBodyLines: String(DEFAULT_LIMITS.maxBodyLines),
} as const;

const UNITS: Readonly<Record<string, number>> = {
  '': 1,
  k: 1e3,
  kb: 1e3,
  kib: 1024,
  m: 1e6,
  mb: 1e6,
  mib: 1024 ** 2,
  gib: 1024 ** 3,
};

/** `1MiB`, `64KiB`, `500kB`, `1048576` → a count; the flag name goes in any error. */
export function parseSize(flag: string, text: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*([a-zA-Z]*)$/.exec(text.trim());
  const unit = m ? UNITS[(m[2] as string).toLowerCase()] : undefined;
  if (!m || unit === undefined)
    throw new ConfigError(`--${flag}: not a size: '${text}' (use e.g. 1048576, 64KiB, 1MiB)`);
  const n = Math.floor(Number(m[1]) * unit);
  if (n < 1) throw new ConfigError(`--${flag}: must be at least 1: '${text}'`);
  return n;
}

/** A whole number in [min, max]; the flag name goes in any error. */
export function parseInteger(flag: string, text: string, min: number, max: number): number {
  const n = Number(text);
  if (!/^\d+$/.test(text.trim()) || n < min || n > max) {
    throw new ConfigError(`--${flag}: expected a whole number from ${min} to ${max}, got '${text}'`);
  }
  return n;
}

export const RUN_OPTIONS = {
  help: { type: 'boolean', short: 'h' },
  version: { type: 'boolean' },
  'max-line-length': { type: 'string' },
  'max-body-lines': { type: 'string' },
  'no-events': { type: 'boolean' },
  'no-summary': { type: 'boolean' },
  'no-progress': { type: 'boolean' },
} as const;

/** Turns util.parseArgs' errors into one line that names the flag. */
export function parseFlags<T extends ParseArgsConfig>(config: T): ReturnType<typeof parseArgs<T>> {
  try {
    return parseArgs(config);
  } catch (error) {
    const message = (error as Error).message.split('\n')[0] ?? String(error);
    throw new ConfigError(message.replace(/\. To specify a positional argument.*$/, ''));
  }
}

export function runConfig(
  args: readonly string[],
  isTTY: boolean,
): RunConfig & { help: boolean; version: boolean } {
  const { values, positionals } = parseFlags({
    args: [...args],
    options: RUN_OPTIONS,
    allowPositionals: true,
  });
  const maxLineBytes = parseSize('max-line-length', values['max-line-length'] ?? DEFAULTS.maxLineLength);
  return Object.freeze({
    help: values.help === true,
    version: values.version === true,
    files: Object.freeze(positionals.length > 0 ? positionals : ['-']),
    limits: Object.freeze({
      ...DEFAULT_LIMITS,
      maxLineBytes,
      maxBodyLines: parseInteger(
        'max-body-lines',
        values['max-body-lines'] ?? DEFAULTS.maxBodyLines,
        2,
        100_000,
      ),
    }),
    events: values['no-events'] !== true,
    summary: values['no-summary'] !== true,
    progress: isTTY && values['no-progress'] !== true,
  });
}
