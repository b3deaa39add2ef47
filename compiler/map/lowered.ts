// The lowered mapping: what the mapper hands every engine, one LoweredOp per operation it decided
// (a single einsum, or a fused group such as FuseMax's 2D+1D pipeline). It is built once, in
// mapCascade, from the mapper's own records, and both fidelities read it through one interface
// (targets/engines/contract.ts): the analytic engine reports `cost`, a cycle engine registered for
// the op's `kind` simulates the same binding, tiles and levels.
//
// What an op says: its kind (what engines are registered by), the einsums it covers, the units it
// runs on, its iteration space (vars, sizes, which are reduced), the GEMM view of a contraction
// (compiler/map/gemm-view.ts, the one recogniser), the spatial binding, the tiles held at the global
// buffer and the loop order above it, the memory levels it moves data through, the instances it runs
// (--batch) and the mapper's analytic cost (already for all instances). A fused op also carries its
// dataflow's name and the one description both of the dataflow's models run.
import type { Cascade } from '../ir';
import type { FusedAttention } from '../../sim/spatial/attention-shape';
import { gemmViewOfWorkload, type GemmView } from './gemm-view';
import type { Cost, EinsumMapping, GroupMapping, Mapping, SpatialBinding } from './mapping';
import type { EinsumWorkload } from './workload';

/**
 * What engines are registered by. 'contraction': a product summed over a rank (GEMMs, batched or
 * not); 'reduction': a sum/max over a rank without a product; 'elementwise': everything else over
 * one point; 'fused': a fused group (its `dataflow` names the plug-in). Others (e.g. 'gather') may be
 * added by the mapper as they are recognised; an engine that does not know a kind is never asked.
 */
export type OpKind = 'contraction' | 'reduction' | 'elementwise' | 'fused' | (string & {});

export interface LoweredOp {
  kind: OpKind;
  /** the einsum's name, or the group's (pipeline(m1), rowblock(p)) */
  name: string;
  /** the cascade einsums it covers, program order (one for a single einsum) */
  einsums: string[];
  /** cascade index of its first einsum (program order) */
  index: number;
  /** the compute units it occupies */
  units: string[];
  /** iteration space: variables, their extents, the reduced ones (a group: its first contraction's) */
  shape: { vars: string[]; sizes: number[]; reduced: string[] };
  /** a contraction seen as a (batched) GEMM, from the one recogniser; absent otherwise */
  gemm?: GemmView;
  /** spatial binding of variables to array dimensions */
  binding: SpatialBinding[];
  /** tile size per variable held in the global buffer */
  tiles: Record<string, number>;
  /** loops above the global buffer, outermost first */
  loopOrder: string[];
  /** memory levels it reads or writes (the analytic traffic's levels) */
  levels: string[];
  /** independent instances run back to back (--batch); `cost` already counts them */
  batch: number;
  /** the mapper's analytic cost */
  cost: Cost;
  /** a single einsum's workload (typed iteration space, tensors and their masks, ops per point) */
  workload?: EinsumWorkload;
  /** a fused op: the dataflow plug-in's name and the description its analytic model ran */
  dataflow?: string;
  fused?: FusedAttention;
  /** the mapper's record of it */
  einsum?: EinsumMapping;
  group?: GroupMapping;
}

/** The kind of a single einsum (views and inits are never ops of their own: the mapper folds them). */
export function opKindOf(w: EinsumWorkload): OpKind {
  if (w.contraction) return 'contraction';
  return w.reduced.length > 0 ? 'reduction' : 'elementwise';
}

function einsumOp(c: Cascade, w: EinsumWorkload, e: EinsumMapping, batch: number): LoweredOp {
  const gemm = gemmViewOfWorkload(c, w);
  const kind = opKindOf(w);
  const shape = { vars: w.vars, sizes: w.sizes, reduced: w.reduced };
  const levels = Object.keys(e.cost.traffic);
  // two literals rather than a spread of an optional field: the same keys in the same order, built without a copy
  if (gemm) return { kind, name: e.name, einsums: [e.name], index: e.index, units: [e.unit], shape, gemm, binding: e.spatial, tiles: e.tiles, loopOrder: e.loopOrder, levels, batch, cost: e.cost, workload: w, einsum: e };
  return { kind, name: e.name, einsums: [e.name], index: e.index, units: [e.unit], shape, binding: e.spatial, tiles: e.tiles, loopOrder: e.loopOrder, levels, batch, cost: e.cost, workload: w, einsum: e };
}

function groupOp(ws: EinsumWorkload[], g: GroupMapping, members: EinsumMapping[], batch: number): LoweredOp {
  const first = members.reduce<EinsumMapping | undefined>((a, e) => (!a || e.index < a.index ? e : a), undefined);
  const lead = members.find((e) => ws[e.index]!.contraction) ?? first;
  const w = lead ? ws[lead.index]! : undefined;
  return {
    kind: 'fused',
    name: g.name,
    einsums: g.einsums,
    index: first?.index ?? 0,
    units: [...new Set(members.map((e) => e.unit))],
    shape: w ? { vars: w.vars, sizes: w.sizes, reduced: w.reduced } : { vars: [], sizes: [], reduced: [] },
    binding: [...new Map(members.flatMap((e) => e.spatial).map((s) => [`${s.var}:${s.dim}`, s])).values()],
    tiles: g.params,
    loopOrder: lead?.loopOrder ?? [],
    levels: Object.keys(g.cost.traffic),
    batch,
    cost: g.cost,
    dataflow: g.kind,
    ...(g.fused ? { fused: g.fused } : {}),
    group: g,
  };
}

/**
 * The ops of a mapping in execution order: each einsum that is not in a group, and each group at the
 * place of its first member. `einsums` is in the order the mapping runs them (program or schedule).
 */
export function lowerOps(c: Cascade, ws: EinsumWorkload[], einsums: EinsumMapping[], groups: GroupMapping[], batch: number): LoweredOp[] {
  const byGroup = new Map<string, EinsumMapping[]>();
  for (const e of einsums) if (e.group) (byGroup.get(e.group) ?? byGroup.set(e.group, []).get(e.group)!).push(e);
  const placed = new Set<string>();
  const ops: LoweredOp[] = [];
  for (const e of einsums) {
    if (!e.group) {
      ops.push(einsumOp(c, ws[e.index]!, e, batch));
      continue;
    }
    if (placed.has(e.group)) continue;
    placed.add(e.group);
    const g = groups.find((x) => x.name === e.group)!;
    ops.push(groupOp(ws, g, byGroup.get(e.group)!, batch));
  }
  // a group whose members the mapping does not list still runs (first)
  for (const g of groups) if (!placed.has(g.name)) ops.unshift(groupOp(ws, g, [], batch));
  return ops;
}

/** The ops of a mapping whose einsums or groups were edited after mapping (a test pinning a choice): lower it again. */
export function lowerMapping(m: Mapping): LoweredOp[] {
  return lowerOps(m.cascade, m.workloads, m.einsums, m.groups, m.batch ?? 1);
}
