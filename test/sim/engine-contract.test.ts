// The engine contract (targets/engines/contract.ts): the mapper lowers a cascade once (Mapping.ops),
// every op reaches the engine registered for its kind through one interface at both fidelities, and
// a family a test registers is selected by `attr engine` with no other change. Oracles: GEMM shapes
// read from the cascade text (not from the lowered op), a hand formula for the fixture engine, and
// the mapper's own per-einsum records summed independently.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseModelConfig } from '../../compiler/graph/config';
import { buildModel } from '../../compiler/graph/model';
import { parseCascade } from '../../compiler/lang';
import { cascadeWorkloads } from '../../compiler/map';
import type { Result } from '../../sim/core/result';
import { ResultSchema } from '../../sim/core/result';
import { registerEngine, engineFamilies, dataflowPlugins, type EngineFamily, type OpEngine } from '../../targets/engines/index';
import { loadTargetSpec } from '../../targets/registry';
import { targetFromSpec } from '../../targets/target';

const TEXT = `rank M = 40, N = 24, K = 72, J = 16
input A[M, K]: fp32
input B[K, N]: fp32
input C[N, J]: fp32
X[m, n] = A[m, k] * B[k, n]
Y[m, n] = X[m, n] * X[m, n]
Z[m, j] = Y[m, n] * C[n, j]
output Z
`;
const cascade = () => parseCascade(TEXT, 'contract.ein').cascade!;

/** The fixture engine's model: one cycle per MAC over a 4 x 4 array, rounded up per fold. */
const fixtureCycles = (M: number, N: number, K: number) => Math.ceil(M / 4) * Math.ceil(N / 4) * K;

const fixtureGemm: OpEngine = {
  name: 'fixture-gemm',
  kinds: ['contraction'],
  cycle(op) {
    const g = op.gemm!;
    return { latencyCycles: fixtureCycles(g.M, g.N, g.K) * op.batch, busyPeCycles: { [op.units[0]!]: g.M * g.N * g.K * op.batch }, traffic: { DRAM: { readBytes: 1, writeBytes: 2 } } };
  },
};
const fixtureElementwise: OpEngine = {
  name: 'fixture-elementwise',
  kinds: ['elementwise'],
  analytic: (op) => ({ latencyCycles: 7 * op.batch, energyPj: 3, busyPeCycles: {}, traffic: {} }),
};
const fixture: EngineFamily = { name: 'fixture', description: 'a test family', unsupported: () => null, ops: [fixtureGemm, fixtureElementwise] };

function fixtureTarget() {
  registerEngine(fixture);
  const spec = loadTargetSpec('systolic');
  return targetFromSpec({ ...spec, attrs: { ...spec.attrs, engine: 'fixture' } });
}

describe('the lowered mapping', () => {
  it('lists every einsum once, in program order, with its kind, binding, tiles and levels', () => {
    const t = targetFromSpec(loadTargetSpec('systolic'));
    const m = t.map(cascade(), undefined, {});
    expect(m.ops.map((o) => [o.name, o.kind])).toEqual([
      ['X', 'contraction'],
      ['Y', 'elementwise'],
      ['Z', 'contraction'],
    ]);
    for (const op of m.ops) {
      const e = m.einsums.find((x) => x.name === op.name)!;
      expect(op.binding).toEqual(e.spatial);
      expect(op.tiles).toEqual(e.tiles);
      expect(op.loopOrder).toEqual(e.loopOrder);
      expect(op.units).toEqual([e.unit]);
      expect(op.levels.sort()).toEqual(Object.keys(e.cost.traffic).sort());
    }
    // GEMM shapes as the cascade text gives them
    expect(m.ops[0]!.gemm).toMatchObject({ M: 40, N: 24, K: 72, batch: 1 });
    expect(m.ops[2]!.gemm).toMatchObject({ M: 40, N: 16, K: 24, batch: 1 });
    expect(m.ops[1]!.gemm).toBeUndefined();
  });

  it('a reduction without a product is its own kind', () => {
    const c = parseCascade('rank M = 8, N = 6\ninput A[M, N]: fp32\nS[m] = A[m, n]\noutput S\n', 'r.ein').cascade!;
    const m = targetFromSpec(loadTargetSpec('systolic')).map(c, undefined, {});
    expect(m.ops.map((o) => o.kind)).toEqual(['reduction']);
  });
});

