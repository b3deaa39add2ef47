// FuseMax pass counting (Nayak et al., MICRO 2024): how many traversals of rank R a cascade needs,
// whatever the mapping. See docs/INTERPRETER.md for the rule with worked examples.
import { iterationVars, iterativeVars, rankSizeLookup, einsumName, exprAccesses, tensorByName, toAffine, type Cascade } from '../ir';

export interface PassInfo {
  rank: string;
  /** the cascade's pass count: the largest pass of an einsum that traverses the rank (0 if none does) */
  count: number;
  einsums: { name: string; pass: number; traverses: boolean; outputComplete: boolean }[];
}

export function passAnalysis(c: Cascade, rank: string): PassInfo {
  const r = c.ranks.find((x) => x.name === rank);
  if (!r) throw new Error(`unknown rank ${rank}`);
  const partsOfR = c.partitions.find((p) => p.parent === rank)?.parts ?? [];
  const rRanks = new Set([rank, ...partsOfR]);
  const rVars = new Set([...rRanks].map((x) => x.toLowerCase()));
  const iterative = new Set(iterativeVars(c));
  const sizeOf = rankSizeLookup(c.ranks);
  const state = new Map<string, { pass: number; complete: boolean }>();
  for (const t of c.tensors) if (t.role === 'input' || t.role === 'weight' || t.role === 'kvcache') state.set(t.name, { pass: 0, complete: false });
  const out: PassInfo['einsums'] = [];
  let count = 0;
  c.einsums.forEach((e, i) => {
    const traverses = iterationVars(e).some((v) => rVars.has(v));
    let pass = traverses ? 1 : 0;
    let anyComplete = false;
    for (const a of exprAccesses(e.expr)) {
      const s = state.get(a.tensor) ?? { pass: 0, complete: false };
      const t = tensorByName(c, a.tensor);
      // reading the final index of an iterative R-part dimension (RNV[f, M1, p]) reads a finished value
      const finalIndex =
        t !== undefined &&
        a.indices.some((idx, d) => {
          const dim = t.dims[d];
          if (!dim || !partsOfR.includes(dim.rank) || !iterative.has(dim.rank.toLowerCase())) return false;
          const af = toAffine(idx, sizeOf);
          return af !== null && af.coeffs.size === 0;
        });
      const complete = s.complete || finalIndex;
      if (complete) anyComplete = true;
      pass = Math.max(pass, complete && traverses ? s.pass + 1 : s.pass);
    }
    const outT = tensorByName(c, e.output.tensor);
    const hasRDims = outT?.dims.some((d) => rRanks.has(d.rank)) ?? false;
    const outputComplete = traverses ? !hasRDims : anyComplete;
    state.set(e.output.tensor, { pass, complete: outputComplete });
    out.push({ name: einsumName(c, i), pass, traverses, outputComplete });
    if (traverses && !e.init) count = Math.max(count, pass);
  });
  return { rank, count, einsums: out };
}

export function countPasses(c: Cascade, rank: string): number {
  return passAnalysis(c, rank).count;
}
