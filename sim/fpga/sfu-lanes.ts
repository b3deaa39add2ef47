// Level 3 of the SFU (sim/fpga/sfu.ts): every lane stepped cycle by cycle over typed arrays, reducing real
// values. When every lane is free, the next wave of outputs is dealt to groups of g lanes (g = 1 unless the
// outputs are fewer than the lanes), lane j of a group taking points j*ceil(R/g) ... of its output; each
// cycle a lane whose interval has passed issues its next point into its accumulator (sum or max); a lane's
// partial leaves the pipeline `depth` cycles after its last point's interval ends; then the g partials of
// each output meet pairwise, level by level, depth_add cycles a level (an odd partial passes the level's
// register stage). Returns the cycle the last output is ready, and the outputs, which must equal a plain loop.
import { sfuDepth, sfuInterval, sfuLanesPerOutput, type SfuConfig, type SfuShape } from './sfu';

export interface LaneRun {
  cycles: number;
  y: Float64Array;
}

/** x: O x R values, row-major (output o's points at o*R ... o*R+R-1); R = 1: each point is its output. */
export function runSfuLanes(x: Float64Array, s: SfuShape, c: SfuConfig, reduce: 'sum' | 'max'): LaneRun {
  const O = s.outputs;
  const R = s.reduced;
  const g = sfuLanesPerOutput(s, c);
  const perWave = Math.floor(c.lanes / g);
  const ii = sfuInterval(s);
  const depth = sfuDepth(s, c);
  const chunk = Math.ceil(R / g);
  const id = reduce === 'sum' ? 0 : -Infinity;
  const L = c.lanes;
  // per lane: the partial it computes (-1: none), its next and end point, its accumulator, the cycle it is free
  const slot = new Int32Array(L).fill(-1);
  const next = new Int32Array(L);
  const end = new Int32Array(L);
  const acc = new Float64Array(L);
  const free = new Float64Array(L);
  // g partials per output and the cycle each is ready
  const part = new Float64Array(O * g);
  const ready = new Float64Array(O * g);
  let dealt = 0;
  for (let cycle = 0; ; cycle++) {
    let idle = true;
    for (let l = 0; l < L && idle; l++) if (slot[l] >= 0 || free[l] > cycle) idle = false;
    if (idle) {
      if (dealt === O) break;
      for (let q = 0; q < perWave && dealt < O; q++, dealt++) {
        for (let j = 0; j < g; j++) {
          const l = q * g + j;
          const p = dealt * g + j;
          next[l] = Math.min(R, j * chunk);
          end[l] = Math.min(R, (j + 1) * chunk);
          acc[l] = id;
          if (next[l] < end[l]) slot[l] = p;
          else {
            part[p] = id; // an empty share: its partial is the identity, ready at once
            ready[p] = cycle;
          }
        }
      }
    }
    for (let l = 0; l < L; l++) {
      const p = slot[l];
      if (p < 0 || free[l] > cycle) continue;
      const v = x[Math.floor(p / g) * R + next[l]]!;
      acc[l] = reduce === 'sum' ? acc[l]! + v : Math.max(acc[l]!, v);
      next[l]++;
      free[l] = cycle + ii;
      if (next[l] === end[l]) {
        part[p] = acc[l]!;
        ready[p] = cycle + ii + depth;
        slot[l] = -1;
      }
    }
  }
  const y = new Float64Array(O);
  let last = 0;
  for (let o = 0; o < O; o++) {
    const v = part.subarray(o * g, o * g + g);
    const t = ready.subarray(o * g, o * g + g);
    for (let n = g; n > 1; ) {
      const h = Math.ceil(n / 2);
      for (let i = 0; i < h; i++) {
        const b = 2 * i + 1 < n;
        v[i] = !b ? v[2 * i]! : reduce === 'sum' ? v[2 * i]! + v[2 * i + 1]! : Math.max(v[2 * i]!, v[2 * i + 1]!);
        t[i] = (b ? Math.max(t[2 * i]!, t[2 * i + 1]!) : t[2 * i]!) + c.depth.add;
      }
      n = h;
    }
    y[o] = v[0]!;
    last = Math.max(last, t[0]!);
  }
  return { cycles: last, y };
}