describe('engine families are chosen by name from a registry', () => {
  it('a family registered by a test runs each op of its kinds; the rest keep their analytic cost, with a warning', () => {
    const t = fixtureTarget();
    expect(engineFamilies().map((f) => f.name)).toContain('fixture');
    expect(t.fidelities).toEqual(['analytic', 'cycle']);
    const m = t.map(cascade(), undefined, { batch: 3 });
    const r = t.simulate(m, { fidelity: 'cycle' }) as Result;
    expect(ResultSchema.safeParse(r).success).toBe(true);
    const y = m.einsums.find((e) => e.name === 'Y')!;
    const expected = 3 * fixtureCycles(40, 24, 72) + Math.round(y.cost.latencyCycles) + 3 * fixtureCycles(40, 16, 24);
    expect(r.latencyCycles).toBe(expected);
    expect(r.einsums.map((e) => [e.name, e.latencyCycles])).toEqual([
      ['X', 3 * fixtureCycles(40, 24, 72)],
      ['Y', Math.round(y.cost.latencyCycles)],
      ['Z', 3 * fixtureCycles(40, 16, 24)],
    ]);
    expect(r.traffic.DRAM).toMatchObject({ readBytes: 2 + Math.round(y.cost.traffic.DRAM?.readBytes ?? 0) });
    expect(r.warnings.some((w) => w.startsWith('Y: no cycle-level engine for this elementwise'))).toBe(true);
  });

  it("an engine's own analytic model replaces the mapper's cost for its kind at analytic fidelity", () => {
    const t = fixtureTarget();
    const m = t.map(cascade(), undefined, { batch: 2 });
    const r = t.simulate(m, { fidelity: 'analytic' });
    const sum = (n: string) => m.einsums.find((e) => e.name === n)!.cost.latencyCycles;
    expect(r.latencyCycles).toBe(Math.round(sum('X') + 14 + sum('Z')));
    expect(r.einsums.find((e) => e.name === 'Y')).toMatchObject({ latencyCycles: 14, energyPj: 3 });
  });

  it('an unknown engine name is refused, naming the registered ones; so is an unknown fused dataflow', () => {
    const spec = loadTargetSpec('systolic');
    const t = targetFromSpec({ ...spec, attrs: { ...spec.attrs, engine: 'nonesuch' } });
    expect(t.fidelities).toEqual(['analytic']);
    expect(t.noCycleReason).toMatch(/unknown engine 'nonesuch' \(engines: .*spatial.*scalesim/);
    expect(() => targetFromSpec({ ...spec, attrs: { ...spec.attrs, fusion: 'nonesuch' } })).toThrow(/attr fusion = nonesuch is not a fused dataflow/);
    expect(dataflowPlugins().map((d) => d.name)).toEqual(['pipeline', 'rowblock']);
  });
});

describe('the fused pipeline applies to every layer of a model', () => {
  // the shipped tiny LLaMA (2 layers, GQA 4/2 heads) lowered with the 1-pass attention, keys tiled by 32
  const config = parseModelConfig(readFileSync(join(import.meta.dirname, '../../examples/models/tiny-llama.json'), 'utf8'), 'tiny-llama.json');
  const model = (layers: number) => buildModel(config, { kind: 'prefill', batch: 1, seq: 128 }, { layers, passes: 1, tile: 32 });

  it('one group per layer, each costed as the one-layer model costs its layer, every einsum in exactly one op', () => {
    const t = targetFromSpec(loadTargetSpec('fusemax'));
    const one = t.map(model(1), undefined, {});
    const two = t.map(model(2), undefined, {});
    expect(one.groups.map((g) => g.name)).toEqual(['pipeline(m1_l0)']);
    expect(two.groups.map((g) => g.name)).toEqual(['pipeline(m1_l0)', 'pipeline(m1_l1)']);
    for (const g of two.groups) {
      expect(g.cost.latencyCycles).toBe(one.groups[0]!.cost.latencyCycles);
      expect(g.cost.traffic).toEqual(one.groups[0]!.cost.traffic);
      // only this layer's running values are its state (not the other layers')
      expect(g.fused!.onChip).toEqual(one.groups[0]!.fused!.onChip);
    }
    const c = model(2);
    const ws = cascadeWorkloads(c);
    const inOps = two.ops.flatMap((o) => o.einsums);
    expect(new Set(inOps).size).toBe(inOps.length);
    // every einsum that computes is in an op; the inits are the groups'
    expect(inOps.sort()).toEqual(ws.filter((w) => !w.view && !w.init).map((w) => w.name).sort());
    expect(two.einsums.filter((e) => ws[e.index]!.init)).toEqual([]);
    expect(two.ops.filter((o) => o.group).flatMap((o) => o.einsums)).toContain('L1_RNV');
    // ops run in program order, each group at its first member
    const idx = two.ops.map((o) => o.index);
    expect(idx).toEqual([...idx].sort((a, b) => a - b));
    expect(two.ops.filter((o) => o.kind === 'fused').map((o) => o.dataflow)).toEqual(['pipeline', 'pipeline']);
  });

  it('at cycle fidelity every layer runs on the FuseMax engine, each as the one-layer model runs it', () => {
    const t = targetFromSpec(loadTargetSpec('fusemax'));
    const one = t.simulate(t.map(model(1), undefined, {}), { fidelity: 'cycle' });
    const two = t.simulate(t.map(model(2), undefined, {}), { fidelity: 'cycle' });
    const g1 = one.einsums.find((e) => e.name === 'pipeline(m1_l0)')!;
    for (let l = 0; l < 2; l++) {
      const g = two.einsums.find((e) => e.name === `pipeline(m1_l${l})`)!;
      expect(g.latencyCycles).toBe(g1.latencyCycles);
      expect(g.traffic).toEqual(g1.traffic);
    }
    expect(two.warnings.filter((w) => /refused|analytic cost is used/.test(w) && w.startsWith('pipeline'))).toEqual([]);
  });

  it('a layer the pipeline cannot bind is mapped einsum by einsum, and the run says which and why', () => {
    // two independent 1-pass attentions (examples/fusemax), the second with E = 2^20: its per-row
    // state (Q alone: 2 MiB a row in bf16) cannot fit the GLB even for one row group
    const src = readFileSync(join(import.meta.dirname, '../../examples/fusemax/attention-1pass.ein'), 'utf8').split('\n').filter((l) => l.trim() && !l.startsWith('#'));
    const layer = (tag: string, E: number) =>
      src.map((l) =>
        l
          .replace(/\b(E|F|M|P|M1|M0)\b/g, (r) => `${r}_${tag}`)
          .replace(/\b(e|f|m|p|m1|m0)\b/g, (v) => `${v}_${tag.toLowerCase()}`)
          .replace(/\b(Q|K|V|BK|BV|RM|RD|RNV|BQK|LM|SLN|SLD|SLNV|PRM|SPD|SPNV|AV)\b/g, (x) => `${x}_${tag}`)
          .replace(`E_${tag} = 64`, `E_${tag} = ${E}`),
      );
    const c = parseCascade([...layer('A', 64), ...layer('B', 1 << 20)].join('\n'), 'two.ein').cascade!;
    const m = targetFromSpec(loadTargetSpec('fusemax')).map(c, undefined, {});
    expect(m.groups.map((g) => g.name)).toEqual(['pipeline(m1_a)']);
    expect(m.warnings).toContain('fusemax: pipeline(m1_b) not formed: the per-row state does not fit GLB even for one row group; its einsums are mapped one by one');
    expect(m.ops.filter((o) => o.kind !== 'fused').map((o) => o.name)).toContain('BQK_B');
  });

  it("FLAT fuses each layer's 3-pass attention (QK to AV) and nothing else: not the projections, not the MLP", () => {
    const t = targetFromSpec(loadTargetSpec('flat'));
    const three = (layers: number) => buildModel(config, { kind: 'prefill', batch: 1, seq: 128 }, { layers, passes: 3 });
    const one = t.map(three(1), undefined, {});
    const two = t.map(three(2), undefined, {});
    expect(two.groups.map((g) => g.name)).toEqual(['rowblock(m_l0)', 'rowblock(m_l1)']);
    for (const [l, g] of two.groups.entries()) {
      expect(g.einsums).toEqual(['QK', 'QKM', 'GM', 'SN', 'SD', 'A', 'AV'].map((n) => `L${l}_${n}`));
      expect(g.cost.latencyCycles).toBe(one.groups[0]!.cost.latencyCycles);
      expect(g.fused!.tensors.map((x) => [x.name, x.operand])).toEqual([
        [`L${l}_V`, 'V'],
        [`L${l}_QR`, 'Q'],
        [`L${l}_KR`, 'K'],
        [`L${l}_AV`, 'out'],
      ]);
    }
    const cycle = t.simulate(two, { fidelity: 'cycle' });
    expect(cycle.einsums.filter((e) => e.name.startsWith('rowblock')).map((e) => e.latencyCycles)).toEqual([
      t.simulate(one, { fidelity: 'cycle' }).einsums.find((e) => e.name === 'rowblock(m_l0)')!.latencyCycles,
      t.simulate(one, { fidelity: 'cycle' }).einsums.find((e) => e.name === 'rowblock(m_l0)')!.latencyCycles,
    ]);
    expect(cycle.warnings.filter((w) => w.startsWith('rowblock'))).toEqual([]);
  });
});
