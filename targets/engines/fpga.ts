// The `fpga` family: FlightLLM's overlay (sim/fpga) as the cycle engine of an FPGA target (u280,
// vhk158). A contraction that is a GEMM (the one recogniser, op.gemm) runs on the matrix engine: its output
// columns are split over `attr cores` engines, each in whichever mode (matrix-matrix N2·K16·M128 or
// matrix-vector N64·K16·M1) takes fewer cycles for its shape (gemmCycles, level 2, equal to the per-chain
// level 3 of sim/fpga/overlay-chain.ts), repeated over the GEMM's batch; its HBM bytes (the mapper's traffic
// at the hbm level) stream through every pseudo-channel at the in-channel efficiency. With always-on-chip
// decode (the default; `attr always_on_chip = false` turns it off) activations stay in URAM/BRAM and the
// transfer overlaps the compute: latency = max(compute, HBM); without it the phases serialise and the
// activations cross channels (the sum, at the cross-channel efficiency). The same closed form prices a GEMM
// at analytic fidelity, so both fidelities give one answer. Other op kinds (the vector unit's
// softmax, norms, activations) keep their analytic cost, and the Result says so. N:M sparsity is read from
// the IR: a GEMM whose weight is declared sparse(N:M, K) (or dequantised from one) runs on the sparse DSP
// chains over its kept weights only (overlayKept); a pattern the chain cannot run (M other than its 16, N not
// 2, 4, 8 or 16) is refused with a plain message.
import { einsumSparseOperands, keptAlong, tensorBytesPerElement, type Cascade } from '../../compiler/ir';
import { UserError } from '../../compiler/driver/user-error';
import { checkSparsity, gemmCyclesKept, hbmSeconds } from '../../sim/fpga/overlay';
import { overlayHardware, type OverlayHardware } from '../../sim/fpga/hardware';
import type { TargetSpec } from '../spec/types';
import { analyticRun, type LoweredOp, type OpRun } from './contract';
import { registerEngine } from './registry';

const cache = new WeakMap<TargetSpec, OverlayHardware | string>();
function hardware(spec: TargetSpec): OverlayHardware | string {
  let h = cache.get(spec);
  if (h === undefined) cache.set(spec, (h = overlayHardware(spec)));
  return h;
}

/** Cycles of one (rows x K) . (K x cols) GEMM on one engine, in the faster mode; `kept` weights per reduction (K when dense). */
export function overlayGemmCycles(rows: number, K: number, cols: number, hw: Pick<OverlayHardware, 'mm' | 'mv'>, kept = K): { cycles: number; mode: 'mm' | 'mv' } {
  const [mm, mv] = [gemmCyclesKept(rows, kept, cols, hw.mm), gemmCyclesKept(rows, kept, cols, hw.mv)];
  return mv <= mm ? { cycles: mv, mode: 'mv' } : { cycles: mm, mode: 'mm' };
}

/**
 * The weights each output of a GEMM reduces over, read from the IR: K when no operand is pruned; with a
 * weight declared sparse(N:M, R) (itself, or the W_Q it was dequantised from), N of every M along R, so
 * (K / |R|) x kept(|R|). A pattern the sparse DSP chain cannot run is the user's error (exit 1).
 */
export function overlayKept(op: LoweredOp, c: Cascade, hw: Pick<OverlayHardware, 'sparseM'>, target: string): { kept: number; pattern?: string; warning?: string } {
  const g = op.gemm!;
  const sparse = einsumSparseOperands(c, op.index);
  if (sparse.length === 0) return { kept: g.K };
  if (sparse.length > 1) throw new UserError(`${target}: einsum ${op.name} multiplies two pruned operands (${sparse.map((x) => x.weight).join(', ')}); the sparse DSP chain skips the zeros of one weight`);
  const { sparsity: s, weight } = sparse[0]!;
  const bad = checkSparsity(s, hw.sparseM);
  if (bad) throw new UserError(`${target}: einsum ${op.name} reads ${weight}, pruned to ${s.n}:${s.m}, and ${bad}`);
  const w = c.tensors.find((t) => t.name === weight)!;
  const len = w.dims.find((d) => d.rank === s.rank)!.extent;
  const warning = denseBytesWarning(op, weight, tensorBytesPerElement(w), `${s.n}:${s.m}`);
  return { kept: (g.K / len) * keptAlong(len, s), pattern: `${s.n}:${s.m}`, ...(warning ? { warning } : {}) };
}

