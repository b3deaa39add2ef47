// Fusion. `fusionGroups` reports runs of consecutive einsums in which each consumer reads a producer of
// the run point-for-point (plain index variables) and iterates every rank of that producer's output,
// so the run can share one loop nest over the ranks all members' outputs have (`sharedRanks`): per
// point of those ranks, each member runs to completion (a reduction over another rank, such as the max
// over M in attention, is a pass inside the nest) and intermediates never leave the compute unit. `fuseElementwise` performs
// the simplest such fusion: it inlines an elementwise producer (no reduction) into its only consumer
// when both iterate the same ranks, removing the intermediate tensor without recomputing anything.
import { exprAccesses, iterationVars, iterativeVars, outputVars, rankOfVar, reducedVars, type Access, type Cascade, type Einsum, type Expr, type IndexExpr } from '../ir';
import { mapLeaves, plainVars, readersOf, refinalize, substIndex, toSource } from './rewrite';

export interface FusionGroup {
  /** einsum positions, consecutive in program order */
  einsums: number[];
  /** output tensors of the members */
  tensors: string[];
  /** members' outputs read only inside the group: they need never be written to memory */
  internal: string[];
  /** the ranks every member's output has: the fused outer loop nest */
  sharedRanks: string[];
}

function ranksOf(c: Cascade, e: Einsum): string[] {
  return iterationVars(e).map((v) => rankOfVar(c, v)?.name ?? v.toUpperCase());
}

function outRanks(c: Cascade, e: Einsum): Set<string> {
  return new Set(outputVars(e).map((v) => rankOfVar(c, v)?.name ?? v.toUpperCase()));
}

/**
 * Can `consumer` fuse with `producer`? It must read the producer's output with plain index variables
 * (no shifts or tiles), and iterate every rank the producer's output has, so each producer element is
 * consumed in the same loop nest that made it.
 */
function fusable(c: Cascade, producer: Einsum, consumer: Einsum): boolean {
  if (producer.init || consumer.init) return false;
  const outVars = plainVars(producer.output);
  if (!outVars) return false;
  const reads = exprAccesses(consumer.expr).filter((a) => a.tensor === producer.output.tensor);
  if (reads.length === 0) return false;
  const cRanks = new Set(ranksOf(c, consumer));
  return reads.every((a) => plainVars(a) !== null) && outVars.every((v) => cRanks.has(rankOfVar(c, v)?.name ?? ''));
}

export function fusionGroups(c: Cascade): FusionGroup[] {
  const groups: FusionGroup[] = [];
  const iter = new Set(iterativeVars(c));
  let cur: number[] = [];
  const close = () => {
    if (cur.length === 0) return;
    const tensors = cur.map((i) => c.einsums[i]!.output.tensor);
    const members = new Set(cur);
    const internal = [...new Set(tensors)].filter((t) => !c.outputs.includes(t) && readersOf(c.einsums, t).every((i) => members.has(i)));
    groups.push({ einsums: cur, tensors: [...new Set(tensors)], internal, sharedRanks: [...shared] });
    cur = [];
  };
  let shared = new Set<string>();
  c.einsums.forEach((e, i) => {
    // recurrences are already one fused loop; keep each einsum of one on its own here
    const inRecurrence = e.init || iterationVars(e).some((v) => iter.has(v));
    const mine = outRanks(c, e);
    const joint = new Set([...shared].filter((r) => mine.has(r)));
    if (!inRecurrence && cur.length > 0 && joint.size > 0 && cur.some((j) => fusable(c, c.einsums[j]!, e))) {
      cur.push(i);
      shared = joint;
    } else {
      close();
      cur = [i];
      shared = mine;
      if (inRecurrence) close();
    }
  });
  close();
  return groups;
}

/**
 * Inlines every elementwise producer into its only consumer when the two iterate the same ranks.
 * Returns the new cascade and the names of the tensors that disappeared.
 */
export function fuseElementwise(c: Cascade): { cascade: Cascade; inlined: string[] } {
  const src = toSource(c);
  const inlined: string[] = [];
  const iter = new Set(iterativeVars(c));
  for (let changed = true; changed; ) {
    changed = false;
    for (let p = 0; p < src.einsums.length; p++) {
      const prod = src.einsums[p]!;
      const t = prod.output.tensor;
      if (prod.init || c.outputs.includes(t) || reducedVars(prod).length > 0 || prod.dtype) continue;
      if (src.einsums.some((e, i) => i !== p && e.output.tensor === t)) continue; // init-written or recurrent
      const outVars = plainVars(prod.output);
      if (!outVars || new Set(outVars).size !== outVars.length) continue;
      if (iterationVars(prod).some((v) => iter.has(v))) continue;
      const readers = readersOf(src.einsums, t);
      if (readers.length !== 1) continue;
      const q = readers[0]!;
      const cons = src.einsums[q]!;
      if (cons.init || q < p) continue;
      const reads = exprAccesses(cons.expr).filter((a) => a.tensor === t);
      if (!reads.every((a) => plainVars(a) !== null)) continue;
      // same ranks: every producer rank is iterated by the consumer, and the consumer adds none the producer lacks
      const pRanks = new Set(outVars.map((v) => rankOfVar(c, v)?.name));
      const cRanks = new Set(iterationVars(cons).map((v) => rankOfVar(c, v)?.name));
      if (pRanks.size !== cRanks.size || [...pRanks].some((r) => !cRanks.has(r))) continue;
      const inline = (a: Access): Expr => {
        if (a.tensor !== t) return { kind: 'access', access: a };
        const sub = new Map<string, IndexExpr>(outVars.map((v, k) => [v, a.indices[k]!]));
        return mapLeaves(
          prod.expr,
          (x) => ({ kind: 'access', access: { tensor: x.tensor, indices: x.indices.map((i) => substIndex(i, sub)) } }),
          (name) => {
            const r = sub.get(name);
            return r && r.kind === 'ivar' ? { kind: 'ivar', name: r.name } : { kind: 'ivar', name };
          },
        );
      };
      src.einsums[q] = { ...cons, expr: mapLeaves(cons.expr, inline) };
      src.einsums.splice(p, 1);
      inlined.push(t);
      changed = true;
      break;
    }
  }
  return { cascade: inlined.length ? refinalize(src, 'fusing elementwise einsums') : c, inlined };
}
