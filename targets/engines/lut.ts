// The `lut` family: a GPU whose tensor cores are LUT units (sim/lut/gpu-lut.ts). mpGEMMs (a GEMM with
// a weight of 1-4 or 8 bits) run on the LUT units, each einsum's unit says which; the rest is the GPU
// model's kernel. Like `gpu`, it forms its own kernels, so it is a whole-cascade engine at fidelity
// cycle, and prices each op with the same model at fidelity analytic.
import { DiagnosticError, error } from '../../compiler/ir/diagnostic';
import { gpuEinsumRun } from '../../sim/gpu';
import { LutInputError } from '../../sim/lut/functional';
import { lutGpuFromSpec, lutKernel, mpGemmOf, mpGemmProblem, simulateOnLutGpu, type LutGpu } from '../../sim/lut/gpu-lut';
import type { Cascade } from '../../compiler/ir';
import type { TargetSpec } from '../spec/types';
import type { OpRun } from './contract';
import { registerEngine } from './registry';

const cache = new WeakMap<TargetSpec, LutGpu | string>();
function lutGpu(spec: TargetSpec): LutGpu | string {
  let g = cache.get(spec);
  if (g === undefined) cache.set(spec, (g = lutGpuFromSpec(spec)));
  return g;
}

/** The LUT GPU of a spec; a configuration the unit cannot run (a bit width, a tile, a group) is the user's error. */
function must(spec: TargetSpec): LutGpu {
  const g = lutGpu(spec);
  if (typeof g === 'string') throw userError(g);
  return g;
}

const userError = (msg: string) => new DiagnosticError([error('lut-config', msg, undefined, 'weight_bits: 0, 1, 2, 3, 4 or 8; tile K: 1 to 8; every mpGEMM\'s K a multiple of the quantisation group, itself a multiple of tile K')]);

/** Runs `f`, turning the LUT model's refusals (an unsupported shape) into user errors. */
function asUserError<T>(f: () => T): T {
  try {
    return f();
  } catch (e) {
    if (e instanceof LutInputError) throw userError(e.message);
    throw e;
  }
}

/** Structural: a LUT unit inside a GPU. Its configuration is checked when it runs (must), at either fidelity. */
function structural(s: TargetSpec): string | null {
  if (!s.computes.some((c) => c.kind === 'lut')) return 'it needs a compute unit of kind lut';
  return s.computes.some((c) => c.kind === 'sm') ? null : 'the LUT engine runs LUT units inside a GPU and needs a compute unit of kind sm';
}

const foldCache = new WeakMap<Cascade, Map<number, Set<number>>>();
/** The element-wise einsums that dequantise an mpGEMM's weight (the LUT unit's scale stage does their work). */
function foldedOf(c: Cascade, g: LutGpu): Set<number> {
  let byBits = foldCache.get(c);
  if (!byBits) foldCache.set(c, (byBits = new Map()));
  let f = byBits.get(g.weightBits);
  if (!f) {
    const list: number[] = [];
    for (let i = 0; i < c.einsums.length; i++) mpGemmOf(c, i, g.weightBits, list);
    byBits.set(g.weightBits, (f = new Set(list)));
  }
  return f;
}

export const lutFamily = registerEngine({
  name: 'lut',
  description: 'LUT tensor cores inside a GPU: mpGEMMs on the LUT units (sim/lut), the rest as sim/gpu runs it',
  unsupported: structural,
  ops: [
    {
      name: 'lut-gpu-kernel',
      kinds: ['contraction', 'reduction', 'elementwise'],
      analytic(op, ctx): OpRun {
        const g = must(ctx.spec);
        const c = ctx.mapping.cascade;
        if (foldedOf(c, g).has(op.index)) return { latencyCycles: 0, energyPj: 0, busyPeCycles: {}, traffic: {}, unit: g.unitName };
        const v = mpGemmOf(c, op.index, g.weightBits);
        if (v) {
          const bad = mpGemmProblem(g, v);
          if (bad) throw userError(`einsum ${op.name}: ${bad}`);
          const k = lutKernel(g, v, op.batch);
          return { latencyCycles: Math.round(k.seconds * g.hw.clockHz), energyPj: k.energyPj, busyPeCycles: { [g.unitName]: k.macs }, traffic: k.traffic, unit: g.unitName };
        }
        const r = gpuEinsumRun(c, op.index, g.hw, g.params, op.batch, g.levels);
        return { latencyCycles: r.latencyCycles, energyPj: r.energyPj, busyPeCycles: { SM: r.macs }, traffic: r.traffic, unit: r.unit };
      },
    },
  ],
  simulate: (m, spec, o) => asUserError(() => simulateOnLutGpu(m, must(spec), o.fidelity === 'analytic' ? 'analytic' : 'cycle')),
});
