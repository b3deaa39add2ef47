// The analytic model of a pipelined section (the SN40L's kernels, section.ts): the same plan (stages,
// their PCU shares, tiles, buffers), in closed form instead of tile by tile. With T tiles:
//   - stage s computes C_s = Σ_t max(1, its tile's share) = max(c_s, T) cycles, p_s = C_s / T a tile;
//   - tier k moves X_k = (all stages' bytes there) / bw_k cycles: each stage's channel has the
//     share of bw_k its bytes have, so every stage that uses tier k needs X_k to move its own, and
//     l_s = max X_k / T a tile (over the tiers it uses);
//   - a stage's tiles follow at τ_s = max(l_s, p_s) (its loads run ahead of its compute, double
//     buffered, and its writes behind); its first tile ends at f_s = max(l_s + latency, f_p of its
//     producers) + p_s;
//   - the section ends at max over stages of f_s + (T − 1)·M_s, M_s the slowest τ among the stage
//     and everything upstream of it (a pipeline runs at its bottleneck's rate; the first tile pays
//     each stage's own time once).
// Operators of one section overlap one another (the time is a max, not a sum): this is what a sum
// of per-einsum costs misses. test/dataflow/closed-form.test.ts derives cases by hand (they equal
// the tile-level engine's) and holds it near the engine on whole models.
import type { DataflowSection } from './section';

export interface SectionBound {
  endCycle: number;
  /** per stage: S_s, the cycles it is busy (compute or its transfers) */
  stageBusy: Float64Array;
  /** per tier: its bytes at its full bandwidth (cycles) */
  tierBusyCycles: Float64Array;
  tierReadBytes: Float64Array;
  tierWriteBytes: Float64Array;
}

/**
 * Σ over the T tiles of max(1, tilePart(c, t)) = max(c, T): when c ≥ T every tile's share is at
 * least c/T ≥ 1; when c < T the shares are 0 or 1, c of them 1, and the T − c others take a cycle.
 */
export function stageComputeCycles(c: number, tiles: number): number {
  return Math.max(c, tiles);
}

export function sectionClosedForm(sec: DataflowSection): SectionBound {
  const S = sec.stages.length;
  const K = sec.tiers.length;
  const T = sec.tiles;
  const read = new Float64Array(K);
  const write = new Float64Array(K);
  const busy = new Float64Array(K);
  for (const st of sec.stages)
    for (let k = 0; k < K; k++) {
      read[k] += st.readBytes[k] ?? 0;
      write[k] += st.writeBytes[k] ?? 0;
    }
  for (let k = 0; k < K; k++) busy[k] = (read[k]! + write[k]!) / sec.tiers[k]!.bytesPerCycle;
  const stageBusy = new Float64Array(S);
  const first = new Float64Array(S);
  const slowest = new Float64Array(S);
  let end = 0;
  for (let s = 0; s < S; s++) {
    const st = sec.stages[s]!;
    const p = stageComputeCycles(st.computeCycles, T) / T;
    let l = 0;
    let ready = 0;
    for (let k = 0; k < K; k++) {
      const r = st.readBytes[k] ?? 0;
      if (r + (st.writeBytes[k] ?? 0) <= 0) continue;
      l = Math.max(l, busy[k]! / T);
      if (r > 0) ready = Math.max(ready, busy[k]! / T + sec.tiers[k]!.latencyCycles);
    }
    const tau = Math.max(l, p);
    let m = tau;
    for (const q of st.producers) {
      ready = Math.max(ready, first[q]!);
      m = Math.max(m, slowest[q]!);
    }
    first[s] = ready + p;
    slowest[s] = m;
    stageBusy[s] = tau * T;
    end = Math.max(end, first[s]! + (T - 1) * m);
  }
  return { endCycle: sec.startCycle + Math.ceil(end - 1e-9), stageBusy, tierBusyCycles: busy, tierReadBytes: read, tierWriteBytes: write };
}
