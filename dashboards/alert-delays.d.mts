// Types for dashboards/alert-delays.mjs, imported by test/alerts-timing.test.ts.
export const RULES: string;
export const STEP: number;

export interface Scenario {
  name: string;
  description: string;
  duration: number;
  onset?: number;
}
export const SCENARIOS: Scenario[];

export interface Firing {
  alert: string;
  labels: Record<string, string>;
  /** Seconds after the scenario's onset (or its start when it has none). */
  after: number;
}
export interface ScenarioResult {
  scenario: string;
  description: string;
  onset?: number;
  firings: Firing[];
}

export function firings(
  result: { metric: Record<string, string>; values: [number, string][] }[],
  forSeconds: number,
): { labels: Record<string, string>; at: number }[];
export function ruleLevels(groups: { rules: { record?: string; alert?: string; expr: string }[] }[]): {
  record: string;
  expr: string;
}[][];
export function measure(options?: { start?: number; rules?: string }): Promise<ScenarioResult[]>;
export function table(results: ScenarioResult[]): string;
export function clock(seconds: number): string;