/** When the mapper's traffic counts a pruned weight the GEMM reads at more than its packed bytes, the Result says so. */
function denseBytesWarning(op: LoweredOp, weight: string, packed: number, pattern: string): string | undefined {
  const use = op.workload?.tensors.find((u) => u.name === weight && !u.write);
  if (!use || use.bytesPerElement <= packed) return undefined;
  return `${op.name}: the HBM traffic is the mapper's, which counts ${weight} at ${use.bytesPerElement} bytes a weight (its dense width); packed ${pattern} it is ${packed} (the capacity footprint counts that), so this op's HBM time is an upper bound`;
}

/** The cycle run of a GEMM op on the overlay; a string when the op is not a GEMM. */
export function overlayGemmRun(op: LoweredOp, hw: OverlayHardware, c: Cascade, target: string): OpRun | string {
  const g = op.gemm;
  if (!g) return 'the overlay\'s matrix engine runs GEMMs (a product summed over a rank) only';
  const repeats = g.batch * op.batch;
  const { kept, pattern, warning } = overlayKept(op, c, hw, target);
  const one = overlayGemmCycles(g.M, g.K, Math.ceil(g.N / hw.cores), hw, kept);
  const compute = one.cycles * repeats;
  const t = op.cost.traffic[hw.hbmName];
  const bytes = t ? t.readBytes + t.writeBytes : 0;
  const memory = Math.ceil(hbmSeconds(bytes, hw.hbm, !hw.alwaysOnChip) * hw.clockHz);
  const latency = Math.max(1, hw.alwaysOnChip ? Math.max(compute, memory) : compute + memory);
  // the MACs the chains perform: kept weights only (a pruned weight is never selected)
  const macs = g.M * g.N * kept * repeats;
  const mode = hw[one.mode];
  const modeMacs = mode.n * mode.k * mode.m;
  // busy PE-cycles such that busy / (latency x unit PEs) is the share of the cores' peak in the chosen mode
  const busy = (macs * hw.unitPes) / (hw.cores * modeMacs);
  return {
    latencyCycles: latency,
    busyPeCycles: { [hw.unit]: busy },
    traffic: op.cost.traffic,
    stallCycles: latency - compute,
    unit: hw.unit,
    extra: { overlayMode: one.mode, computeCycles: compute, hbmCycles: memory, ...(pattern ? { sparsity: pattern } : {}) },
    ...(warning ? { warnings: [warning] } : {}),
  };
}

export const fpgaFamily = registerEngine({
  name: 'fpga',
  description: 'FlightLLM-style LLM overlay on an FPGA: sparse DSP chains in matrix-matrix and matrix-vector modes, HBM pseudo-channels (sim/fpga)',
  unsupported: (s) => {
    const h = hardware(s);
    return typeof h === 'string' ? h : null;
  },
  ops: [
    {
      name: 'overlay-gemm',
      kinds: ['contraction'],
      // one model at both fidelities (as the GPU family's kernels): the closed form is the level-2 engine
      analytic(op, ctx) {
        const h = hardware(ctx.spec);
        const r = typeof h === 'string' ? h : overlayGemmRun(op, h, ctx.mapping.cascade, ctx.spec.name);
        return typeof r === 'string' ? analyticRun(op) : r;
      },
      cycle(op, ctx) {
        const h = hardware(ctx.spec);
        return typeof h === 'string' ? h : overlayGemmRun(op, h, ctx.mapping.cascade, ctx.spec.name);
      },
    },
  ],
});
