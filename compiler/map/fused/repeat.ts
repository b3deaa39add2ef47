// Repeated groups: the 32 layers of a model form 32 fused groups that differ only in their names
// (L0_QK, m1_l0 against L5_QK, m1_l5) and cascade positions. A dataflow forms the first one, and
// every later one whose einsums, workloads and tensors equal it under a one-to-one renaming
// (compiler/ir/equal.ts Renaming) is the first one renamed: the same binding, tiles, schedule and
// cost, with its own names and indices. What decides equality is everything the group's model
// reads: the members' IR, their workloads (sizes, points, ops, tensor masks and bytes), the tensors'
// declarations and the sizes of the ranks they name; anything else (a layer with another head
// count, dtype or window) is formed on its own.
import { einsumsEqual, Renaming, type Cascade, type Tensor } from '../../ir';
import type { FusedAttention, FusedOp } from '../../../sim/spatial/attention-shape';
import type { Cost, EinsumMapping } from '../mapping';
import type { EinsumWorkload } from '../workload';

/** Positions of the cascade's tensors and sizes of its ranks by name, built once per cascade. */
interface Lookup {
  tensors: Map<string, Tensor>;
  ranks: Map<string, number>;
}

const lookups = new WeakMap<Cascade, Lookup>();

function lookupOf(c: Cascade): Lookup {
  let l = lookups.get(c);
  if (!l) {
    l = { tensors: new Map(), ranks: new Map() };
    for (const t of c.tensors) if (!l.tensors.has(t.name)) l.tensors.set(t.name, t);
    for (const r of c.ranks) if (!l.ranks.has(r.name)) l.ranks.set(r.name, r.size);
    lookups.set(c, l);
  }
  return l;
}

/** Two workloads equal once renamed: every number, and their variables and tensors paired. */
function workloadsEqual(a: EinsumWorkload, b: EinsumWorkload, r: Renaming): boolean {
  if (a.points !== b.points || a.operandReads !== b.operandReads || a.view !== b.view || a.contraction !== b.contraction || a.init !== b.init) return false;
  if (a.vars.length !== b.vars.length || a.tensors.length !== b.tensors.length || a.reduced.length !== b.reduced.length) return false;
  for (let i = 0; i < a.vars.length; i++) if (a.sizes[i] !== b.sizes[i] || !r.vars.pair(a.vars[i]!, b.vars[i]!)) return false;
  for (let i = 0; i < a.reduced.length; i++) if (!r.vars.pair(a.reduced[i]!, b.reduced[i]!)) return false;
  for (let i = 0; i < a.ops.length; i++) if (a.ops[i] !== b.ops[i]) return false;
  for (let i = 0; i < a.tensors.length; i++) {
    const x = a.tensors[i]!;
    const y = b.tensors[i]!;
    if (x.mask !== y.mask || x.write !== y.write || x.bytesPerElement !== y.bytesPerElement || x.elements !== y.elements || x.dtype !== y.dtype || x.role !== y.role || !r.tensors.pair(x.name, y.name)) return false;
  }
  return true;
}

/**
 * Whether the einsums `b` (with the cascade's IR) are the einsums `a` renamed, pairing in `r` every
 * name they use; then every tensor and rank paired must be declared alike (role, dtype, dims,
 * sparsity; sizes), and a variable's rank (its upper-case name) pairs with its partner's.
 */
export function sameUnderRenaming(c: Cascade, ws: EinsumWorkload[], a: readonly number[], b: readonly number[], r: Renaming): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) {
    if (!einsumsEqual(c.einsums[a[i]!]!, c.einsums[b[i]!]!, r)) return false;
    if (!workloadsEqual(ws[a[i]!]!, ws[b[i]!]!, r)) return false;
  }
  return declarationsEqual(c, r);
}

function declarationsEqual(c: Cascade, r: Renaming): boolean {
  const { tensors, ranks } = lookupOf(c);
  for (const [x, y] of r.vars.to) if (!r.ranks.pair(x.toUpperCase(), y.toUpperCase())) return false;
  for (const [x, y] of r.tensors.to) {
    const s = tensors.get(x);
    const t = tensors.get(y);
    if (!s || !t) {
      if (s !== t) return false;
      continue;
    }
    if (s.role !== t.role || s.dtype !== t.dtype || s.dims.length !== t.dims.length) return false;
    for (let i = 0; i < s.dims.length; i++) if (s.dims[i]!.extent !== t.dims[i]!.extent || !r.ranks.pair(s.dims[i]!.rank, t.dims[i]!.rank)) return false;
    const p = s.sparsity;
    const q = t.sparsity;
    if (p || q) if (!p || !q || p.n !== q.n || p.m !== q.m || !r.ranks.pair(p.rank, q.rank)) return false;
  }
  for (const [x, y] of r.ranks.to) if (ranks.get(x) !== ranks.get(y)) return false;
  return true;
}

/** Renames a group's names: tensors and einsums (an einsum is named by the tensor it writes), variables, cascade indices. */
export interface GroupRename {
  r: Renaming;
  index: Map<number, number>;
  group: string;
}

/** The description renamed; `ranks`: the repeated group's own (its binding has them). */
export function renameDescription(d: FusedAttention, n: GroupRename, ranks: FusedAttention['ranks']): FusedAttention {
  const T = (x: string) => n.r.tensors.map(x);
  const ops = d.ops.map((o): FusedOp => {
    const op: FusedOp = { ...o, einsum: T(o.einsum), index: n.index.get(o.index)!, deps: o.deps.map((x) => ({ ...x })), reads: o.reads.map(T) };
    if (o.writes !== undefined) op.writes = T(o.writes);
    return op;
  });
  const out: FusedAttention = {
    ...d,
    ranks,
    bytes: { ...d.bytes },
    tensors: d.tensors.map((t) => ({ ...t, name: T(t.name) })),
    units: { array2d: { ...d.units.array2d }, array1d: { ...d.units.array1d } },
    dram: { ...d.dram },
    ops,
    tiles: { ...d.tiles },
  };
  if (d.onChip) out.onChip = { ...d.onChip };
  return out;
}

export function renameEinsum(e: EinsumMapping, n: GroupRename): EinsumMapping {
  const V = (x: string) => n.r.vars.map(x);
  const tiles: Record<string, number> = {};
  for (const k in e.tiles) tiles[V(k)] = e.tiles[k]!;
  const out: EinsumMapping = {
    ...e,
    name: n.r.tensors.map(e.name),
    index: n.index.get(e.index)!,
    spatial: e.spatial.map((s) => ({ ...s, var: V(s.var) })),
    tiles,
    loopOrder: e.loopOrder.map(V),
    cost: copyCost(e.cost),
    explanation: [],
  };
  out.group = n.group;
  return out;
}

/** A cost record of its own (batch scaling multiplies one in place). */
export function copyCost(c: Cost): Cost {
  const traffic: Cost['traffic'] = {};
  for (const k in c.traffic) traffic[k] = { ...c.traffic[k]! };
  const out: Cost = { ...c, busyPeCycles: { ...c.busyPeCycles }, traffic };
  if (c.occupancyBytes) out.occupancyBytes = { ...c.occupancyBytes };
  return out;
}
