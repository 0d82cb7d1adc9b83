// Looks error codes up in the seed catalogue, folding the usual spellings onto the document's own.
import { SEED_ROWS } from './rows.js';
import { type Category, type StatusClass, statusClass } from './types.js';

export { CATEGORIES, type Category, type StatusClass, statusClass } from './types.js';

/** One catalogue row as printed by `codes --json`. */
export interface CatalogEntry {
  code: string;
  status: number;
  class: StatusClass;
  category: Category;
  description: string;
}

/** Everything the catalogue knows about one code (a code may have several rows). */
export interface CodeInfo {
  /** The code as the seed document spells it. */
  code: string;
  rows: readonly CatalogEntry[];
  /** The status when every row agrees on one, else null (TemporaryRedirect is 302 and 307). */
  status: number | null;
  category: Category;
}

/**
 * Real-world spellings of codes the document spells otherwise. The document's spelling stays the
 * catalogue key; these are accepted as the same entry.
 */
export const ALIASES: Readonly<Record<string, string>> = {
  InternalError: 'InternalErrror',
  CompressObjectsNumError: 'CompressOjectsNumError',
  BucketHasMultiUploads: 'BucketHasMutiUploads',
  RequestTimeout: 'RequestTimeOut',
};

export const CATALOG: readonly CatalogEntry[] = SEED_ROWS.map(([code, status, category, description]) => ({
  code,
  status,
  class: statusClass(status),
  category,
  description,
}));

const byCode = new Map<string, CodeInfo>();
for (const entry of CATALOG) {
  const info = byCode.get(entry.code);
  if (info) {
    const rows = [...info.rows, entry];
    const statuses = new Set(rows.map((r) => r.status));
    byCode.set(entry.code, { ...info, rows, status: statuses.size === 1 ? entry.status : null });
  } else {
    byCode.set(entry.code, {
      code: entry.code,
      rows: [entry],
      status: entry.status,
      category: entry.category,
    });
  }
}

/** Distinct codes of the document, in its order. */
export const KNOWN_CODES: readonly string[] = [...byCode.keys()];

/** @example lookupCode('InternalError')?.code === 'InternalErrror' */
export function lookupCode(code: string): CodeInfo | undefined {
  return byCode.get(code) ?? byCode.get(ALIASES[code] ?? '');
}

/** The row that best describes `code` seen with `status`: the row with that status, else the first. */
export function rowFor(info: CodeInfo, status: number | null): CatalogEntry {
  const rows = info.rows;
  return rows.find((r) => r.status === status) ?? (rows[0] as CatalogEntry);
}

/**
 * A dashboard category for a code the catalogue does not list (S3, MinIO, COS… codes), from its
 * name first and its status second, so unknown codes still land on the right panel.
 */
export function inferCategory(code: string, status: number | null): Category {
  if (/^NoSuch|NotFound$/.test(code)) return 'not-found';
  if (/Signature|AccessDenied|Credential|Token|Unauthorized|Forbidden|AccessKey|Authorization/i.test(code))
    return 'auth';
  if (/SlowDown|Throttl|TooManyRequests|RequestLimitExceeded|ServiceUnavailable/i.test(code))
    return 'throttling';
  if (status === null) return 'unknown';
  if (status >= 300 && status < 400) return 'redirect';
  if (status === 401 || status === 403) return 'auth';
  if (status === 404) return 'not-found';
  if (status === 409) return 'conflict';
  if (status === 429 || status === 503) return 'throttling';
  if (status >= 500) return 'server';
  if (status >= 400) return 'client-request';
  return 'unknown';
}
