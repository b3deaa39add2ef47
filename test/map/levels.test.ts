// N memory levels (docs/MAPPER.md "Memory levels"): traffic per level for a small GEMM on small
// hand-written 3- and 4-level targets, hand-derived; traffic never falls when an inner level
// shrinks; the whole-cascade Result lists every level.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { EinsumCostModel, einsumWorkload, hwModel } from '../../compiler/map';
import { analyticResult } from '../../compiler/map/result';
import { mapCascade } from '../../compiler/map/map-cascade';
import { loadBuiltinTarget, parseTarget } from '../../targets/spec';
import type { TargetSpec } from '../../targets/spec/types';
import { gemm } from './helpers';

/** DRAM -> L2 -> [L1 ->] L0 -> a 4-lane vector unit; capacities in bytes. */
function levelsSpec(l2: number, l0: number, l1?: number): TargetSpec {
  const text = `target lv "test: ${l1 === undefined ? 3 : 4} memory levels" {
  clock = 1 GHz
  memory DRAM : dram { bandwidth = 4 GB/s; energy = 10 pJ/B }
  memory L2 : sram { capacity = ${l2} B; bandwidth = 64 GB/s; energy = 2 pJ/B }
${l1 === undefined ? '' : `  memory L1 : sram { capacity = ${l1} B; bandwidth = 64 GB/s; energy = 1 pJ/B }\n`}  memory L0 : sram { capacity = ${l0} B; bandwidth = 64 GB/s; energy = 0.5 pJ/B }
  compute PE : vector { lanes = 4; ops = [mul, add] }
  link DRAM -> L2 -> ${l1 === undefined ? '' : 'L1 -> '}L0 -> PE
}
`;
  const r = parseTarget(text, 'lv.arch');
  if (!r.spec) throw new Error(r.diagnostics.map((d) => d.message).join('\n'));
  return r.spec;
}

/** GEMM 8x8x8, int8 everywhere (1 byte per element: bytes = elements); m on the 4 lanes; GLB tiles whole; loops m, n, k. */
function evaluate(spec: TargetSpec, M = 8, N = 8, K = 8) {
  const hw = hwModel(spec);
  const w = einsumWorkload(gemm(M, N, K, 'int8', 'int8', false), 0);
  const model = new EinsumCostModel(w, hw.units[0]!, hw);
  const idx = (v: string) => w.vars.indexOf(v);
  const tiles = Int32Array.from(w.vars.map((_, i) => model.cands[i]!.length - 1));
  const order = Int32Array.from([idx('m'), idx('n'), idx('k')]);
  const value = model.evaluate(idx('m'), -1, tiles, order, 'latency');
  return { hw, model, value, traffic: model.levelTraffic() };
}

describe('three levels: DRAM -> L2 -> L0', () => {
  // L2 (the GLB) holds the whole 8x8x8 GEMM (2 x 192 B): DRAM moves A and B once and Z once.
  // L0 holds 96 B: the rule shrinks the innermost loop's rank first: k 8 -> 1 (A 8 + B 8 + Z 64 = 80,
  // twice is 160 > 96), then n 8 -> 4 (A 8 + B 4 + Z 32 = 44, twice 88): tile m 8, n 4, k 1.
  // Loops below L2: m 1 trip, n 2, k 8. A[m,k]: innermost relevant loop k, above it n (2 trips) does
  // not index A: filled twice (128 B). B[k,n]: above k only m (1 trip): once (64 B). Z[m,n]: the
  // innermost loop indexing it is n; nothing irrelevant above: written back once (64 B), no partial sums.
  const { traffic, value } = evaluate(levelsSpec(1024, 96));
  it('is a valid mapping', () => expect(Number.isFinite(value)).toBe(true));
  it('lists every level, outermost first', () => expect(Object.keys(traffic)).toEqual(['DRAM', 'L2', 'L0']));
  it('DRAM: A and B read once, Z written once', () => {
    expect(traffic.DRAM).toEqual({ readBytes: 128, writeBytes: 64 });
  });
  it('L2: fills from DRAM (128 B) and the write-back of Z; read by L0 fills (192 B) and the write of Z to DRAM', () => {
    expect(traffic.L2).toEqual({ readBytes: 192 + 64, writeBytes: 128 + 64, fillBytes: 128 });
  });
  it('L0: fills of A twice and B once; the lanes read A per point, B once per 4 lanes; Z updated per k', () => {
    // array reads: A 512 points / 1 (n is not spread) = 512, B 512 / 4 lanes = 128; Z written once per
    // k tile (8 x 64) and read back 7 x 64; Z written back to L2 once (64)
    expect(traffic.L0).toEqual({ readBytes: 512 + 128 + 7 * 64 + 64, writeBytes: 192 + 8 * 64, fillBytes: 192 });
  });
});

