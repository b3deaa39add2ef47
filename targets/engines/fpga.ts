// The `fpga` family: FlightLLM's overlay (sim/fpga) as the engine of an FPGA target (u280, vhk158), one model
// at both fidelities for every op kind of a lowered LLaMA.
//  - A contraction that is a GEMM (the one recogniser, op.gemm) runs on the matrix engine: its output columns
//    split over `attr cores` engines, each in whichever mode (matrix-matrix N2·K16·M128 or matrix-vector
//    N64·K16·M1) takes fewer cycles for its shape (gemmCycles, level 2, equal to the per-chain level 3 of
//    sim/fpga/overlay-chain.ts), repeated over the GEMM's batch. N:M sparsity is read from the IR: a GEMM whose
//    weight is declared sparse(N:M, K) (or dequantised from one) runs on the sparse DSP chains over its kept
//    weights only (overlayKept); a pattern the chain cannot run is refused with a plain message.
//  - Any other einsum (norms, softmax, activations, RoPE, residual adds, gathers, KV appends) runs on the
//    special-function unit (`attr sfu = true`; sim/fpga/sfu.ts, level 2, equal to the per-lane level 3 of
//    sim/fpga/sfu-lanes.ts); one needing an operator the SFU lacks is refused plainly. A target without an
//    SFU keeps the mapper's analytic cost for them, and the Result says so.
//  - A dequantise einsum only GEMMs read is the matrix engine's dequantisation unit (`attr dequant_unit`):
//    no time of its own; its GEMMs stream the packed sources.
//  - HBM bytes come from the IR (sim/fpga/stream.ts): weights, KV cache, inputs and outputs stream through
//    every pseudo-channel at the in-channel efficiency. With always-on-chip decode (the default; `attr
//    always_on_chip = false` turns it off) activations stay in URAM/BRAM and the transfer overlaps the
//    compute: latency = max(compute, HBM); without it activations also cross channels and the phases
//    serialise (the sum), as sim/fpga/decode.ts.
import { einsumSparseOperands, keptAlong, tensorBytesPerElement, type Cascade } from '../../compiler/ir';
import { UserError } from '../../compiler/driver/user-error';
import { checkSparsity, gemmCyclesKept, hbmSeconds } from '../../sim/fpga/overlay';
import { overlayHardware, type OverlayHardware } from '../../sim/fpga/hardware';
import type { TargetSpec } from '../spec/types';
import { OP_INDEX } from '../../compiler/map/hardware';
import type { EinsumWorkload } from '../../compiler/map/workload';
import type { Traffic } from '../../sim/core/result';
import { SFU_OPS, sfuCycles, sfuInterval, type SfuShape } from '../../sim/fpga/sfu';
import { fusedDequantise, opStream } from '../../sim/fpga/stream';
import { analyticRun, type EngineContext, type LoweredOp, type OpEngine, type OpRun } from './contract';
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

/**
 * Whether einsum i of the mapping's cascade runs as a GEMM on the matrix engine (the one recogniser) whose
 * datapath dequantises its weight: never when the engine has no dequantisation unit (attr dequant_unit).
 */
const gemmSets = new WeakMap<readonly LoweredOp[], Set<number>>();
function gemmTest(ops: readonly LoweredOp[], hw: OverlayHardware): (i: number) => boolean {
  if (!hw.dequantUnit) return () => false;
  let set = gemmSets.get(ops);
  if (!set) gemmSets.set(ops, (set = new Set(ops.filter((o) => o.gemm && o.einsums.length === 1).map((o) => o.index))));
  const byIndex = set;
  return (i) => byIndex.has(i);
}

interface Memory {
  cycles: number;
  traffic: Traffic;
}

/**
 * An op's HBM time and traffic from the IR (sim/fpga/stream.ts): weights, KV cache and inputs stream
 * in-channel; activations move only without always-on-chip decode, across channels. (The energy stage
 * charges these bytes at the HBM's energy per byte.)
 */
function opMemory(op: LoweredOp, hw: OverlayHardware, ctx: EngineContext): Memory {
  const s = opStream(ctx.mapping.cascade, op.workload!, gemmTest(ctx.mapping.ops, hw));
  const off = !hw.alwaysOnChip;
  const read = (s.streamRead + (off ? s.activationRead : 0)) * op.batch;
  const write = (s.streamWrite + (off ? s.activationWrite : 0)) * op.batch;
  const seconds = (hbmSeconds(s.streamRead + s.streamWrite, hw.hbm, false) + (off ? hbmSeconds(s.activationRead + s.activationWrite, hw.hbm, true) : 0)) * op.batch;
  return { cycles: Math.ceil(seconds * hw.clockHz), traffic: { ...op.cost.traffic, [hw.hbmName]: { readBytes: read, writeBytes: write } } };
}

