// Stage: capacity, before any mapping. The model's footprint (weights, KV cache and the peak of live
// activations, every tensor at its packed width: int4 half a byte, fp6 three quarters, scales counted as
// the tensors they are, an N:M-pruned weight N/M of its values plus a log2(M)-bit index each) against
// what the target's off-chip tiers (HBM, DRAM, DDR, flash: capacity × instances) hold together. A model that does not fit is refused with exit 1 and a plain message: what
// it needs, what the target has, and what would make it fit, each remedy measured by applying it (the
// quantisation transform, a smaller batch or KV length), not guessed. Nothing is spilled to a tier the
// target does not have. On-chip SRAM is not counted: it stages tiles, it does not hold the model.
import { exprAccesses, formatBytes, tensorBytesPacked, type Cascade, type Tensor } from '../../ir';
import { quantizeCascade } from '../../graph/quantize';
import { gemmView } from '../../map/gemm-view';
import { isSubByte, nativePairs, unitFor } from '../../quant/native';
import type { MemorySpec, TargetSpec } from '../../../targets/spec/types';
import { UserError } from '../user-error';

export interface Footprint {
  weightsBytes: number;
  kvBytes: number;
  /** the most bytes of intermediates (and model inputs) live at once, in program order */
  peakActivationBytes: number;
  totalBytes: number;
}

export interface CapacityReport {
  footprint: Footprint;
  /** the off-chip tiers and their capacities (all instances) */
  tiers: { name: string; bytes: number }[];
  capacityBytes: number;
  /** lines for the result's warnings: a model spread over several tiers */
  notes: string[];
  /** false when the target states no off-chip capacity (nothing was checked) */
  checked: boolean;
}

const OFF_CHIP = new Set(['hbm', 'dram', 'ddr', 'flash']);

/** Packed bytes; a pruned weight (sparse(N:M, K)) counts its kept values and their log2(M)-bit indices (ir/sparsity.ts). */
const bytesOf = (t: Tensor) => tensorBytesPacked(t);

/** Weights, KV cache and peak live activations of one instance of the cascade, packed. */
export function footprint(c: Cascade, batch = 1): Footprint {
  let weightsBytes = 0, kvBytes = 0;
  for (const t of c.tensors) {
    if (t.role === 'weight') weightsBytes += bytesOf(t);
    else if (t.role === 'kvcache') kvBytes += bytesOf(t);
  }
  const peak = peakActivations(c);
  const kv = kvBytes * batch, act = peak * batch;
  return { weightsBytes, kvBytes: kv, peakActivationBytes: act, totalBytes: weightsBytes + kv + act };
}

/** Liveness in program order: a tensor is live from its definition (inputs: from the start) to its last read. */
function peakActivations(c: Cascade): number {
  const byName = new Map(c.tensors.map((t) => [t.name, t]));
  const last = new Map<string, number>();
  const first = new Map<string, number>();
  c.einsums.forEach((e, i) => {
    if (!first.has(e.output.tensor)) first.set(e.output.tensor, i);
    last.set(e.output.tensor, Math.max(last.get(e.output.tensor) ?? i, i));
    for (const a of exprAccesses(e.expr)) last.set(a.tensor, i);
  });
  const delta = new Float64Array(c.einsums.length + 1);
  for (const [name, end] of last) {
    const t = byName.get(name);
    if (!t || t.role === 'weight' || t.role === 'kvcache') continue;
    const start = t.role === 'input' ? 0 : (first.get(name) ?? 0);
    const b = bytesOf(t);
    delta[start]! += b;
    // outputs stay to the end
    delta[t.role === 'output' ? c.einsums.length : end + 1]! -= b;
  }
  let live = 0, peak = 0;
  for (let i = 0; i < c.einsums.length; i++) {
    live += delta[i]!;
    if (live > peak) peak = live;
  }
  return peak;
}

function offChipTiers(spec: TargetSpec): { name: string; bytes: number }[] {
  return spec.memories.filter((m: MemorySpec) => OFF_CHIP.has(m.kind) && m.capacityBytes !== undefined).map((m) => ({ name: m.name, bytes: m.capacityBytes! * (m.instances ?? 1) }));
}

