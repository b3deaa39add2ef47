// Turns systolic runs (one per layer or einsum) into the Result JSON of DESIGN.md.
import type { EinsumResult, Result, Traffic } from '../core/result';
import { fraction } from '../core/stats';
import { TrafficLedger } from '../memory/traffic';
import type { SystolicRun } from './systolic';

export interface NamedRun {
  name: string;
  run: SystolicRun;
}

/** Traffic per level for one run: the array's SRAM accesses plus the DRAM fills and drains. */
export function runTraffic(run: SystolicRun): Traffic {
  const t = new TrafficLedger();
  t.read('DRAM', run.dram.ifmapReadBytes + run.dram.filterReadBytes + run.dram.ofmapReadBytes);
  t.write('DRAM', run.dram.ofmapWriteBytes);
  t.read('IFMAP_SRAM', run.sram.ifmapReadBytes);
  t.write('IFMAP_SRAM', run.dram.ifmapReadBytes);
  t.read('FILTER_SRAM', run.sram.filterReadBytes);
  t.write('FILTER_SRAM', run.dram.filterReadBytes);
  t.write('OFMAP_SRAM', run.sram.ofmapWriteBytes + run.dram.ofmapReadBytes);
  t.read('OFMAP_SRAM', run.sram.ofmapReadBytes + run.dram.ofmapWriteBytes);
  return t.toTraffic();
}

export function systolicResult(opts: { target: string; workload: string; clockHz: number; unit: string; pes: number; runs: NamedRun[]; warnings?: string[] }): Result {
  const total = new TrafficLedger();
  const einsums: EinsumResult[] = [];
  let cycles = 0;
  let macs = 0;
  let stalls = 0;
  for (const { name, run } of opts.runs) {
    const traffic = runTraffic(run);
    total.merge(traffic);
    cycles += run.totalCycles;
    macs += run.macs;
    stalls += run.stallCycles;
    einsums.push({ name, unit: opts.unit, latencyCycles: run.totalCycles, energyPj: 0, traffic });
  }
  return {
    target: opts.target,
    workload: opts.workload,
    fidelity: 'cycle',
    latencyCycles: cycles,
    latencySeconds: cycles / opts.clockHz,
    energyPj: 0,
    utilization: { [opts.unit]: fraction(macs, opts.pes * cycles) },
    traffic: total.toTraffic(),
    einsums,
    warnings: opts.warnings ?? [],
    stallCycles: stalls,
    macs,
  };
}
