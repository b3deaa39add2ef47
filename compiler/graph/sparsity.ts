// N:M weight pruning of a lowered cascade (`tessera lower --sparsity N:M`), as a transform on the IR. Every
// weight that `--wbits` would quantise (a matrix a GEMM reads; not a norm gain, the embedding or the LM head,
// which SparseGPT and Wanda also leave dense) is declared `sparse(N:M, K)`, K the largest rank its first GEMM
// sums over: the rank the quantisation groups run along, and the one a sparse DSP chain or sparse tensor core
// skips zeros in. The attribute is the whole change: the capacity stage counts the kept values and their
// indices (compiler/ir/sparsity.ts), the interpreter prunes the values to the pattern (compiler/interp/prune.ts),
// and the fpga engine runs the N:M chain. Run it before quantisation, so the quantised W_Q inherits it.
import { exprAccesses, finalize, reducedVars, renderDiagnostics, sparsityPatternProblem, sparsityProblems, type Cascade, type Tensor } from '../ir';
import { keepReason, QuantizeError, readersOf, sourceOf, type QuantizeReport } from './quantize';

export interface PruneOptions {
  n: number;
  m: number;
}

/** The rank a pruned weight's pattern runs along: the largest rank its first GEMM sums over; null when none. */
function prunedRank(c: Cascade, w: Tensor, reader: number): string | null {
  const e = c.einsums[reader]!;
  const red = new Set(reducedVars(e));
  const a = exprAccesses(e.expr).find((x) => x.tensor === w.name);
  if (!a) return null;
  let best = -1;
  a.indices.forEach((x, k) => {
    if (x.kind === 'ivar' && red.has(x.name) && (best < 0 || w.dims[k]!.extent > w.dims[best]!.extent)) best = k;
  });
  if (best < 0) return null;
  const rank = w.dims[best]!.rank;
  // the attribute names the rank, so it must name one dimension
  return w.dims.filter((d) => d.rank === rank).length === 1 ? rank : null;
}

/** Declares every GEMM weight (as --wbits chooses them) pruned to N of every M along its contracted rank. */
export function pruneCascade(c: Cascade, o: PruneOptions): QuantizeReport {
  const bad = sparsityPatternProblem(o.n, o.m);
  if (bad) throw new QuantizeError(`--sparsity ${o.n}:${o.m}: ${bad.replace(/^N:M sparsity \S+: /, '')}`);
  const src = sourceOf(c);
  const pruned: string[] = [];
  const kept = new Map<string, string[]>();
  const keep = (why: string, name: string) => kept.set(why, [...(kept.get(why) ?? []), name]);
  for (const w of c.tensors.filter((t) => t.role === 'weight' && !t.sparsity)) {
    const readers = readersOf(c, w.name);
    const why = keepReason(c, w, readers);
    if (why) {
      keep(why, w.name);
      continue;
    }
    const rank = prunedRank(c, w, readers[0]!);
    const sparsity = rank ? { n: o.n, m: o.m, rank } : undefined;
    if (!sparsity || sparsityProblems({ ...w, sparsity }, c).length) {
      keep('its readers do not all sum over one of its ranks', w.name);
      continue;
    }
    const i = src.declared.findIndex((t) => t.name === w.name);
    src.declared[i] = { ...src.declared[i]!, sparsity };
    pruned.push(`${w.name} (${rank})`);
  }
  const r = finalize(src);
  if (!r.cascade) throw new Error(`pruning built an invalid cascade:\n${renderDiagnostics(r.diagnostics)}`);
  const notes = [`weights: ${pruned.length} pruned to ${o.n}:${o.m} along their contracted rank (the ${o.n} largest magnitudes of every ${o.m} kept, each with a ${Math.log2(o.m)}-bit index)`];
  for (const [why, names] of kept) notes.push(`left dense (${why}): ${names.length <= 4 ? names.join(', ') : `${names.slice(0, 3).join(', ')} and ${names.length - 3} more`}`);
  return { cascade: r.cascade, notes };
}
