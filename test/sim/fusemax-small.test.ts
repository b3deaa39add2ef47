// FuseMax (1-pass) and FLAT (3-pass) on small and medium shapes: the analytic model (compiler/map/
// fused.ts) and the cycle engine (sim/spatial/attention-pipeline.ts via targets/spatial-cycle.ts)
// must agree within 5% in cycles and exactly in DRAM traffic, and both must equal the compulsory
// traffic (Q, K, V read once, the output written once). Oracles: the per-tile schedule of the shipped
// example worked out by hand in docs/SIMULATOR.md ("Small shapes"), and the tensor sizes.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseCascade } from '../../compiler/lang';
import type { Cascade } from '../../compiler/ir';
import { getTarget } from '../../targets/registry';
import { attentionEin } from '../helpers/attention';

const root = join(import.meta.dirname, '../..');

function cascadeOf(text: string): Cascade {
  const { cascade, diagnostics } = parseCascade(text, 'shape.ein');
  if (!cascade) throw new Error(diagnostics.map((d) => d.message).join('\n'));
  return cascade;
}

function both(target: string, c: Cascade, batch = 1) {
  const t = getTarget(target);
  const m = t.map(c, undefined, { batch });
  return { mapping: m, analytic: t.simulate(m, { fidelity: 'analytic' }), cycle: t.simulate(m, { fidelity: 'cycle' }) };
}

const dtypeBytes: Record<string, number> = { fp32: 4, bf16: 2 };

const onePass = (E: number, F: number, M: number, M0: number, P: number, dt: string) => attentionEin(1, { E, F, M, P, M0 }, dt);
const threePass = (E: number, F: number, M: number, P: number, dt: string) => attentionEin(3, { E, F, M, P }, dt);

/** Q[E,P] + K[E,M] + V[F,M] read once, AV[F,P] written once, per instance. */
function compulsory(E: number, F: number, M: number, P: number, bytes: number, batch = 1) {
  return { readBytes: (E * P + E * M + F * M) * bytes * batch, writeBytes: F * P * bytes * batch };
}

describe('the shipped example (E = F = 16, M = 200 with M0 = 64: tiles 64, 64, 64 and a ragged 8; P = 64)', () => {
  const text1 = readFileSync(join(root, 'examples/attention/attention-1pass.ein'), 'utf8');
  const text3 = readFileSync(join(root, 'examples/attention/attention-3pass.ein'), 'utf8');

  // Hand derivation (docs/SIMULATOR.md, "Small shapes"): HBM moves 400 GiB/s / 940 MHz = 456.9 B per
  // cycle. FuseMax: the Q tile (16·64·4 B, 9 cycles) and K tile 0 (16·64·4 B, 9 cycles) arrive before
  // the first QK (fill 18); per M tile the 2D array works QK 16 + LM 1 + SLN 7 + SLD 1 + SLNV 16 = 41 and
  // waits 1 for RM (42 per tile, 4 tiles, the ragged one included); after the last SLNV the 1D array
  // finishes SPNV (1 more cycle: it starts after RD), RNV 16 and AV 16; AV (16·64·4 B) takes 9 cycles
  // to write. 18 + 4·42 + 1 + 16 + 16 + 9 = 228.
  it('FuseMax, fp32 as declared: 228 cycles in both models; DRAM = compulsory 29696 B read, 4096 B written', () => {
    const { mapping, analytic, cycle } = both('fusemax', cascadeOf(text1));
    expect(mapping.groups[0]!.params).toMatchObject({ M0: 64, M1: 4, P1: 1, P2: 1 });
    expect(18 + 4 * 42 + 1 + 16 + 16 + 9).toBe(228);
    expect(analytic.latencyCycles).toBe(228);
    expect(cycle.latencyCycles).toBe(228);
    expect(compulsory(16, 16, 200, 64, 4)).toEqual({ readBytes: 29696, writeBytes: 4096 });
    expect(analytic.traffic.DRAM).toEqual(compulsory(16, 16, 200, 64, 4));
    expect(cycle.traffic.DRAM).toEqual(compulsory(16, 16, 200, 64, 4));
    expect(cycle.warnings.filter((w) => w.includes('analytic cost used'))).toEqual([]);
  });

  // The same cascade with FuseMax's 16-bit data: transfers of 2048 B take 5 cycles:
  // 10 + 4·42 + 1 + 16 + 16 + 5 = 216; DRAM 16·64·2 + 16·200·2 + 16·200·2 = 14848 B, AV 2048 B.
  it('FuseMax, bf16: 216 cycles; DRAM 14848 B read, 2048 B written', () => {
    const { analytic, cycle } = both('fusemax', cascadeOf(text1.replaceAll('fp32', 'bf16')));
    expect(10 + 4 * 42 + 1 + 16 + 16 + 5).toBe(216);
    expect(analytic.latencyCycles).toBe(216);
    expect(cycle.latencyCycles).toBe(216);
    expect(analytic.traffic.DRAM).toEqual({ readBytes: 14848, writeBytes: 2048 });
    expect(cycle.traffic.DRAM).toEqual({ readBytes: 14848, writeBytes: 2048 });
  });

  // FLAT, one block of R = 64 queries (lanes ← m, 200 of 256 busy): Q and K (4096 + 12800 B, 37 cycles)
  // before QK; QK 16 on the 2D array (one score per PE, E MACs); GM, SN, SD, A one pass each over
  // the block on the 1D array, 64 queries per lane: 4 × 64; AV 16 (V arrived at 37 + 29 = 66);
  // AV written in 9. 37 + 16 + 256 + 16 + 9 = 334. bf16: 19 + 16 + 256 + 16 + 5 = 312.
  for (const [dt, cycles, bytes] of [['fp32', 334, 4], ['bf16', 312, 2]] as const) {
    it(`FLAT, ${dt}: ${cycles} cycles in both models; DRAM = compulsory`, () => {
      const { mapping, analytic, cycle } = both('flat', cascadeOf(text3.replaceAll('fp32', dt)));
      expect(mapping.groups[0]!.params).toMatchObject({ R: 64, blocks: 1, spillPercent: 0 });
      expect(analytic.latencyCycles).toBe(cycles);
      expect(cycle.latencyCycles).toBe(cycles);
      expect(analytic.traffic.DRAM).toEqual(compulsory(16, 16, 200, 64, bytes));
      expect(cycle.traffic.DRAM).toEqual(compulsory(16, 16, 200, 64, bytes));
    });
  }
});

