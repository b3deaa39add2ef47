// Cascade -> OpGraph and TargetSpec -> tier chain, and the baselines on a hand-derived case.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { baselineSchedule, cascadeToOpGraph, checkSchedule, tierChainFromTarget } from '../../compiler/schedule';
import { addDrops } from '../../compiler/schedule/addresses';
import { parseCascade } from '../../compiler/lang';
import type { TargetSpec } from '../../targets/spec/types';
import { chainGraph, twoTier } from './fixtures';

const root = join(import.meta.dirname, '../..');

describe('cascade to operator graph', () => {
  it('makes one operator per einsum with byte sizes from dims and dtype; weights only with params', () => {
    const text = ['rank D = 64, S = 32, E = 16', 'input X[S, D]: bf16', 'weight W[D, E]: fp32', 'Q[s, e] = X[s, d] * W[d, e]', 'M[s] = max(e) Q[s, e]', 'Z[s, e] = exp(Q[s, e] - M[s])', 'output Z', ''].join('\n');
    const c = parseCascade(text, 't.ein').cascade!;
    const g = cascadeToOpGraph(c);
    expect(g.ops.map((o) => o.name)).toEqual(['Q', 'M', 'Z']);
    const bytes = Object.fromEntries(g.tensors.map((t) => [t.name, t.bytes]));
    // X: 32*64 bf16 = 4096 B; Q = X*W widens to fp32: 32*16*4 = 2048 B; M: 32*4; Z: 2048
    expect(bytes).toEqual({ X: 4096, Q: 2048, M: 128, Z: 2048 });
    expect(g.tensors.find((t) => t.name === 'Z')!.kind).toBe('output');
    const gp = cascadeToOpGraph(c, { params: true });
    expect(gp.tensors.find((t) => t.name === 'W')).toEqual({ name: 'W', bytes: 64 * 16 * 4, kind: 'param' });
    expect(gp.ops[0]!.inputs.map((t) => gp.tensors[t]!.name).sort()).toEqual(['W', 'X']);
  });

  it('turns a recurrence (1-pass attention) into one loop operator, keeping the graph acyclic', () => {
    const c = parseCascade(readFileSync(join(root, 'examples/attention/attention-1pass.ein'), 'utf8'), 'a.ein').cascade!;
    const g = cascadeToOpGraph(c);
    // every non-init einsum iterating m1 (BK, BV, BQK ... RNV) is one loop, evaluated as one operator; then AV
    expect(g.ops.length).toBe(2);
    expect(g.ops[1]!.name).toBe('AV');
    const loop = g.ops.find((o) => o.name.startsWith('loop'))!;
    expect(loop.outputs.map((t) => g.tensors[t]!.name)).toContain('RNV');
    const produced = new Set<number>();
    for (const o of g.ops) {
      for (const t of o.inputs) if (g.tensors[t]!.kind !== 'input') expect(produced.has(t)).toBe(true);
      o.outputs.forEach((t) => produced.add(t));
    }
  });
});

describe('tier chain from a target', () => {
  const spec: TargetSpec = {
    name: 't',
    description: '',
    clockHz: 1e9,
    memories: [
      { name: 'DDR', kind: 'ddr', capacityBytes: 2 ** 40, bandwidthBytesPerSecond: 1e11, readEnergyPjPerByte: 30, writeEnergyPjPerByte: 30, attrs: {} },
      { name: 'HBM', kind: 'hbm', capacityBytes: 2 ** 36, bandwidthBytesPerSecond: 1e12, readEnergyPjPerByte: 8, writeEnergyPjPerByte: 12, attrs: {} },
      { name: 'SRAM', kind: 'sram', capacityBytes: 2 ** 29, attrs: {} },
    ],
    computes: [],
    links: [],
    attrs: {},
  };
  it('orders SRAM, then off-chip memories nearest first, with time or energy costs', () => {
    const t = tierChainFromTarget(spec, 1000, 'time');
    expect(t.tiers.map((x) => x.name)).toEqual(['SRAM', 'HBM', 'DDR']);
    expect(t.tiers[0]!.capacityBytes).toBe(1000);
    expect(t.tiers[1]!.costPerByte).toBeCloseTo(1e-12);
    expect(t.tiers[2]!.costPerByte).toBeCloseTo(1e-11);
    const e = tierChainFromTarget(spec, 1000, 'energy');
    expect(e.tiers[1]!.costPerByte).toBe(10); // (8 + 12) / 2 pJ per byte moved one way
    expect(e.tiers[2]!.costPerByte).toBe(30);
    expect(e.warnings).toBeUndefined();
  });

  it('says so when a memory gives no energy and its cost falls back to 1 pJ/B', () => {
    const noEnergy: TargetSpec = { ...spec, memories: spec.memories.map((m) => (m.name === 'DDR' ? { name: 'DDR', kind: 'ddr', capacityBytes: 2 ** 40, bandwidthBytesPerSecond: 1e11, attrs: {} } : m)) };
    const e = tierChainFromTarget(noEnergy, 1000, 'energy');
    expect(e.tiers[2]!.costPerByte).toBe(1);
    expect(e.warnings).toEqual(['t: memory DDR gives no read or write energy, so its transfers cost 1 pJ/B (a unit cost: the schedule minimises bytes there)']);
    expect(tierChainFromTarget(noEnergy, 1000, 'time').warnings).toBeUndefined();
  });
});

describe('baselines', () => {
  it('Belady and LRU on the chain graph at 50 bytes: a is evicted before C and reloaded for D', () => {
    const g = chainGraph();
    for (const policy of ['belady', 'lru'] as const) {
      const r = baselineSchedule(g, twoTier(50), policy);
      if (!('schedule' in r)) throw new Error(r.failure.message);
      addDrops(g, 1, r.schedule.steps);
      const c = checkSchedule(g, twoTier(50), r.schedule);
      expect(c.violations).toEqual([]);
      expect(c.traffic.nonCompulsoryBytes).toBe(40);
    }
  });
  it('reports the step and tensor when an operator cannot fit', () => {
    const r = baselineSchedule(chainGraph(), twoTier(45), 'belady');
    expect('failure' in r && r.failure.step).toBe(3);
  });
});
