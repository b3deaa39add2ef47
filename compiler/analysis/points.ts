// Exact counts of the iteration points an einsum visits, honouring ragged partitions: when the iteration
// space holds every part of a partition, only points whose recomposed coordinate is below the parent
// size are visited (the interpreter's guard).
import { iterationVars, outputVars, partitionInfos, rankOfVar, type Cascade, type Einsum, type PartitionInfo } from '../ir';

export interface PointCounts {
  /** iteration points visited (summed over every step of a recurrence) */
  points: number;
  /** distinct output points that receive at least one term */
  outputPoints: number;
}

/** Number of combinations of `chosen` part variables whose partial recomposition is < parentSize. */
function countCombos(info: PartitionInfo, chosen: string[], sizeOfVar: (v: string) => number): number {
  const idx = info.vars.map((v, i) => (chosen.includes(v) ? i : -1)).filter((i) => i >= 0);
  if (idx.length === 0) return 1;
  // Every part chosen, strides mixed-radix (the usual m = m1*M0 + m0): the recomposed values are
  // exactly 0 .. min(parent, product) - 1, one combination each. O(1) at any size (2^32 keys).
  if (idx.length === info.vars.length && isMixedRadix(info, sizeOfVar)) return Math.min(info.parentSize, info.strides[0]! * sizeOfVar(info.vars[0]!));
  const rec = (k: number, remain: number): number => {
    const i = idx[k]!;
    const s = info.strides[i]!;
    const size = sizeOfVar(info.vars[i]!);
    if (remain <= 0) return 0;
    if (k === idx.length - 1) return Math.min(size, Math.ceil(remain / s));
    let n = 0;
    for (let v = 0; v < size && v * s < remain; v++) n += rec(k + 1, remain - v * s);
    return n;
  };
  return rec(0, info.parentSize);
}

function isMixedRadix(info: PartitionInfo, sizeOfVar: (v: string) => number): boolean {
  const n = info.vars.length;
  if (info.strides[n - 1] !== 1) return false;
  for (let i = 0; i < n - 1; i++) if (info.strides[i] !== info.strides[i + 1]! * sizeOfVar(info.vars[i + 1]!)) return false;
  return true;
}

function countOver(vars: string[], guarded: PartitionInfo[], sizeOfVar: (v: string) => number): number {
  let n = 1;
  const inGuard = new Set(guarded.flatMap((g) => g.vars));
  for (const v of vars) if (!inGuard.has(v)) n *= sizeOfVar(v);
  for (const g of guarded) n *= countCombos(g, g.vars.filter((v) => vars.includes(v)), sizeOfVar);
  return n;
}

export function pointCounts(c: Cascade, e: Einsum): PointCounts {
  const sizeOfVar = (v: string) => rankOfVar(c, v)!.size;
  const vars = iterationVars(e);
  const guarded = partitionInfos(c).filter((p) => p.vars.every((v) => vars.includes(v)));
  return { points: countOver(vars, guarded, sizeOfVar), outputPoints: countOver(outputVars(e), guarded, sizeOfVar) };
}
