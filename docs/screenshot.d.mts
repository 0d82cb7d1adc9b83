// Types for docs/screenshot.mjs, imported by the report's browser test.
export function incidentLog(): string;
