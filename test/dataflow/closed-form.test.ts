// The analytic model of a pipelined section (sim/dataflow/closed-form.ts) on cases worked out by hand
// (the same cases the tile-level engine is held to in section.test.ts), the channel share's
// precision, and one answer on the SN40L: LLaMA-2-7B prefill and decode b=16 agree with the cycle
// engine, and the analytic time is the sections' overlap, not the sum of the einsums' own costs.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildModel, parseModelConfig } from '../../compiler/graph';
import { mapStage, resolveTarget, simulateCascade } from '../../compiler/driver/pipeline';
import { channelRate, runSection, sectionClosedForm, type DataflowSection } from '../../sim/dataflow';

const root = join(import.meta.dirname, '../..');
const one = (bw: number, latency = 0) => [{ name: 'HBM', bytesPerCycle: bw, latencyCycles: latency }];

describe('closed form of a section, by hand', () => {
  it('one load-bound stage: the first tile loads, each tile follows at its load time, the last computes', () => {
    // 4 tiles of 100 B at 10 B/cycle: l = 10 a tile; 3 cycles of compute a tile: first tile ends at
    // 10 + 3, then 3 more tiles at max(l, p) = 10: 13 + 30 = 43
    const sec: DataflowSection = { tiers: one(10), stages: [{ name: 'A', computeCycles: 12, readBytes: [400], writeBytes: [0], producers: [], buffers: 2 }], tiles: 4, startCycle: 0 };
    expect(sectionClosedForm(sec).endCycle).toBe(43);
    expect(runSection(sec).endCycle).toBe(43);
  });

  it('a producer and a consumer: the pipeline runs at the slower one, the consumer adds its first tile', () => {
    // A 5 a tile, B 2 and needs A's tile: A's first tile ends at 5, B's at 7; 2 more tiles at 5: 17
    const sec: DataflowSection = {
      tiers: one(1),
      stages: [
        { name: 'A', computeCycles: 15, readBytes: [0], writeBytes: [0], producers: [], buffers: 2 },
        { name: 'B', computeCycles: 6, readBytes: [0], writeBytes: [0], producers: [0], buffers: 2 },
      ],
      tiles: 3,
      startCycle: 100,
    };
    expect(sectionClosedForm(sec).endCycle).toBe(117);
  });

  it('two independent stages sharing a tier: each needs the whole tier time for its bytes', () => {
    // 600 B + 200 B at 8 B/cycle: the tier is busy 100 cycles; both stages' tiles follow at 100/4 = 25;
    // A (compute 4 a tile) ends at 25 + 4 + 3·25 = 104, as does B
    const sec: DataflowSection = {
      tiers: one(8),
      stages: [
        { name: 'A', computeCycles: 16, readBytes: [600], writeBytes: [0], producers: [], buffers: 2 },
        { name: 'B', computeCycles: 16, readBytes: [200], writeBytes: [0], producers: [], buffers: 2 },
      ],
      tiles: 4,
      startCycle: 0,
    };
    expect(sectionClosedForm(sec).endCycle).toBe(104);
    expect(runSection(sec).endCycle).toBe(104);
  });

  it('a small share of a tier keeps its rate to 1e-6 (not rounded to 1/4096 B a cycle)', () => {
    const rate = (1000 * 512) / 9.4e8; // 512 B of 940 MB on a 1000 B/cycle tier
    const { num, den } = channelRate(rate);
    expect(Math.abs(num / den / rate - 1)).toBeLessThan(1e-6);
    // the bandwidths .arch files give stay exact and small
    expect(channelRate(78.125)).toEqual({ num: 625, den: 8 });
  });
});

describe('one answer on the SN40L (LLaMA-2-7B, one layer)', () => {
  const spec = parseModelConfig(readFileSync(join(root, 'data/models/llama-2-7b.json'), 'utf8'), 'llama-2-7b.json');
  for (const phase of [{ kind: 'prefill', batch: 1, seq: 2048 } as const, { kind: 'decode', batch: 16, kvLen: 2048 } as const]) {
    it(`${phase.kind} b=${phase.batch}: analytic within 10% of cycle`, () => {
      const c = buildModel(spec, phase, { layers: 1 });
      const a = simulateCascade(c, { target: 'sn40l' });
      const cy = simulateCascade(c, { target: 'sn40l', fidelity: 'cycle' });
      expect(a.fidelity).toBe('analytic');
      expect(Math.abs(cy.latencyCycles / a.latencyCycles - 1)).toBeLessThan(0.1);
      expect(a.einsums.reduce((s, e) => s + e.latencyCycles, 0)).toBe(a.latencyCycles);
      // prefill mixes compute-bound projections with HBM-bound softmax passes: overlapped, they take
      // less than the sum of the mapper's own per-einsum costs (a pipeline-blind model); decode is
      // HBM-bound throughout and has nothing to overlap
      if (phase.kind !== 'prefill') return;
      const o = { target: 'sn40l' };
      const m = mapStage(c, resolveTarget(o), o);
      const sum = m.einsums.reduce((s, e) => s + e.cost.latencyCycles, 0);
      expect(a.latencyCycles).toBeLessThan(sum);
    }, 60_000);
  }
});
