// What one op of a cascade moves over HBM on the FlightLLM-style overlay, from the IR (not from the mapper's
// tiles): FlightLLM streams the weights and the KV cache from HBM and, with always-on-chip decode, keeps every
// activation in URAM/BRAM. So an op streams the footprint of each weight, KV-cache and input tensor it reads
// and of each KV-cache or output tensor it writes; an intermediate it reads or writes moves only without
// always-on-chip decode (an activation round trip, across channels: sim/fpga/decode.ts).
//
// A tensor computed from weights alone (the dequantise einsum W = W_Q * S of `lower --wbits`) is FlightLLM's
// dequantisation unit in the matrix engine's datapath: when every reader of it is a GEMM, it never exists in
// memory; the GEMM streams its sources (W_Q and S, packed) instead, and the dequantise op itself takes no
// time of its own (`fusedDequantise`). Without such a unit (`attr dequant_unit` absent) the dequantised weight
// is weight data like any other: written to HBM by its einsum and streamed back by its GEMM.
import { exprAccesses, exprValueAccesses, tensorBytesPacked, type Cascade, type Tensor } from '../../compiler/ir';
import type { EinsumWorkload } from '../../compiler/map/workload';

export interface OpStream {
  /** weights, KV cache and inputs read; KV cache and outputs written (they stream in-channel) */
  streamRead: number;
  streamWrite: number;
  /** intermediates read and written (they cross channels when activations are not kept on chip) */
  activationRead: number;
  activationWrite: number;
}

interface WeightFacts {
  /** tensor -> the declared weights it is computed from (itself for a weight) */
  sources: Map<string, string[]>;
  /** tensor -> the einsums that read its values */
  readers: Map<string, number[]>;
  byName: Map<string, Tensor>;
}

const facts = new WeakMap<Cascade, WeightFacts>();

function weightFacts(c: Cascade): WeightFacts {
  let f = facts.get(c);
  if (f) return f;
  const byName = new Map(c.tensors.map((t) => [t.name, t]));
  const sources = new Map<string, string[]>();
  for (const t of c.tensors) if (t.role === 'weight') sources.set(t.name, [t.name]);
  const readers = new Map<string, number[]>();
  c.einsums.forEach((e, i) => {
    const out = e.output.tensor;
    for (const t of new Set(exprValueAccesses(e.expr).map((a) => a.tensor))) (readers.get(t) ?? readers.set(t, []).get(t)!).push(i);
    if (byName.get(out)?.role !== 'intermediate') return;
    // every tensor it reads, gather indices included (an embedding row picked by a token is not a weight)
    const reads = exprAccesses(e.expr).map((a) => a.tensor);
    if (reads.length === 0 || !reads.every((r) => sources.has(r))) return;
    sources.set(out, [...new Set(reads.flatMap((r) => sources.get(r)!))]);
  });
  f = { sources, readers, byName };
  facts.set(c, f);
  return f;
}

/** The intermediate tensor computed from weights alone that every reader reads as a GEMM operand: the dequantisation unit's. */
function fusedTensor(c: Cascade, name: string, isGemm: (einsum: number) => boolean): boolean {
  const f = weightFacts(c);
  const t = f.byName.get(name);
  if (!t || t.role !== 'intermediate' || !f.sources.has(name)) return false;
  const readers = f.readers.get(name) ?? [];
  return readers.length > 0 && readers.every(isGemm);
}

/** When einsum `index` writes a weight-derived tensor only GEMMs read: the name of that tensor (the op is fused into their weight stream). */
export function fusedDequantise(c: Cascade, index: number, isGemm: (einsum: number) => boolean): string | undefined {
  const out = c.einsums[index]!.output.tensor;
  return fusedTensor(c, out, isGemm) ? out : undefined;
}

/** Elements of a tensor an op touches: the product of the sizes of the variables indexing it, at most the tensor. */
function footprint(w: EinsumWorkload, mask: number, elements: number): number {
  let n = 1;
  for (let i = 0; i < w.vars.length; i++) if (mask & (1 << i)) n *= w.sizes[i]!;
  return Math.min(n, elements);
}

/** The HBM bytes of one single-einsum op (see the header). */
export function opStream(c: Cascade, w: EinsumWorkload, isGemm: (einsum: number) => boolean): OpStream {
  const f = weightFacts(c);
  const s: OpStream = { streamRead: 0, streamWrite: 0, activationRead: 0, activationWrite: 0 };
  // the dequantisation unit's own op moves nothing: its readers stream its sources
  if (fusedDequantise(c, w.index, isGemm)) return s;
  for (const u of w.tensors) {
    const bytes = footprint(w, u.mask, u.elements) * u.bytesPerElement;
    if (u.role === 'intermediate' && fusedTensor(c, u.name, isGemm)) {
      // the dequantisation unit's weight: its reader streams the packed sources, its writer moves nothing
      if (!u.write) for (const x of f.sources.get(u.name)!) s.streamRead += tensorBytesPacked(f.byName.get(x)!);
    } else if (u.role === 'intermediate' && f.sources.has(u.name)) {
      // weight data computed from weights (no dequantisation unit): it lives in HBM like the weights
      if (u.write) s.streamWrite += bytes;
      else s.streamRead += bytes;
    } else if (u.role === 'intermediate' || (u.role === 'output' && !u.write)) {
      if (u.write) s.activationWrite += bytes;
      else s.activationRead += bytes;
    } else if (u.write) s.streamWrite += bytes;
    else s.streamRead += bytes;
  }
  return s;
}
