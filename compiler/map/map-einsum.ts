// Maps one einsum on its own: tries every unit that can run it, searches each unit's space, keeps the
// best by the objective, and explains what limits it (spatial folds of misaligned ranks, bandwidth).
import { EinsumCostModel } from './cost';
import type { HwModel } from './hardware';
import type { EinsumMapping, MapOptions, Objective, SpatialBinding } from './mapping';
import { searchEinsum } from './search';
import type { EinsumWorkload } from './workload';

export interface EinsumMapOutcome {
  mapping: EinsumMapping;
  evaluations: number;
}

export function mapEinsum(w: EinsumWorkload, hw: HwModel, opts: MapOptions & { objective: Objective }): EinsumMapOutcome | null {
  let bestVal = Infinity;
  let best: { model: EinsumCostModel; row: number; col: number; tiles: Int32Array; order: Int32Array } | null = null;
  let evaluations = 0;
  for (const unit of hw.units) {
    const model = new EinsumCostModel(w, unit, hw);
    if (!Number.isFinite(model.cpp)) continue;
    const r = searchEinsum(model, opts.objective, opts);
    evaluations += r.evaluations;
    if (r.best && r.value < bestVal) {
      bestVal = r.value;
      best = { model, row: r.best.row, col: r.best.col, tiles: r.best.tiles, order: r.best.order };
    }
  }
  if (!best) return null;
  const { model, row, col, tiles, order } = best;
  model.evaluate(row, col, tiles, order, opts.objective);
  return { mapping: describe(w, hw, model, row, col, tiles, order), evaluations };
}

export function describe(w: EinsumWorkload, hw: HwModel, model: EinsumCostModel, row: number, col: number, tiles: Int32Array, order: Int32Array): EinsumMapping {
  const unit = model.unit;
  const spatial: SpatialBinding[] = [];
  const tileRec: Record<string, number> = {};
  w.vars.forEach((v, i) => (tileRec[v] = model.cands[i]![tiles[i]!]!));
  const explanation: string[] = [];
  const bind = (vi: number, dim: 'rows' | 'cols' | 'lanes', side: number) => {
    if (vi < 0) return;
    const v = w.vars[vi]!;
    const factor = Math.min(side, tileRec[v]!);
    spatial.push({ var: v, dim, factor });
    const n = w.sizes[vi]!;
    const folds = Math.ceil(n / side);
    if (n % side !== 0 && n > 0) {
      const lastUse = n - (folds - 1) * side;
      explanation.push(
        folds === 1
          ? `${w.name}: ${v} = ${n} fills ${n} of the ${side} ${dim} of ${unit.name} (${((100 * n) / side).toFixed(1)}% of the ${dim} busy)`
          : `${w.name}: ${v} = ${n} on the ${side} ${dim} of ${unit.name} takes ${folds} folds; the last uses ${lastUse} of ${side} (${((100 * n) / (folds * side)).toFixed(1)}% of the ${dim} busy over the einsum)`,
      );
    } else if (factor < side) explanation.push(`${w.name}: tiles of ${factor} along ${v} use ${factor} of the ${side} ${dim} of ${unit.name}`);
  };
  if (unit.kind === '2d') {
    bind(row, 'rows', unit.rows);
    bind(col, 'cols', unit.cols);
    if (row < 0 || col < 0) explanation.push(`${w.name}: only ${spatial.length} of the 2 array dimensions of ${unit.name} are bound to a rank; the rest of the array idles`);
  } else {
    bind(row, 'lanes', unit.rows);
    bind(col, 'cols', unit.cols);
  }
  const dram = hw.levels[hw.dram]!;
  const glb = hw.levels[hw.glb]!;
  if (model.bound !== 'compute')
    explanation.push(
      `${w.name}: bound by ${model.bound === 'dram' ? dram.name : glb.name} bandwidth (${Math.round(model.bound === 'dram' ? (model.dramRead + model.dramWrite) / dram.bytesPerCycle : (model.glbRead + model.glbWrite) / glb.bytesPerCycle)} cycles of transfers against ${model.compute} of compute)`,
    );
  const busy: Record<string, number> = {};
  busy[unit.name] = w.points * model.cpp;
  return {
    name: w.name,
    index: w.index,
    unit: unit.name,
    spatial,
    tiles: tileRec,
    loopOrder: Array.from(order, (i) => w.vars[i]!),
    cost: {
      latencyCycles: model.latency,
      computeCycles: model.compute,
      energyPj: model.energy,
      busyPeCycles: busy,
      traffic: {
        [dram.name]: { readBytes: model.dramRead, writeBytes: model.dramWrite },
        [glb.name]: { readBytes: model.glbRead, writeBytes: model.glbWrite, fillBytes: model.dramRead },
      },
      boundBy: model.bound === 'compute' ? 'compute' : model.bound === 'dram' ? dram.name : glb.name,
    },
    spatialUtilization: model.spatialUtil,
    explanation,
  };
}
