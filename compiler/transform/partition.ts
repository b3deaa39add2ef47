// Rank partitioning: M -> M1, M0. Every einsum over m then iterates m1 and m0 and addresses
// m1*M0 + m0; tensors keep their M dims. When M0 does not divide M the last tile is ragged and the
// IR's guard (only points with m1*M0 + m0 < M are visited) keeps the result exact.
import type { Cascade, IndexExpr } from '../ir';
import { refinalize, substEinsum, toSource, TransformError } from './rewrite';

export function partitionRank(c: Cascade, rank: string, outer: string, inner: string, innerSize: number): Cascade {
  const r = c.ranks.find((x) => x.name === rank);
  if (!r) throw new TransformError(`partitionRank: the cascade has no rank ${rank}`);
  if (c.partitions.some((p) => p.parent === rank)) throw new TransformError(`partitionRank: rank ${rank} is already partitioned`);
  for (const n of [outer, inner]) if (c.ranks.some((x) => x.name.toLowerCase() === n.toLowerCase())) throw new TransformError(`partitionRank: rank name ${n} is taken`);
  if (!Number.isSafeInteger(innerSize) || innerSize < 1) throw new TransformError(`partitionRank: inner size must be a positive integer, got ${innerSize}`);
  const src = toSource(c);
  src.partitions.push({ parent: rank, parts: [outer, inner], innerSizes: [innerSize] });
  const v = rank.toLowerCase();
  const recompose: IndexExpr = {
    kind: 'ibin',
    op: '+',
    a: { kind: 'ibin', op: '*', a: { kind: 'ivar', name: outer.toLowerCase() }, b: { kind: 'rsize', rank: inner } },
    b: { kind: 'ivar', name: inner.toLowerCase() },
  };
  const sub = new Map([[v, recompose]]);
  src.einsums = src.einsums.map((e) => substEinsum(e, sub));
  return refinalize(src, `partitioning ${rank} -> ${outer}, ${inner}`);
}
