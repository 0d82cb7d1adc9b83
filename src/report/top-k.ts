// Space-Saving top-K: the heaviest keys of an unbounded stream in fixed memory, each count an upper bound
// that overestimates by at most `error`.

export class TopK {
  private readonly counts = new Map<string, { count: number; error: number }>();

  constructor(private readonly capacity: number) {}

  add(key: string, by = 1): void {
    const entry = this.counts.get(key);
    if (entry) {
      entry.count += by;
      return;
    }
    if (this.counts.size < this.capacity) {
      this.counts.set(key, { count: by, error: 0 });
      return;
    }
    // Replace the smallest: the newcomer inherits its count as a possible overestimate.
    let minKey = '';
    let min = Number.POSITIVE_INFINITY;
    for (const [k, v] of this.counts) {
      if (v.count < min) {
        min = v.count;
        minKey = k;
      }
    }
    this.counts.delete(minKey);
    this.counts.set(key, { count: min + by, error: min });
  }

  /** The top `n`, most first; `count` may overestimate by `error` once the capacity was exceeded. */
  top(n: number): { key: string; count: number; error: number }[] {
    return [...this.counts]
      .map(([key, v]) => ({ key, count: v.count, error: v.error }))
      .sort((a, b) => b.count - a.count || a.key.localeCompare(b.key))
      .slice(0, n);
  }
}