const parts = (f: Footprint) => `weights ${formatBytes(f.weightsBytes)}, KV cache ${formatBytes(f.kvBytes)}, peak activations ${formatBytes(f.peakActivationBytes)}`;

/**
 * Pruned weights (`sparse(N:M, K)`, lower --sparsity) on a target none of whose compute units states a
 * sparse datapath (`attr sparse_nm_m`: the M its chains select within, as the FPGA overlay's DSP unit
 * does): its engines compute those GEMMs dense, the zeros' MACs included, and the Result says so rather
 * than ignore the pattern. The footprint and the mapper's traffic count the weights packed on every target.
 */
export function sparsityNotes(c: Cascade, spec: TargetSpec): string[] {
  const pruned = c.tensors.filter((t) => t.sparsity);
  if (pruned.length === 0 || spec.computes.some((u) => u.attrs.sparse_nm_m !== undefined)) return [];
  const names = pruned.map((t) => t.name);
  const shown = names.length <= 3 ? names.join(', ') : `${names.slice(0, 2).join(', ')} and ${names.length - 2} more`;
  const patterns = [...new Set(pruned.map((t) => `${t.sparsity!.n}:${t.sparsity!.m}`))].join(', ');
  const one = names.length === 1;
  return [`${shown} ${one ? 'is' : 'are'} pruned ${patterns}: no compute unit of ${spec.name} states a sparse datapath (attr sparse_nm_m), so ${one ? 'its' : 'their'} GEMMs run dense here, the zeros' MACs included; the footprint and the traffic count ${one ? 'it' : 'them'} packed (kept values and a log2(M)-bit index each)`];
}

/** The footprint against the target; throws a UserError naming the remedies when it does not fit. */
export function checkCapacity(c: Cascade, spec: TargetSpec, batch = 1): CapacityReport {
  checkNativeTypes(c, spec);
  const f = footprint(c, batch);
  const tiers = offChipTiers(spec);
  const capacityBytes = tiers.reduce((a, t) => a + t.bytes, 0);
  const notes: string[] = sparsityNotes(c, spec);
  // a target that states no off-chip capacity (an accelerator model with "DRAM" unbounded) is not checked:
  // the report's `checked` says so, and no warning is invented
  if (tiers.length === 0) return { footprint: f, tiers, capacityBytes, notes, checked: false };
  const have = tiers.map((t) => `${t.name} ${formatBytes(t.bytes)}`).join(' + ');
  if (f.totalBytes > capacityBytes) throw new UserError(refusal(c, spec, batch, f, have, capacityBytes));
  if (tiers.length > 1 && f.totalBytes > tiers[tiers.length - 1]!.bytes)
    notes.push(`the model (${formatBytes(f.totalBytes)}) does not fit in ${tiers[tiers.length - 1]!.name} alone (${formatBytes(tiers[tiers.length - 1]!.bytes)}): it is held across ${have}; run with a tier schedule (--schedule) to charge the traffic of the outer tier`);
  return { footprint: f, tiers, capacityBytes, notes, checked: true };
}

function refusal(c: Cascade, spec: TargetSpec, batch: number, f: Footprint, have: string, cap: number): string {
  const lines = [`${c.name ?? c.file ?? 'the cascade'} does not fit on ${spec.name}: it needs ${formatBytes(f.totalBytes)} (${parts(f)}); the target holds ${formatBytes(cap)} (${have}).`];
  const fixes = remedies(c, batch, f, cap);
  lines.push(fixes.length ? `What would make it fit:\n${fixes.map((x) => `  ${x}`).join('\n')}` : 'Nothing tried here makes it fit (weight and KV quantisation, batch 1): use a target with more memory, or fewer layers (--layers)');
  return lines.join('\n');
}

