// A mapped contraction as the three-variable loop nest of a plain GEMM (m, n, k), when that is exact:
// what the tiled-GEMM cycle engine (sim/spatial/tiled-gemm.ts) runs. A whole-model lowering writes
// its projections over more variables than three: a rank of extent 1 (the batch b = 1 of prefill,
// the token s = 1 of decode), or two variables that play one GEMM role (the heads and the head
// dimension, N = (h, e) of Q = X·W_Q, K = (h, f) of the output projection). Such a nest is the same
// nest as one over merged variables when:
//   - variables of extent 1 not bound to the array are dropped (one trip, one value: they change nothing); no other
//     variable indexes both operands (a batch rank: that is a batched GEMM);
//   - the variables of one role tile as one: either every tile divides its extent (the merged tile
//     is their product, its trips theirs), or one variable alone is ragged and it is the outermost
//     in the loop order, the others whole;
//   - the loops of the role's variables with more than one trip are adjacent in the loop order (the
//     merged loop takes their place);
//   - a role variable bound to the array is alone in the tile (the others' tiles are 1), or its tile
//     and extent are multiples of the array side, so the merged tile's folds fall as its folds do
//     (the analytic model folds it once per value of the others: compiler/map/cost.ts).
// Anything else: null (the fold-level systolic engine runs it as the GEMM view).
import type { GemmView } from './gemm-view';
import type { EinsumMapping } from './mapping';
import type { EinsumWorkload } from './workload';

export interface GemmNest {
  /** extents, GLB tiles, per variable 0..2 (the M, N and K roles, in that order) */
  sizes: [number, number, number];
  tiles: [number, number, number];
  rowVar: number;
  colVar: number;
  /** loop order above the GLB, outermost first (a permutation of 0..2) */
  order: [number, number, number];
  /** per tensor of the workload, the merged variables it indexes (bit mask over 0..2) */
  masks: number[];
}

interface Role {
  size: number;
  tile: number;
  /** position in the loop order (the merged loop's place) */
  pos: number;
  vars: string[];
}

/** One role's variables merged into one, or null when that would not be the same nest. */
function mergeRole(vars: string[], w: EinsumWorkload, e: EinsumMapping, sides: Map<string, number>): Role | null {
  const size = (v: string) => w.sizes[w.vars.indexOf(v)]!;
  const live = vars.filter((v) => size(v) > 1 || sides.has(v)).sort((a, b) => e.loopOrder.indexOf(a) - e.loopOrder.indexOf(b));
  if (live.length === 0) return { size: 1, tile: 1, pos: e.loopOrder.length, vars: [] };
  const tile = (v: string) => Math.min(size(v), e.tiles[v] ?? size(v));
  const n = live.length;
  const total = live.reduce((p, v) => p * size(v), 1);
  const tileProduct = live.reduce((p, v) => p * tile(v), 1);
  // uniform tiles (each dividing its extent): the merged tile is their product, its trips theirs
  let merged = live.every((v) => size(v) % tile(v) === 0) ? tileProduct : 0;
  if (!merged) {
    // one ragged variable l_j: those outside it (before, in the loop order) have tile 1, those inside it are whole
    let j = n - 1;
    while (j > 0 && tile(live[j]!) === size(live[j]!)) j--;
    if (j > 0 || live.slice(0, j).some((v) => tile(v) !== 1)) return null;
    merged = tileProduct;
  }
  // the looped variables (trips > 1) are adjacent in the loop order: one merged loop
  const looped = live.filter((v) => tile(v) < size(v));
  if (looped.length > 1) {
    const at = looped.map((v) => e.loopOrder.indexOf(v));
    for (let p = Math.min(...at); p <= Math.max(...at); p++) {
      const v = e.loopOrder[p]!;
      if (!live.includes(v) && tile(v) < size(v)) return null;
    }
  }
  // a spatial variable folds as the merged one only alone in the tile or on whole array sides
  for (const v of live) {
    const side = sides.get(v);
    if (side === undefined || tileProduct === tile(v)) continue;
    if (tile(v) % side !== 0 || size(v) % side !== 0) return null;
  }
  const pos = looped.length ? Math.min(...looped.map((v) => e.loopOrder.indexOf(v))) : e.loopOrder.indexOf(live[0]!);
  return { size: total, tile: merged, pos, vars: live };
}

/**
 * The mapping of a contraction as a plain GEMM's nest (see the file comment), or null. `sides`: the
 * array's rows and columns (for the folds of a merged spatial variable).
 */
export function gemmNest(g: GemmView, w: EinsumWorkload, e: EinsumMapping, rows: number, cols: number): GemmNest | null {
  if (w.tensors.length !== 3 || g.a === g.b) return null;
  const size = (v: string) => w.sizes[w.vars.indexOf(v)] ?? 1;
  if (g.batchVars.some((v) => size(v) > 1)) return null;
  const rowName = e.spatial.find((s) => s.dim === 'rows')?.var;
  const colName = e.spatial.find((s) => s.dim === 'cols')?.var;
  if (rowName === undefined || colName === undefined) return null;
  const sides = new Map([
    [rowName, rows],
    [colName, cols],
  ]);
  const roles: Role[] = [];
  for (const vars of [g.mVars, g.nVars, g.kVars]) {
    const r = mergeRole(vars, w, e, sides);
    if (!r) return null;
    roles.push(r);
  }
  const rowVar = roles.findIndex((r) => r.vars.includes(rowName));
  const colVar = roles.findIndex((r) => r.vars.includes(colName));
  if (rowVar < 0 || colVar < 0 || rowVar === colVar) return null;
  const order = [0, 1, 2].sort((a, b) => roles[a]!.pos - roles[b]!.pos || a - b) as [number, number, number];
  const masks = w.tensors.map((t) => {
    let m = 0;
    roles.forEach((r, i) => {
      if (r.vars.some((v) => t.mask & (1 << w.vars.indexOf(v)))) m |= 1 << i;
    });
    return m;
  });
  return {
    sizes: [roles[0]!.size, roles[1]!.size, roles[2]!.size],
    tiles: [roles[0]!.tile, roles[1]!.tile, roles[2]!.tile],
    rowVar,
    colVar,
    order,
    masks,
  };
}