/** The cycle run of a GEMM op on the overlay; a string when the op is not a GEMM. */
export function overlayGemmRun(op: LoweredOp, hw: OverlayHardware, ctx: EngineContext): OpRun | string {
  const g = op.gemm;
  if (!g || !op.workload) return 'the overlay\'s matrix engine runs GEMMs (a product summed over a rank) only';
  const c = ctx.mapping.cascade;
  const repeats = g.batch * op.batch;
  const { kept, pattern, warning } = overlayKept(op, c, hw, ctx.spec.name);
  const one = overlayGemmCycles(g.M, g.K, Math.ceil(g.N / hw.cores), hw, kept);
  const compute = one.cycles * repeats;
  const mem = opMemory(op, hw, ctx);
  const latency = Math.max(1, hw.alwaysOnChip ? Math.max(compute, mem.cycles) : compute + mem.cycles);
  // the MACs the chains perform: kept weights only (a pruned weight is never selected)
  const macs = g.M * g.N * kept * repeats;
  const mode = hw[one.mode];
  const modeMacs = mode.n * mode.k * mode.m;
  // busy PE-cycles such that busy / (latency x unit PEs) is the share of the cores' peak in the chosen mode
  const busy = (macs * hw.unitPes) / (hw.cores * modeMacs);
  return {
    latencyCycles: latency,
    busyPeCycles: { [hw.unit]: busy },
    traffic: mem.traffic,
    stallCycles: latency - compute,
    unit: hw.unit,
    extra: { overlayMode: one.mode, computeCycles: compute, hbmCycles: mem.cycles, ...(pattern ? { sparsity: pattern } : {}) },
    ...(warning ? { warnings: [warning] } : {}),
  };
}

/** An einsum as the SFU sees it: outputs x reduced points, and the uses of each operator kind a point makes (a mac is a mul and an add). */
export function sfuShape(w: EinsumWorkload): SfuShape {
  let outputs = 1;
  let reduced = 1;
  w.vars.forEach((v, i) => (w.reduced.includes(v) ? (reduced *= w.sizes[i]!) : (outputs *= w.sizes[i]!)));
  const o = w.ops;
  return { outputs, reduced, uses: { mul: o[OP_INDEX.mul]! + o[OP_INDEX.mac]!, add: o[OP_INDEX.add]! + o[OP_INDEX.mac]!, max: o[OP_INDEX.max]!, div: o[OP_INDEX.div]!, exp: o[OP_INDEX.exp]! } };
}

/**
 * The cycle run of an op that is not a GEMM: on the SFU (sim/fpga/sfu.ts, level 2), its HBM stream
 * overlapped (always-on-chip decode) or serialised; a dequantise einsum only GEMMs read is the matrix
 * engine's dequantisation unit and takes no time of its own (its GEMM streams the packed weight).
 */
export function overlaySfuRun(op: LoweredOp, hw: OverlayHardware, ctx: EngineContext): OpRun | string {
  const w = op.workload;
  if (!w || op.kind === 'fused') return 'the SFU runs single einsums';
  const c = ctx.mapping.cascade;
  const fused = fusedDequantise(c, op.index, gemmTest(ctx.mapping.ops, hw));
  if (fused) {
    const mem = opMemory(op, hw, ctx);
    return { latencyCycles: 0, busyPeCycles: {}, traffic: mem.traffic, unit: hw.unit, extra: { dequantisedInto: `the GEMMs reading ${fused} (FlightLLM's dequantisation unit: they stream its packed sources)` } };
  }
  const sfu = hw.sfu;
  if (!sfu) return `no compute unit of ${ctx.spec.name} states attr sfu = true (the overlay's special-function unit)`;
  const shape = sfuShape(w);
  const lacks = SFU_OPS.filter((o) => shape.uses[o] > 0 && !sfu.ops.includes(o));
  if (lacks.length) throw new UserError(`${ctx.spec.name}: einsum ${op.name} needs ${lacks.join(', ')}, which the special-function unit ${sfu.name} (ops ${sfu.ops.join(', ')}) does not execute`);
  const one = sfuCycles(shape, sfu);
  const compute = one.cycles * op.batch;
  const mem = opMemory(op, hw, ctx);
  const latency = Math.max(1, hw.alwaysOnChip ? Math.max(compute, mem.cycles) : compute + mem.cycles);
  return {
    latencyCycles: latency,
    busyPeCycles: { [sfu.name]: shape.outputs * shape.reduced * sfuInterval(shape) * op.batch },
    traffic: mem.traffic,
    stallCycles: latency - compute,
    unit: sfu.name,
    extra: { sfuCycles: compute, hbmCycles: mem.cycles, lanesPerOutput: one.share, sfuDepth: one.depth + one.tree },
  };
}

/** One answer at both fidelities: the closed forms are the level-2 engines; analytic falls back to the mapper's cost where they do not apply. */
function both(run: (op: LoweredOp, hw: OverlayHardware, ctx: EngineContext) => OpRun | string): Pick<OpEngine, 'analytic' | 'cycle'> {
  return {
    analytic(op, ctx) {
      const h = hardware(ctx.spec);
      const r = typeof h === 'string' ? h : run(op, h, ctx);
      return typeof r === 'string' ? analyticRun(op) : r;
    },
    cycle(op, ctx) {
      const h = hardware(ctx.spec);
      return typeof h === 'string' ? h : run(op, h, ctx);
    },
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
    // a GEMM on the matrix engine, anything else on the SFU (one engine: analytic asks only the first for a kind)
    { name: 'overlay', kinds: ['contraction', 'reduction', 'elementwise'], ...both((op, hw, ctx) => (op.gemm ? overlayGemmRun(op, hw, ctx) : overlaySfuRun(op, hw, ctx))) },
  ],
});
