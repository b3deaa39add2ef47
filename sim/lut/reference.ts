// The LUT unit, cycle by cycle (level 3, a test oracle for small sizes): every lane's multiplexer,
// sign flip and shift, its pipeline register and its accumulator, and the table loader with its
// double buffer, advanced one clock at a time. Nothing here is shared with the tile engine (tile.ts)
// except the functional building blocks (the table precompute and the weight packing), so the two
// agree only if the tile engine's closed form and per-tile arithmetic are right.
// Per cycle, in this order:
//   accumulate  lanes whose pipeline register is valid add it (rounded to the accumulator format);
//               on a quantisation group's last plane the scale stage adds s'(P - z' sum a) to the
//               lane's output and clears P; on a tile's last k-step the outputs are written back;
//   swap        when no step is running and the shadow tables are loaded, they become active, and
//               each row's activation sum (a side-band of the precompute) is added;
//   mux         a running step issues one bit plane: each lane selects entry bits [K-1:1] of its
//               weight field from its row's table, bit 0 flips the sign, the plane shifts it;
//   load        the loader writes `tableLoad` entries into the shadow buffer (with double
//               buffering while a step runs; without, only in a cycle no plane issued).
import type { DType } from '../../compiler/ir';
import { rounderFor } from '../../compiler/interp/numerics';
import { checkMpGemm, LutInputError, packWeights, precomputeAll, type MpGemm } from './functional';
import { checkTile, tableLoadCycles, type LutUnitConfig } from './tile';

export interface LutReferenceRun {
  cycles: number;
  y: Float64Array;
}

export function runLutReference(g: MpGemm, u: LutUnitConfig, out: DType = 'fp32'): LutReferenceRun {
  const why = checkTile(u.tile) ?? checkMpGemm(g, u.tile.k);
  if (why) throw new LutInputError(why);
  const { M, N, Kdim, wbits, group } = g;
  const { m: tm, n: tn, k: tk } = u.tile;
  const entries = 1 << (tk - 1);
  const groups = Kdim / tk;
  const qgroups = Kdim / group;
  const tables = precomputeAll(g.a, M, Kdim, tk, u.table);
  const w = packWeights(g.q, N, Kdim, wbits, tk);
  const racc = u.acc === 'exact' ? (x: number) => x : rounderFor(u.acc);
  const rout = rounderFor(out);
  const mt = Math.ceil(M / tm), nt = Math.ceil(N / tn);
  const steps = mt * nt * groups;
  const load = tableLoadCycles(u);
  const lanes = tm * tn;
  // lane registers
  const pipe = new Float64Array(lanes);
  const acc = new Float64Array(lanes);
  const yv = new Float64Array(lanes);
  const asum = new Float64Array(tm);
  const y = new Float64Array(M * N);
  let pipeValid = false, pipeScale = false, pipeWrite = false, pipeStep = -1;
  let cur = -1, plane = 0, ready = -1, loading = 0, loaded = 0, issued = 0;
  const coords = (s: number) => ({ m0: Math.floor(s / (nt * groups)) * tm, n0: Math.floor(s / groups) % nt * tn, gi: s % groups });
  for (let cycle = 0; ; cycle++) {
    if (pipeValid) {
      const { m0, n0, gi } = coords(pipeStep);
      for (let l = 0; l < lanes; l++) {
        const m = m0 + Math.floor(l / tn), n = n0 + (l % tn);
        if (m >= M || n >= N) continue;
        acc[l] = racc(acc[l]! + pipe[l]!);
        if (pipeScale) {
          const s = n * qgroups + ((gi + 1) * tk) / group - 1;
          yv[l] = yv[l]! + (acc[l]! - (2 * g.z[s]! + 1 - 2 ** wbits) * asum[l / tn | 0]!) * (g.s[s]! / 2);
          acc[l] = 0;
        }
        if (pipeWrite) {
          y[m * N + n] = rout(yv[l]!);
          yv[l] = 0;
        }
      }
      if (pipeScale) asum.fill(0);
      pipeValid = false;
    }
    let issuedNow = false;
    if (cur < 0 && ready >= 0) {
      cur = ready;
      ready = -1;
      plane = 0;
      const { m0, gi } = coords(cur);
      for (let i = 0; i < tm && m0 + i < M; i++) for (let j = 0; j < tk; j++) asum[i] = asum[i]! + g.a[(m0 + i) * Kdim + gi * tk + j]!;
    }
    if (cur >= 0) {
      const { m0, n0, gi } = coords(cur);
      for (let l = 0; l < lanes; l++) {
        const m = m0 + Math.floor(l / tn), n = n0 + (l % tn);
        if (m >= M || n >= N) continue;
        const f = w[(plane * N + n) * groups + gi]!;
        const v = tables[(m * groups + gi) * entries + (f >> 1)]!;
        pipe[l] = (f & 1 ? v : -v) * 2 ** plane;
      }
      pipeValid = true;
      pipeStep = cur;
      pipeScale = plane === wbits - 1 && ((gi + 1) * tk) % group === 0;
      pipeWrite = plane === wbits - 1 && gi === groups - 1;
      issuedNow = true;
      if (++plane === wbits) {
        cur = -1;
        issued++;
      }
    }
    if (loading < steps && ready < 0 && (u.doubleBuffered || (cur < 0 && !issuedNow))) {
      if (++loaded === load) {
        ready = loading++;
        loaded = 0;
      }
    }
    if (issued === steps && !pipeValid) return { cycles: cycle + 1, y };
  }
}
