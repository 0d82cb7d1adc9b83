// Text and JSON views of the catalogue for the `codes` and `explain` commands.
import { ALIASES, CATALOG, type CatalogEntry, inferCategory, lookupCode } from './index.js';

export function codesJson(): string {
  const rows: CatalogEntry[] = CATALOG.map((e) => ({
    code: e.code,
    status: e.status,
    class: e.class,
    category: e.category,
    description: e.description,
  }));
  return `${JSON.stringify(rows, null, 2)}\n`;
}

export function codesTable(): string {
  const width = Math.max(...CATALOG.map((e) => e.code.length));
  const head = `${'CODE'.padEnd(width)}  STATUS  CLASS  CATEGORY        DESCRIPTION`;
  const rows = CATALOG.map(
    (e) =>
      `${e.code.padEnd(width)}  ${String(e.status).padEnd(6)}  ${e.class.padEnd(5)}  ${e.category.padEnd(14)}  ${e.description}`,
  );
  return `${[head, ...rows].join('\n')}\n`;
}

/** One code's entry, or undefined when the catalogue does not list it. */
export function explain(code: string): string | undefined {
  const info = lookupCode(code);
  if (!info) return undefined;
  const lines = [`${info.code}`];
  if (info.code !== code) lines[0] = `${code} (the catalogue spells it ${info.code})`;
  const aliases = Object.entries(ALIASES)
    .filter(([, canonical]) => canonical === info.code)
    .map(([alias]) => alias);
  if (aliases.length > 0) lines.push(`  also accepted as: ${aliases.join(', ')}`);
  lines.push(`  category: ${info.category}`);
  for (const row of info.rows) lines.push(`  HTTP ${row.status} (${row.class}): ${row.description}`);
  return `${lines.join('\n')}\n`;
}

/** What `explain` says of a code the catalogue does not list: the category it would be counted under. */
export function explainUnknown(code: string): string {
  return `${code}: not in the catalogue; counted with known=false, category ${inferCategory(code, null)} unless the log gives a status\n`;
}
