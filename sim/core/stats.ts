// Named counters an engine accumulates while it runs (cycles, stalls, MACs, accesses).
// Plain numbers keyed by name, so a report can list them without knowing the engine.

export class Stats {
  private readonly values = new Map<string, number>();

  add(name: string, amount: number): void {
    this.values.set(name, (this.values.get(name) ?? 0) + amount);
  }

  set(name: string, value: number): void {
    this.values.set(name, value);
  }

  max(name: string, value: number): void {
    const old = this.values.get(name);
    if (old === undefined || value > old) this.values.set(name, value);
  }

  get(name: string): number {
    return this.values.get(name) ?? 0;
  }

  has(name: string): boolean {
    return this.values.has(name);
  }

  /** Sorted by name so the JSON is deterministic. */
  toJSON(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const k of [...this.values.keys()].sort()) out[k] = this.values.get(k)!;
    return out;
  }
}

/** busy / total, clamped to [0, 1]; 0 when nothing ran. */
export function fraction(busy: number, total: number): number {
  if (!(total > 0)) return 0;
  return Math.min(1, Math.max(0, busy / total));
}