/** Remedies measured on the cascade: weight quantisation, KV quantisation, a smaller batch, a shorter KV cache. */
function remedies(c: Cascade, batch: number, f: Footprint, cap: number): string[] {
  const out: string[] = [];
  const tryQ = (flags: string, o: Parameters<typeof quantizeCascade>[1]) => {
    try {
      const g = footprint(quantizeCascade(c, o).cascade, batch);
      out.push(`${g.totalBytes <= cap ? 'fits' : 'still too big'} with lower ${flags}: ${formatBytes(g.totalBytes)} (${parts(g)})`);
      return g.totalBytes <= cap;
    } catch {
      return false;
    }
  };
  const quantWeights = !c.tensors.some((t) => t.role === 'weight' && t.name.endsWith('_Q'));
  const hasKv = f.kvBytes > 0 && !c.tensors.some((t) => t.role === 'kvcache' && t.name.endsWith('_Q'));
  if (quantWeights && f.weightsBytes > f.kvBytes) tryQ('--wbits 4 --group 128', { wbits: 4, group: 128 });
  if (hasKv) {
    if (!tryQ('--kv-bits 2 --kv-residual 128', { kvBits: 2, kvResidual: 128 }) && quantWeights) tryQ('--wbits 4 --group 128 --kv-bits 2 --kv-residual 128', { wbits: 4, group: 128, kvBits: 2, kvResidual: 128 });
  } else if (quantWeights && f.weightsBytes <= f.kvBytes) tryQ('--wbits 4 --group 128', { wbits: 4, group: 128 });
  // per-sample bytes scale with the batch dimension of the cascade (rank B) and the --batch instances
  const bRank = c.ranks.find((r) => r.name === 'B')?.size ?? 1;
  const perSample = (f.kvBytes + f.peakActivationBytes) / bRank;
  if (perSample > 0 && f.weightsBytes < cap) {
    const fit = Math.floor((cap - f.weightsBytes) / perSample);
    if (fit >= 1 && fit < bRank) out.push(`fits with lower --batch ${fit} (the weights leave ${formatBytes(cap - f.weightsBytes)} for the KV cache and activations, ${formatBytes(perSample)} a sequence)`);
  }
  const kvRank = c.ranks.filter((r) => /^M_L\d+$/.test(r.name)).map((r) => r.size);
  if (f.kvBytes > 0 && kvRank.length && f.weightsBytes + f.peakActivationBytes < cap) {
    const L = Math.max(...kvRank);
    const fitL = Math.floor((L * (cap - f.weightsBytes - f.peakActivationBytes)) / f.kvBytes);
    if (fitL >= 1 && fitL < L) out.push(`fits with lower --kv ${fitL} or less (KV cache ${formatBytes(f.kvBytes / L)} a token)`);
  }
  return out;
}

/**
 * A GEMM that reads a sub-byte tensor directly (no dequantise einsum before it) needs a unit that executes
 * that (weight, activation) pair natively; without one the target cannot compute on the type: refused.
 */
export function checkNativeTypes(c: Cascade, spec: TargetSpec): void {
  const pairs = nativePairs(spec);
  if (typeof pairs === 'string') throw new UserError(`${spec.name}: ${pairs}`);
  const dt = new Map(c.tensors.map((t) => [t.name, t.dtype]));
  c.einsums.forEach((e, i) => {
    const g = gemmView(c, i);
    if (!g) return;
    const [a, b] = [dt.get(g.a)!, dt.get(g.b)!];
    const [w, x] = isSubByte(b) ? [b, a] : [a, b];
    if (!isSubByte(w) || unitFor(spec, w, x)) return;
    const stated = pairs.length ? pairs.map((p) => `${p.unit} ${p.weight} x ${p.act}`).join(', ') : 'none stated (attr native), so only types of 8 bits and wider';
    throw new UserError(
      `einsum ${e.output.tensor} multiplies ${w === b ? g.b : g.a} (${w}) with ${w === b ? g.a : g.b} (${x}), and no compute unit of ${spec.name} executes ${w} x ${x} (native pairs: ${stated}); dequantise it first (lower --wbits puts an explicit dequantise einsum before each GEMM), or state the pair on a unit: attr native = [${w}_${x}]`,
    );
  });
}
