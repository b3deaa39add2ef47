// On-chip SRAM: capacity, banks, port width, optional double buffering, and access counters.
// Bandwidth is banks × bank width per cycle; double buffering splits the capacity into a half
// the array reads while the other half is filled from the next level.

export interface SramConfig {
  name: string;
  capacityBytes: number;
  banks?: number;
  /** bytes one bank delivers per cycle; Infinity: never the bottleneck */
  bankWidthBytes?: number;
  doubleBuffered?: boolean;
}

export class BankedSram {
  readonly banks: number;
  readonly bytesPerCycle: number;
  readBytes = 0;
  writeBytes = 0;

  constructor(readonly config: SramConfig) {
    this.banks = Math.max(1, config.banks ?? 1);
    this.bytesPerCycle = this.banks * (config.bankWidthBytes ?? Infinity);
  }

  get name(): string {
    return this.config.name;
  }

  /** Bytes one buffer half holds (the whole capacity without double buffering). */
  get activeBytes(): number {
    return this.config.doubleBuffered === false ? this.config.capacityBytes : Math.floor(this.config.capacityBytes / 2);
  }

  /** Whether a whole operand stays resident, so it is fetched from the next level only once. */
  holds(bytes: number): boolean {
    return bytes <= this.config.capacityBytes;
  }

  /** Cycles the banks need to deliver `bytes` (0 when unlimited). */
  accessCycles(bytes: number): number {
    if (bytes <= 0 || this.bytesPerCycle === Infinity) return 0;
    return Math.ceil(bytes / this.bytesPerCycle);
  }

  read(bytes: number): void {
    this.readBytes += bytes;
  }

  write(bytes: number): void {
    this.writeBytes += bytes;
  }
}
