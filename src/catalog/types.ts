// Vocabulary shared by the catalogue and the events: status classes and dashboard categories.

/** Bounded set of categories used as a metric label and on dashboards. */
export const CATEGORIES = [
  'redirect',
  'auth',
  'throttling',
  'not-found',
  'conflict',
  'client-request',
  'server',
  'unknown',
] as const;
export type Category = (typeof CATEGORIES)[number];

/** HTTP status class of an error; `unknown` when no status could be found. */
export type StatusClass = '3xx' | '4xx' | '5xx' | 'unknown';

export function statusClass(status: number | null): StatusClass {
  if (status === null) return 'unknown';
  if (status >= 300 && status < 400) return '3xx';
  if (status >= 400 && status < 500) return '4xx';
  if (status >= 500 && status < 600) return '5xx';
  return 'unknown';
}
