// Limited bandwidth: stalls against a hand-worked timeline (docs/SIMULATOR.md, "Stall example").
import { describe, expect, it } from 'vitest';
import { TraceWriter } from '../../sim/core';
import { simulateSystolic, type SystolicMemoryConfig } from '../../sim/spatial';

function memory(bytesPerCycle: number, latencyCycles: number, sram: Partial<{ ifmap: number; ofmap: number; bankWidth: number }> = {}): SystolicMemoryConfig {
  return {
    dram: { name: 'DRAM', kind: 'dram', bytesPerCycle, latencyCycles },
    ifmapSram: { name: 'IFMAP', capacityBytes: sram.ifmap ?? 1024, banks: 1, bankWidthBytes: sram.bankWidth ?? Infinity },
    filterSram: { name: 'FILTER', capacityBytes: 1024 },
    ofmapSram: { name: 'OFMAP', capacityBytes: sram.ofmap ?? 1024 },
  };
}

describe('DRAM stalls, worked by hand', () => {
  // ws on 2×2, M=4, N=2, K=4: two K folds (r=2), one column fold (c=2), T=4.
  // Each fold computes 2 + 4 + 2 + 2 − 2 = 8 cycles and needs 8 bytes of A + 4 of B = 12 bytes.
  // DRAM: 1 byte/cycle, latency 2.
  //   fold 0 fetch issued at 0, channel 0..12, data at 14 → fold 0 runs 14..22 (stall 14)
  //   fold 1 fetch issued at 0 (second buffer half), channel 12..24, data at 26 → runs 26..34 (stall 4)
  //   Z (T×c = 8 bytes) written after fold 1: issued 34, channel 34..42, done 44 (tail 10)
  //   total 44 = 16 compute + 28 stall
  it('ws 2×2, M=4 N=2 K=4, 1 B/cycle, latency 2', () => {
    const trace = new TraceWriter();
    const run = simulateSystolic({ M: 4, N: 2, K: 4 }, { rows: 2, cols: 2, dataflow: 'ws', wordBytes: 1, memory: memory(1, 2) }, { trace });
    expect(run.computeCycles).toBe(16);
    expect(run.totalCycles).toBe(44);
    expect(run.dramStallCycles).toBe(28);
    expect(run.stallCycles).toBe(28);
    expect(run.dram).toEqual({ ifmapReadBytes: 16, filterReadBytes: 8, ofmapReadBytes: 0, ofmapWriteBytes: 8 });
    const spans = trace.toJSON().traceEvents.filter((e) => e.ph === 'X' && e.cat === 'array');
    expect(spans.map((e) => [e.name, e.args!.startCycle, e.args!.endCycle])).toEqual([
      ['stall', 0, 14],
      ['fold 0.0', 14, 22],
      ['stall', 22, 26],
      ['fold 0.1', 26, 34],
      ['stall', 34, 44],
    ]);
  });

  it('with enough bandwidth the same layer does not stall after the first fetch', () => {
    // 12 B/cycle, latency 0: fold 0 data at 1, fold 1 data at 2 (queued behind fold 0's fetch);
    // fold 0 runs 1..9, fold 1 9..17, Z write 17..18 → total 18 = 16 + 2
    const run = simulateSystolic({ M: 4, N: 2, K: 4 }, { rows: 2, cols: 2, dataflow: 'ws', wordBytes: 1, memory: memory(12, 0) });
    expect(run.totalCycles).toBe(18);
    expect(run.stallCycles).toBe(2);
  });

  it('an operand that does not fit its SRAM is refetched every fold', () => {
    // os on 2×2, M=2, N=4, K=3: one row fold, two column folds, each 3+2+2−2+2 = 7 cycles.
    // A is 6 bytes; with a 4-byte IFMAP SRAM it is fetched for both folds (12 bytes, not 6).
    const run = simulateSystolic({ M: 2, N: 4, K: 3 }, { rows: 2, cols: 2, dataflow: 'os', wordBytes: 1, memory: memory(Infinity, 0, { ifmap: 4 }) });
    expect(run.dram.ifmapReadBytes).toBe(12);
    expect(run.dram.filterReadBytes).toBe(12);
    expect(run.totalCycles).toBe(14);
  });

  it('partial sums that do not fit the ofmap SRAM spill to DRAM and come back after their write', () => {
    // the same ws layer with a 4-byte OFMAP SRAM (the T×c = 8-byte psum tile does not fit), 1 B/cycle, latency 0:
    //   fold 0: fetch 0..12, runs 12..20, writes its 8 B of psums at 20
    //   fold 1: operands fetched 12..24 (issued at 0); psum write 24..32, psum read 32..40 → runs 40..48
    //   final Z write 48..56 → total 56 = 16 + 40 stall; DRAM: read 16 + 8 + 8 psum, write 8 + 8
    const run = simulateSystolic({ M: 4, N: 2, K: 4 }, { rows: 2, cols: 2, dataflow: 'ws', wordBytes: 1, memory: memory(1, 0, { ofmap: 4 }) });
    expect(run.dram).toEqual({ ifmapReadBytes: 16, filterReadBytes: 8, ofmapReadBytes: 8, ofmapWriteBytes: 16 });
    expect(run.totalCycles).toBe(56);
    expect(run.stallCycles).toBe(40);
  });

  it('SRAM bank bandwidth stretches the streaming phase', () => {
    // ws 2×2, M=4 N=2 K=4: each fold streams T·r = 8 bytes of A; one bank of 1 B/cycle needs
    // 8 cycles instead of T = 4: +4 per fold, 2 folds → 16 + 8 = 24
    const run = simulateSystolic({ M: 4, N: 2, K: 4 }, { rows: 2, cols: 2, dataflow: 'ws', wordBytes: 1, memory: memory(Infinity, 0, { bankWidth: 1 }) });
    expect(run.sramStallCycles).toBe(8);
    expect(run.totalCycles).toBe(24);
  });
});