describe('four levels: a middle level that is too small forces re-fetches', () => {
  // L1 holds everything (1024 B): A and B cross L2 -> L1 once. L1 of 96 B: tile m 8, n 4, k 1 as
  // above, so A is filled twice from L2 (once per n tile).
  it('L1 big: A, B and Z cross L2 -> L1 once', () => {
    const { traffic } = evaluate(levelsSpec(1024, 48, 1024));
    expect(traffic.L1!.fillBytes).toBe(128);
    expect(traffic.L2!.readBytes).toBe(128 + 64);
  });
  it('L1 of 96 B: A crosses twice', () => {
    const { traffic } = evaluate(levelsSpec(1024, 48, 96));
    expect(Object.keys(traffic)).toEqual(['DRAM', 'L2', 'L1', 'L0']);
    expect(traffic.L1!.fillBytes).toBe(128 + 64);
    expect(traffic.L2!.readBytes).toBe(192 + 64);
    // L0 (48 B) below it: from m 8, n 4, k 1 the rule halves n to 1 (A 8 + B 1 + Z 8 = 17, twice 34).
    // Loops: L1 m 1, n 2, k 8; L0 n 4. A: innermost relevant loop with > 1 trip is L1's k, above it
    // L1's n (2): 128 B. B: L0's n, nothing irrelevant above with > 1 trip: 64 B. Z: L0's n, with L1's
    // k (8 trips) above it: written back to L1 8 times (512 B), partial sums read back 7 times.
    expect(traffic.L0!.fillBytes).toBe(128 + 64 + 7 * 64);
    expect(traffic.L1!.readBytes).toBe(128 + 64 + 7 * 64 + 64);
  });
});

describe('traffic never falls when an inner level shrinks', () => {
  it('a smaller L0 never lowers any level; a smaller L1 never lowers the levels above it nor its fills', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 2, max: 12 }),
        fc.integer({ min: 2, max: 12 }),
        fc.integer({ min: 2, max: 12 }),
        fc.integer({ min: 8, max: 2048 }),
        fc.integer({ min: 8, max: 2048 }),
        fc.integer({ min: 1, max: 2048 }),
        fc.boolean(),
        (M, N, K, l1, l0, shrink, middle) => {
          const small = Math.max(1, (middle ? l1 : l0) - shrink);
          const big = evaluate(levelsSpec(1 << 16, l0, l1), M, N, K);
          const less = evaluate(levelsSpec(1 << 16, middle ? l0 : small, middle ? small : l1), M, N, K);
          if (!Number.isFinite(less.value) || !Number.isFinite(big.value)) return;
          // shrinking L0 (the innermost): every level; shrinking L1: the levels above it and L1's
          // fills (L0's tiles start from L1's, so the nest below L1 changes: its traffic may fall)
          for (const lvl of middle ? ['DRAM', 'L2'] : ['DRAM', 'L2', 'L1', 'L0']) {
            const a = big.traffic[lvl]!;
            const b = less.traffic[lvl]!;
            expect(b.readBytes).toBeGreaterThanOrEqual(a.readBytes);
            expect(b.writeBytes).toBeGreaterThanOrEqual(a.writeBytes);
          }
          expect(less.traffic.L1!.fillBytes).toBeGreaterThanOrEqual(big.traffic.L1!.fillBytes!);
        },
      ),
      { numRuns: 200, seed: 7 },
    );
  });
});

describe('the whole cascade', () => {
  it('Result.traffic lists every level of the hierarchy the GEMM touches', () => {
    const spec = levelsSpec(256, 48, 96);
    const m = mapCascade(gemm(16, 16, 16, 'int8', 'int8', false), spec, { objective: 'latency', seed: 1 });
    const r = analyticResult(m);
    expect(Object.keys(r.traffic)).toEqual(['DRAM', 'L2', 'L1', 'L0']);
    for (const t of Object.values(r.traffic)) expect(t.readBytes + t.writeBytes).toBeGreaterThan(0);
    expect(Object.keys((r.mapping as { einsums: { fillBytes: Record<string, number> }[] }).einsums[0]!.fillBytes)).toEqual(['L2', 'L1', 'L0']);
  });
  it('H100: HBM, L2, shared memory and registers', () => {
    const m = mapCascade(gemm(256, 256, 256, 'bf16', 'fp32', true), loadBuiltinTarget('h100'), { objective: 'latency', seed: 1 });
    expect(Object.keys(analyticResult(m).traffic)).toEqual(['HBM', 'L2', 'SMEM', 'RF']);
  });
});

