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
// softmax, norms, activations) keep their analytic cost, and the Result says so.
import { gemmCycles, hbmSeconds, type EngineMode } from '../../sim/fpga/overlay';
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

/** Cycles of one (rows x K) . (K x cols) GEMM on one engine, in the faster mode, dense weights. */
export function overlayGemmCycles(rows: number, K: number, cols: number, hw: Pick<OverlayHardware, 'mm' | 'mv' | 'sparseM'>): { cycles: number; mode: 'mm' | 'mv' } {
  const dense = { n: hw.sparseM, m: hw.sparseM };
  const run = (m: EngineMode) => gemmCycles(rows, K, cols, m, dense);
  const [mm, mv] = [run(hw.mm), run(hw.mv)];
  return mv <= mm ? { cycles: mv, mode: 'mv' } : { cycles: mm, mode: 'mm' };
}

/** The cycle run of a GEMM op on the overlay; a string when the op is not a GEMM. */
export function overlayGemmRun(op: LoweredOp, hw: OverlayHardware): OpRun | string {
  const g = op.gemm;
  if (!g) return 'the overlay\'s matrix engine runs GEMMs (a product summed over a rank) only';
  const repeats = g.batch * op.batch;
  const one = overlayGemmCycles(g.M, g.K, Math.ceil(g.N / hw.cores), hw);
  const compute = one.cycles * repeats;
  const t = op.cost.traffic[hw.hbmName];
  const bytes = t ? t.readBytes + t.writeBytes : 0;
  const memory = Math.ceil(hbmSeconds(bytes, hw.hbm, !hw.alwaysOnChip) * hw.clockHz);
  const latency = Math.max(1, hw.alwaysOnChip ? Math.max(compute, memory) : compute + memory);
  const macs = g.M * g.N * g.K * repeats;
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
    extra: { overlayMode: one.mode, computeCycles: compute, hbmCycles: memory },
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
        const r = typeof h === 'string' ? h : overlayGemmRun(op, h);
        return typeof r === 'string' ? analyticRun(op) : r;
      },
      cycle(op, ctx) {
        const h = hardware(ctx.spec);
        return typeof h === 'string' ? h : overlayGemmRun(op, h);
      },
    },
  ],
});
