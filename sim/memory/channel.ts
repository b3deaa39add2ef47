// Off-chip memory (DRAM, HBM): a bandwidth-limited, FIFO-served channel with a fixed access latency.
// A transfer occupies the channel for ceil(bytes / bytesPerCycle) cycles; its data is usable
// latencyCycles after the last byte leaves the channel. HBM stripes each transfer evenly over
// its pseudo-channels, so it behaves like one channel of the summed bandwidth (up to rounding).

export interface ChannelConfig {
  name: string;
  kind: 'dram' | 'hbm' | 'ddr';
  /** Bytes per cycle per channel; Infinity means unlimited (no stalls from bandwidth). */
  bytesPerCycle: number;
  latencyCycles: number;
  /** HBM pseudo-channels; 1 for a plain DRAM interface. */
  channels?: number;
}

export interface Transfer {
  issueCycle: number;
  startCycle: number;
  /** the cycle the data is usable (reads) or committed (writes) */
  doneCycle: number;
  bytes: number;
}

export class BandwidthChannel {
  readonly channels: number;
  private readonly freeAt: Float64Array;
  readBytes = 0;
  writeBytes = 0;
  busyCycles = 0;
  transfers = 0;

  constructor(readonly config: ChannelConfig) {
    this.channels = Math.max(1, config.channels ?? 1);
    if (!(config.bytesPerCycle > 0)) throw new Error(`${config.name}: bandwidth must be positive`);
    this.freeAt = new Float64Array(this.channels);
  }

  get unlimited(): boolean {
    return this.config.bytesPerCycle === Infinity;
  }

  /** Cycles one transfer of `bytes` keeps a channel busy. */
  occupancyCycles(bytes: number): number {
    if (this.unlimited || bytes <= 0) return 0;
    return Math.ceil(Math.ceil(bytes / this.channels) / this.config.bytesPerCycle);
  }

  /** Requests must be issued in non-decreasing issue order (the engines issue them that way). */
  request(issueCycle: number, bytes: number, dir: 'read' | 'write'): Transfer {
    if (bytes <= 0) return { issueCycle, startCycle: issueCycle, doneCycle: issueCycle, bytes: 0 };
    if (dir === 'read') this.readBytes += bytes;
    else this.writeBytes += bytes;
    this.transfers++;
    const occ = this.occupancyCycles(bytes);
    let start = issueCycle;
    for (let c = 0; c < this.channels; c++) start = Math.max(start, this.freeAt[c]!);
    for (let c = 0; c < this.channels; c++) this.freeAt[c] = start + occ;
    this.busyCycles += occ;
    return { issueCycle, startCycle: start, doneCycle: start + occ + this.config.latencyCycles, bytes };
  }
}
