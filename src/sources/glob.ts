// Expands file globs (`*`, `?`, `[…]`, `**`) by listing directories, so files that appear later are found too.
import fs from 'node:fs';
import path from 'node:path';

const MAX_DEPTH = 16;

/** A glob as an anchored regex over a whole path: `*` and `?` stay within one path segment, `**` crosses them. */
export function globToRegExp(glob: string): RegExp {
  let re = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i] as string;
    if (c === '*') {
      if (glob[i + 1] === '*') {
        const slash = glob[i + 2] === '/';
        re += slash ? '(?:.*/)?' : '.*';
        i += slash ? 2 : 1;
      } else re += '[^/]*';
    } else if (c === '?') re += '[^/]';
    else if (c === '[') {
      const end = glob.indexOf(']', i + 2);
      if (end < 0) re += '\\[';
      else {
        const body = glob
          .slice(i + 1, end)
          .replace(/^!/, '^')
          .replace(/\\/g, '\\\\');
        re += `[${body}]`;
        i = end;
      }
    } else re += c.replace(/[.+^${}()|\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}

export function hasMagic(pattern: string): boolean {
  return /[*?[]/.test(pattern);
}

/** The longest leading directory without glob characters: where listing starts. */
export function staticBase(pattern: string): string {
  const parts = pattern.split('/');
  const base: string[] = [];
  for (const part of parts.slice(0, -1)) {
    if (hasMagic(part)) break;
    base.push(part);
  }
  const joined = base.join('/');
  return joined === '' ? (pattern.startsWith('/') ? '/' : '.') : joined;
}

/** Regular files matching `pattern` now; `excludes` match the whole path, or the base name when they have no `/`. */
export function expandGlob(pattern: string, excludes: readonly RegExp[] = []): string[] {
  const absolute = path.resolve(pattern);
  const matcher = globToRegExp(absolute);
  const found: string[] = [];
  const walk = (dir: string, depth: number) => {
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const entry of entries) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory() || (entry.isSymbolicLink() && isDirectory(full))) {
        if (depth < MAX_DEPTH && couldContain(absolute, full)) walk(full, depth + 1);
      } else if (matcher.test(full) && !excluded(full, excludes)) found.push(full);
    }
  };
  walk(path.resolve(staticBase(pattern)), 0);
  return found.sort();
}

function isDirectory(p: string): boolean {
  try {
    return fs.statSync(p).isDirectory();
  } catch {
    return false;
  }
}

/** Whether a directory can hold matches: its depth fits the pattern, or the pattern has `**`. */
function couldContain(pattern: string, dir: string): boolean {
  if (pattern.includes('**')) return true;
  return dir.split('/').length < pattern.split('/').length;
}

export function excluded(file: string, excludes: readonly RegExp[]): boolean {
  const base = path.basename(file);
  return excludes.some((re) => re.test(file) || re.test(base));
}
