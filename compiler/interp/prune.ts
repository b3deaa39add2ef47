// N:M pruning of a weight's values, as its `sparse(N:M, RANK)` attribute states (compiler/ir/sparsity.ts).
// Magnitude pruning, the rule NVIDIA's ASP uses for 2:4 and FlightLLM's N:M compression starts from:
// along the sparse rank, in each group of M consecutive elements (a last partial group of r elements keeps
// min(N, r)), the N values of largest magnitude are kept and the others set to zero; equal magnitudes go to
// the lower index, so the same values always prune the same way. The interpreter applies it to whatever
// values a pruned weight gets (seeded random inputs or --inputs files), so a run always honours the
// pattern the cascade declares, and a file already in the pattern is left exactly as it is.
import type { Tensor } from '../ir';

/** Zeroes, in place, all but the N largest-magnitude values of every group of M along the tensor's sparse rank; returns how many it zeroed. */
export function pruneNM(data: Float64Array, t: Tensor): number {
  const s = t.sparsity;
  if (!s) return 0;
  const d = t.dims.findIndex((x) => x.rank === s.rank);
  if (d < 0) return 0;
  const len = t.dims[d]!.extent;
  let inner = 1;
  for (let k = d + 1; k < t.dims.length; k++) inner *= t.dims[k]!.extent;
  const outer = data.length / (len * inner);
  const order = new Int32Array(s.m);
  let zeroed = 0;
  for (let o = 0; o < outer; o++)
    for (let i = 0; i < inner; i++) {
      const base = o * len * inner + i;
      for (let g = 0; g < len; g += s.m) zeroed += pruneGroup(data, base + g * inner, inner, Math.min(s.m, len - g), s.n, order);
    }
  return zeroed;
}

/** One group of `size` values at `start`, `stride` apart: keeps the n largest magnitudes (ties: lower index). */
function pruneGroup(data: Float64Array, start: number, stride: number, size: number, n: number, order: Int32Array): number {
  if (size <= n) return 0;
  // insertion sort of positions by descending magnitude; stable, so equal magnitudes keep index order
  for (let j = 0; j < size; j++) {
    const v = Math.abs(data[start + j * stride]!);
    let p = j;
    while (p > 0 && Math.abs(data[start + order[p - 1]! * stride]!) < v) {
      order[p] = order[p - 1]!;
      p--;
    }
    order[p] = j;
  }
  let zeroed = 0;
  for (let j = n; j < size; j++) {
    const at = start + order[j]! * stride;
    if (data[at] !== 0) zeroed++;
    data[at] = 0;
  }
  return zeroed;
}
