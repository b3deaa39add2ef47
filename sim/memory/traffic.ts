// Traffic per memory level in the Result contract's shape: level → {readBytes, writeBytes}.
import type { Traffic } from '../core/result';

export class TrafficLedger {
  private readonly levels = new Map<string, { readBytes: number; writeBytes: number }>();

  private level(name: string): { readBytes: number; writeBytes: number } {
    let l = this.levels.get(name);
    if (!l) {
      l = { readBytes: 0, writeBytes: 0 };
      this.levels.set(name, l);
    }
    return l;
  }

  read(level: string, bytes: number): void {
    this.level(level).readBytes += bytes;
  }

  write(level: string, bytes: number): void {
    this.level(level).writeBytes += bytes;
  }

  merge(other: Traffic): void {
    for (const [name, t] of Object.entries(other)) {
      this.read(name, t.readBytes);
      this.write(name, t.writeBytes);
    }
  }

  toTraffic(): Traffic {
    const out: Traffic = {};
    for (const k of [...this.levels.keys()].sort()) out[k] = { ...this.levels.get(k)! };
    return out;
  }
}