describe('memory invariants over random layers', () => {
  it('total = compute + stalls; the DRAM channel and compulsory traffic bound it from below', async () => {
    const fc = (await import('fast-check')).default;
    const { totalComputeCycles } = await import('../../sim/spatial');
    fc.assert(
      fc.property(
        fc.constantFrom<'os' | 'ws' | 'is'>('os', 'ws', 'is'),
        fc.integer({ min: 1, max: 16 }),
        fc.integer({ min: 1, max: 16 }),
        fc.integer({ min: 1, max: 200 }),
        fc.integer({ min: 1, max: 200 }),
        fc.integer({ min: 1, max: 200 }),
        fc.integer({ min: 1, max: 64 }),
        fc.integer({ min: 0, max: 50 }),
        fc.integer({ min: 16, max: 1 << 16 }),
        (df, R, C, M, N, K, bw, lat, cap) => {
          const mem: SystolicMemoryConfig = {
            dram: { name: 'DRAM', kind: 'dram', bytesPerCycle: bw, latencyCycles: lat },
            ifmapSram: { name: 'I', capacityBytes: cap },
            filterSram: { name: 'F', capacityBytes: cap },
            ofmapSram: { name: 'O', capacityBytes: cap },
          };
          const run = simulateSystolic({ M, N, K }, { rows: R, cols: C, dataflow: df, wordBytes: 1, memory: mem });
          const compute = totalComputeCycles(df, { rows: R, cols: C }, { M, N, K });
          expect(run.computeCycles).toBe(compute);
          expect(run.totalCycles).toBe(run.computeCycles + run.stallCycles);
          const reads = run.dram.ifmapReadBytes + run.dram.filterReadBytes + run.dram.ofmapReadBytes;
          const writes = run.dram.ofmapWriteBytes;
          expect(run.totalCycles).toBeGreaterThanOrEqual(Math.ceil((reads + writes) / bw));
          expect(run.dram.ifmapReadBytes).toBeGreaterThanOrEqual(M * K);
          expect(run.dram.filterReadBytes).toBeGreaterThanOrEqual(K * N);
          expect(writes).toBeGreaterThanOrEqual(M * N);
          if (M * K <= cap) expect(run.dram.ifmapReadBytes).toBe(M * K);
          if (K * N <= cap) expect(run.dram.filterReadBytes).toBe(K * N);
          const unlimited = simulateSystolic({ M, N, K }, { rows: R, cols: C, dataflow: df, wordBytes: 1, memory: { ...mem, dram: { ...mem.dram, bytesPerCycle: Infinity, latencyCycles: 0 } } });
          expect(unlimited.totalCycles).toBe(compute);
        },
      ),
      { numRuns: 300, seed: 7 },
    );
  });
});
