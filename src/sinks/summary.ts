// Tallies events by code and status for the end-of-run summary printed to stderr.
import type { PipelineStats } from '../stats.js';
import type { ObservedEvent } from './observed.js';

export class Summary {
  /** Rows by code, then one per status (a code comes with one or two): no key string is built per event. */
  private readonly byCode = new Map<string, { code: string; status: number | null; count: number }[]>();

  observe = (event: ObservedEvent): void => {
    const rows = this.byCode.get(event.code);
    if (rows === undefined) {
      this.byCode.set(event.code, [{ code: event.code, status: event.status, count: 1 }]);
      return;
    }
    for (const row of rows)
      if (row.status === event.status) {
        row.count++;
        return;
      }
    rows.push({ code: event.code, status: event.status, count: 1 });
  };

  /** Rows by count, most first; `code|status` → count, as the peer tools' truth files have it. */
  rows(): { code: string; status: number | null; count: number }[] {
    return [...this.byCode.values()].flat().sort((a, b) => b.count - a.count || a.code.localeCompare(b.code));
  }

  render(stats: PipelineStats, sources: number, seconds: number): string {
    const failures = Object.entries(stats.failures).filter(([, n]) => n > 0);
    const skipped = Object.entries(stats.skipped).filter(([, n]) => n > 0);
    const sum = (entries: [string, number][]) => entries.reduce((a, [, n]) => a + n, 0);
    const usage = process.resourceUsage();
    const cpu = (usage.userCPUTime + usage.systemCPUTime) / 1e6;
    const lines = [
      `oss-error-exporter: ${stats.lines} lines, ${(stats.bytes / 1e6).toFixed(1)} MB from ${sources} source${sources === 1 ? '' : 's'} in ${seconds.toFixed(2)} s (${Math.round(stats.lines / Math.max(seconds, 1e-3))} lines/s)`,
      `  cpu: ${cpu.toFixed(2)} s, peak rss: ${(usage.maxRSS / 1024).toFixed(0)} MiB`,
      `  error bodies: ${stats.bodies}, events: ${stats.events}, unparseable: ${sum(failures)}, skipped: ${sum(skipped)}`,
    ];
    if (failures.length > 0)
      lines.push(`  unparseable by reason: ${failures.map(([r, n]) => `${r}=${n}`).join(' ')}`);
    if (skipped.length > 0)
      lines.push(`  skipped by reason: ${skipped.map(([r, n]) => `${r}=${n}`).join(' ')}`);
    const rows = this.rows();
    if (rows.length > 0) {
      const width = Math.max(4, ...rows.map((r) => r.code.length));
      lines.push(`  ${'code'.padEnd(width)}  status  count`);
      for (const r of rows)
        lines.push(
          `  ${r.code.padEnd(width)}  ${String(r.status ?? '-').padStart(6)}  ${String(r.count).padStart(5)}`,
        );
    }
    return `${lines.join('\n')}\n`;
  }
}