describe('analytic and cycle agree on small and medium shapes', () => {
  // [E, F, M, M0, P, dtype, batch]: ragged M tiles, P below the 256 columns, P not a multiple of 256,
  // M0 below and above the 256 rows, E ≠ F, several instances
  const shapes: [number, number, number, number, number, string, number][] = [
    [8, 8, 100, 32, 10, 'bf16', 1],
    [64, 64, 512, 128, 100, 'bf16', 1],
    [64, 64, 1000, 256, 300, 'bf16', 1],
    [64, 64, 1000, 256, 300, 'bf16', 4],
    [128, 128, 777, 256, 513, 'bf16', 1],
    [16, 64, 1000, 256, 256, 'bf16', 1],
    [64, 16, 3000, 256, 700, 'fp32', 2],
    [64, 64, 2048, 512, 256, 'bf16', 1],
    [32, 32, 4096, 256, 1024, 'bf16', 1],
  ];
  for (const [E, F, M, M0, P, dt, batch] of shapes) {
    const label = `E=${E} F=${F} M=${M} P=${P} ${dt} batch ${batch}`;
    it(`fusemax, 1-pass, M0=${M0}, ${label}`, () => {
      const { analytic, cycle } = both('fusemax', cascadeOf(onePass(E, F, M, M0, P, dt)), batch);
      expect(cycle.warnings.filter((w) => w.includes('analytic cost used'))).toEqual([]);
      expect(Math.abs(cycle.latencyCycles - analytic.latencyCycles) / analytic.latencyCycles).toBeLessThan(0.05);
      expect(analytic.traffic.DRAM).toEqual(compulsory(E, F, M, P, dtypeBytes[dt]!, batch));
      expect(cycle.traffic.DRAM).toEqual(analytic.traffic.DRAM);
    });
    it(`flat, 3-pass, ${label}`, () => {
      const { analytic, cycle } = both('flat', cascadeOf(threePass(E, F, M, P, dt)), batch);
      expect(cycle.warnings.filter((w) => w.includes('analytic cost used'))).toEqual([]);
      expect(Math.abs(cycle.latencyCycles - analytic.latencyCycles) / analytic.latencyCycles).toBeLessThan(0.05);
      expect(analytic.traffic.DRAM).toEqual(compulsory(E, F, M, P, dtypeBytes[dt]!, batch));
      expect(cycle.traffic.DRAM).toEqual(analytic.traffic.DRAM);
    });
  }
});
