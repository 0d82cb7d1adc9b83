// Files the exporter writes (the report, --metrics-file, the positions file): checked at start, written atomically.
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { ConfigError } from '../errors.js';

/**
 * Fails before any input is read when `file` could not be written: one line naming the flag and the path.
 * Atomic writes create a temporary file beside the target, so its folder must exist and be writable.
 */
export function checkOutputFile(flag: string, file: string): void {
  const fail = (why: string) => new ConfigError(`${flag} ${file}: ${why}`);
  try {
    if (fs.statSync(file).isDirectory()) throw fail('is a directory');
  } catch (error) {
    if (error instanceof ConfigError) throw error;
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT')
      throw fail(`cannot use it (${(error as NodeJS.ErrnoException).code})`);
  }
  const dir = path.dirname(path.resolve(file));
  try {
    if (!fs.statSync(dir).isDirectory()) throw fail(`${dir} is not a directory`);
    fs.accessSync(dir, fs.constants.W_OK);
  } catch (error) {
    if (error instanceof ConfigError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    throw fail(code === 'ENOENT' ? `no such directory ${dir}` : `cannot write in ${dir} (${code})`);
  }
}

/** A reader (node_exporter's textfile collector, a browser) never sees a half-written file. */
export async function writeAtomically(file: string, text: string): Promise<void> {
  const temp = `${file}.${process.pid}.tmp`;
  await fsp.writeFile(temp, text);
  await fsp.rename(temp, file);
}
