// Maps one einsum on its own: tries every unit that can run it, searches each unit's space, keeps the
// best by the objective, and explains what limits it (spatial folds of misaligned ranks, bandwidth).
// A MappingMemo remembers the choice per key (everything the search reads: the einsum's shape,
// access pattern, op counts, dtypes, tensor roles, the hardware model, objective, seed and search
// options), so identical einsums (the layers of a transformer) are searched once and mapped alike.
import { EinsumCostModel } from './cost';
import type { HwModel } from './hardware';
import type { EinsumMapping, LevelTraffic, MapOptions, Objective, SpatialBinding } from './mapping';
import { searchEinsum } from './search';
import type { EinsumWorkload } from './workload';
import { DiagnosticError, error } from '../ir/diagnostic';

export interface EinsumMapOutcome {
  mapping: EinsumMapping;
  /** mappings evaluated (0 when the memo held the answer) */
  evaluations: number;
  /** the answer came from the memo */
  memoHit?: boolean;
}

interface MemoEntry {
  /** index into hw.units of the winning unit, or -1 when no unit can run the einsum */
  unit: number;
  row: number;
  col: number;
  tiles: Int32Array;
  order: Int32Array;
  /** what the winning point costs, kept so a hit describes it without rebuilding the cost model */
  figures?: Figures;
  /** the descriptions' parts that depend on the variables' names only, for the next hit with the same names (a few: Q over s, K over m share a key) */
  shapes?: DescribedShape[];
}

/**
 * The parts of an einsum's mapping that its key and its variables' names fix: shared, never
 * mutated, by every mapping of that key whose einsum iterates the same names (the 32 layers of a
 * model), so a memo hit builds only what names the einsum (its name, index, explanation) and its
 * own cost record.
 */
interface DescribedShape {
  vars: readonly string[];
  spatial: SpatialBinding[];
  tiles: Record<string, number>;
  loopOrder: string[];
  /** the explanation lines without the einsum's name and its colon */
  notes: string[];
  occupancyBytes: Record<string, number>;
}

/**
 * What describe() reads of a cost model after evaluating a point: the same for every einsum with
 * the same key (names aside), so a memo hit reuses it. Per-variable values are by position.
 */
interface Figures {
  unit: EinsumCostModel['unit'];
  tileSizes: number[];
  cpp: number;
  latency: number;
  compute: number;
  energy: number;
  traffic: Record<string, LevelTraffic>;
  spatialUtil: number;
  bound: string;
  boundName: string;
  boundCycles: number;
  /** the global buffer and the bytes the mapping holds in it (the cost model's capacity check) */
  glb: { level: string; bytes: number };
}

function figuresOf(model: EinsumCostModel, tiles: Int32Array): Figures {
  return {
    unit: model.unit,
    tileSizes: Array.from(tiles, (t, i) => model.cands[i]![t]!),
    cpp: model.cpp,
    latency: model.latency,
    compute: model.compute,
    energy: model.energy,
    traffic: model.levelTraffic(),
    spatialUtil: model.spatialUtil,
    bound: model.bound,
    boundName: model.boundName(),
    boundCycles: model.boundCycles(),
    glb: { level: model.hw.levels[model.hw.glb]!.name, bytes: model.footprint },
  };
}

/** Remembered mapping choices, keyed by einsumKey; share one across mapCascade calls with `memo`. */
export class MappingMemo {
  readonly entries = new Map<string, MemoEntry>();
  private readonly hwIds = new Map<string, number>();
  /** the keys of `entries` by a hash of their fields (keyFields), so a hit needs no key text */
  private readonly probes = new Map<number, KeyProbe[]>();
  hits = 0;
  misses = 0;
  /** a short id per distinct hardware model (its levels and units, every number) */
  hwId(hw: HwModel): number {
    const sig = hwSignature(hw);
    let id = this.hwIds.get(sig);
    if (id === undefined) this.hwIds.set(sig, (id = this.hwIds.size));
    return id;
  }
  /** the key whose fields are those keyFields last gathered, if one was remembered */
  knownKey(hash: number): string | undefined {
    const list = this.probes.get(hash);
    if (list) for (const p of list) if (sameFields(p)) return p.key;
    return undefined;
  }
  /** remembers that the fields keyFields last gathered make `key` */
  addProbe(hash: number, key: string): void {
    const probe: KeyProbe = { nums: scratch.nums.slice(0, scratch.count), strs: scratch.strs.slice(0, scratch.strCount), key };
    const list = this.probes.get(hash);
    if (list) list.push(probe);
    else this.probes.set(hash, [probe]);
  }
}

/** einsumKey's fields as numbers and strings, in its order, and the key they make. */
interface KeyProbe {
  nums: Float64Array;
  strs: string[];
  key: string;
}

/** The fields keyFields gathered last: `count` numbers and `strCount` strings (grown as needed, never shrunk). */
const scratch = { nums: new Float64Array(64), count: 0, strs: [] as string[], strCount: 0 };

/**
 * Gathers every field einsumKey writes (into the scratch lists, no allocation once they have grown)
 * and returns a hash of the shape's. Equal fields make equal keys: an absent option is told apart
 * from any value by a flag, and numbers compare as einsumKey prints them (NaN equals NaN, 0 equals -0).
 */
function keyFields(w: EinsumWorkload, hwId: number, opts: EinsumMapOptions, dtypes: boolean): number {
  const need = 16 + w.sizes.length + 4 * w.tensors.length + w.ops.length;
  if (scratch.nums.length < need) scratch.nums = new Float64Array(2 * need);
  const n = scratch.nums;
  let k = 0;
  n[k++] = hwId;
  n[k++] = opts.seed ?? 1;
  n[k++] = opts.budget == null ? 0 : 1;
  n[k++] = opts.budget ?? 0;
  n[k++] = opts.exhaustiveLimit == null ? 0 : 1;
  n[k++] = opts.exhaustiveLimit ?? 0;
  n[k++] = opts.batch ?? 1;
  n[k++] = opts.climb === false ? 1 : 0;
  n[k++] = dtypes ? 1 : 0;
  const shapeFrom = k;
  n[k++] = w.sizes.length;
  for (let i = 0; i < w.sizes.length; i++) n[k++] = w.sizes[i]!;
  n[k++] = w.points;
  n[k++] = w.tensors.length;
  const s = scratch.strs;
  let j = 0;
  s[j++] = opts.objective;
  for (let i = 0; i < w.tensors.length; i++) {
    const u = w.tensors[i]!;
    n[k++] = u.mask;
    n[k++] = u.bytesPerElement;
    n[k++] = u.elements;
    n[k++] = u.write ? 1 : 0;
    s[j++] = u.role;
    if (dtypes) s[j++] = u.dtype;
  }
  n[k++] = w.ops.length;
  for (let i = 0; i < w.ops.length; i++) n[k++] = w.ops[i]!;
  n[k++] = w.operandReads;
  n[k++] = (w.view ? 1 : 0) | (w.contraction ? 2 : 0) | (w.init ? 4 : 0);
  n[k++] = reducedMask(w);
  scratch.count = k;
  scratch.strCount = j;
  // the hash covers the shape only: einsums alike but for the options, roles or element types share
  // a bucket, and sameFields tells them apart
  // (a count past 2^32 enters modulo 2^32: a rare shared bucket, told apart the same way)
  let h = 0x811c9dc5;
  for (let i = shapeFrom; i < k; i++) h = Math.imul(h ^ (n[i]! | 0), 0x01000193);
  return h >>> 0;
}

function sameFields(p: KeyProbe): boolean {
  const { nums, count, strs, strCount } = scratch;
  if (p.nums.length !== count || p.strs.length !== strCount) return false;
  for (let i = 0; i < count; i++) {
    const a = p.nums[i]!;
    const b = nums[i]!;
    if (a !== b && !(a !== a && b !== b)) return false;
  }
  for (let i = 0; i < strCount; i++) if (p.strs[i] !== strs[i]) return false;
  return true;
}

/** Bit i set when the workload's variable i is reduced. */
function reducedMask(w: EinsumWorkload): number {
  let red = 0;
  for (const r of w.reduced) red |= 1 << w.vars.indexOf(r);
  return red;
}

const hwSigs = new WeakMap<HwModel, string>();
function hwSignature(hw: HwModel): string {
  let s = hwSigs.get(hw);
  if (s === undefined) {
    s = JSON.stringify([hw.levels, hw.units, hw.glb, hw.dram, hw.activationsOnChip], (_, v) => (typeof v === 'number' && !Number.isFinite(v) ? String(v) : v));
    hwSigs.set(hw, s);
  }
  return s;
}

export type EinsumMapOptions = MapOptions & { objective: Objective; memo?: MappingMemo; hwId?: number };

/**
 * What determines an einsum's mapping: its iteration space (extents in variable order, points
 * visited), every tensor's access mask, element size, elements, role and direction, its op counts
 * and operand reads, its kind (view, contraction, reduced variables, init), and the search's
 * inputs (hardware id, objective, seed, budget, exhaustive limit, batch). Names are not part of it.
 */
export function einsumKey(w: EinsumWorkload, hwId: number, opts: EinsumMapOptions, dtypes = false): string {
  keyFields(w, hwId, opts, dtypes);
  return keyText();
}

/**
 * The key text of the fields keyFields gathered last (one list of fields for the text and for the
 * memo's lookup, so the two cannot drift apart). Element types appear only where a unit has
 * per-dtype rates (otherwise the key, and so the search's seed, is as it was before rates).
 */
function keyText(): string {
  const n = scratch.nums;
  const s = scratch.strs;
  let i = 0;
  const next = () => n[i++]!;
  const [hwId, seed, hasBudget, budget, hasLimit, limit, batch, sampled, dtypes] = [next(), next(), next(), next(), next(), next(), next(), next(), next()];
  const sizes: number[] = [];
  for (let k = next(); k > 0; k--) sizes.push(next());
  const points = next();
  let t = '';
  let si = 1;
  for (let k = 0, nt = next(); k < nt; k++) {
    const [mask, bytes, elements, write] = [next(), next(), next(), next()];
    const role = s[si++]!;
    const dtype = dtypes ? `${s[si++]!}:` : '';
    t += `${k > 0 ? ',' : ''}${mask}:${bytes}:${dtype}${elements}:${role}:${write}`;
  }
  const ops: number[] = [];
  for (let k = next(); k > 0; k--) ops.push(next());
  const [operandReads, kind, red] = [next(), next(), next()];
  return `${hwId}|${s[0]!}|${seed}|${hasBudget ? budget : ''}|${hasLimit ? limit : ''}|${batch}|${sizes.join('x')}|${points}|${t}|${ops.join(',')}|${operandReads}|${kind & 1 ? 1 : 0}${kind & 2 ? 1 : 0}${kind & 4 ? 1 : 0}|${red}${sampled ? '|sampled' : ''}`;
}

/** FNV-1a of the key: the search's seed, so the same einsum is searched the same way wherever it sits. */
export function keySeed(key: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) {
    h ^= key.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

export function mapEinsum(w: EinsumWorkload, hw: HwModel, opts: EinsumMapOptions): EinsumMapOutcome | null {
  const memo = opts.memo;
  const hwId = memo ? (opts.hwId ?? memo.hwId(hw)) : 0;
  const dtypes = hw.units.some((u) => u.rates.length > 0);
  // a remembered einsum is found by its key's fields, without writing the key
  const hash = memo ? keyFields(w, hwId, opts, dtypes) : 0;
  const known = memo?.knownKey(hash);
  let hit = known === undefined ? undefined : memo!.entries.get(known);
  const key = hit ? known! : memo ? keyText() : einsumKey(w, hwId, opts, dtypes); // keyText: the fields just gathered
  if (!hit) {
    hit = memo?.entries.get(key);
    if (memo && known === undefined) memo.addProbe(hash, key);
  }
  if (hit) {
    memo!.hits++;
    if (hit.unit < 0) return null;
    if (!hit.figures) {
      const model = new EinsumCostModel(w, hw.units[hit.unit]!, hw);
      model.evaluate(hit.row, hit.col, hit.tiles, hit.order, opts.objective);
      hit.figures = figuresOf(model, hit.tiles);
    }
    return { mapping: describeHit(w, hit), evaluations: 0, memoHit: true };
  }
  if (memo) memo.misses++;
  const seed = keySeed(key);
  let bestVal = Infinity;
  let best: { unit: number; model: EinsumCostModel; row: number; col: number; tiles: Int32Array; order: Int32Array } | null = null;
  let evaluations = 0;
  let runnable = false;
  for (let ui = 0; ui < hw.units.length; ui++) {
    const model = new EinsumCostModel(w, hw.units[ui]!, hw);
    if (!Number.isFinite(model.cpp)) continue;
    runnable = true;
    // a unit whose compute floor is no lower than the best latency found cannot win (ties keep the earlier unit)
    if (opts.objective === 'latency' && best && model.computeFloor() >= bestVal) continue;
    const r = searchEinsum(model, opts.objective, { seed, ...(opts.budget !== undefined ? { budget: opts.budget } : {}), ...(opts.exhaustiveLimit !== undefined ? { exhaustiveLimit: opts.exhaustiveLimit } : {}), ...(opts.climb === false ? { climb: false } : {}) });
    evaluations += r.evaluations;
    if (r.best && r.value < bestVal) {
      bestVal = r.value;
      best = { unit: ui, model, row: r.best.row, col: r.best.col, tiles: r.best.tiles, order: r.best.order };
    }
  }
  if (!best && runnable)
    // a unit executes the einsum, but no mapping the search drew fits the memories: not a missing op
    throw new DiagnosticError([error('no-legal-mapping', `einsum ${w.name}: no mapping found that fits the memories of ${hw.target} (${evaluations} evaluated)`, undefined, 'a smaller shape or larger buffers; or raise the search effort')]);
  if (!best) {
    memo?.entries.set(key, { unit: -1, row: -1, col: -1, tiles: new Int32Array(0), order: new Int32Array(0) });
    return null;
  }
  const { model, row, col, tiles, order } = best;
  model.evaluate(row, col, tiles, order, opts.objective);
  const figures = figuresOf(model, tiles);
  const entry: MemoEntry = { unit: best.unit, row, col, tiles, order, figures };
  memo?.entries.set(key, entry);
  return { mapping: describeHit(w, entry), evaluations };
}

/** The mapping of `w` at the point the model last evaluated. */
export function describe(w: EinsumWorkload, _hw: HwModel, model: EinsumCostModel, row: number, col: number, tiles: Int32Array, order: Int32Array): EinsumMapping {
  const f = figuresOf(model, tiles);
  return assemble(w, f, describeShape(w, f, row, col, order));
}

/** A remembered entry's mapping for `w`: a shape it described for the same variable names reused (it keeps its last four). */
function describeHit(w: EinsumWorkload, hit: MemoEntry): EinsumMapping {
  const f = hit.figures!;
  const shapes = (hit.shapes ??= []);
  const k = shapes.findIndex((x) => sameNames(x.vars, w.vars));
  // least recently used first: a layer's own variable names (m_l7) are not asked for again and go first
  if (k >= 0) {
    const shape = shapes[k]!;
    for (let i = k; i < shapes.length - 1; i++) shapes[i] = shapes[i + 1]!;
    shapes[shapes.length - 1] = shape;
    return assemble(w, f, shape);
  }
  const shape = describeShape(w, f, hit.row, hit.col, hit.order);
  if (shapes.length >= 4) shapes.shift();
  shapes.push(shape);
  return assemble(w, f, shape);
}

function sameNames(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** What the figures and the variables' names fix: the binding, tiles, loop order and the notes on folds and bounds. */
function describeShape(w: EinsumWorkload, f: Figures, row: number, col: number, order: Int32Array): DescribedShape {
  const unit = f.unit;
  const spatial: SpatialBinding[] = [];
  const tiles: Record<string, number> = {};
  for (let i = 0; i < w.vars.length; i++) tiles[w.vars[i]!] = f.tileSizes[i]!;
  const notes: string[] = [];
  const bind = (vi: number, dim: 'rows' | 'cols' | 'lanes', side: number) => {
    if (vi < 0) return;
    const v = w.vars[vi]!;
    const factor = Math.min(side, tiles[v]!);
    spatial.push({ var: v, dim, factor });
    const n = w.sizes[vi]!;
    const folds = Math.ceil(n / side);
    if (n % side !== 0 && n > 0) {
      const lastUse = n - (folds - 1) * side;
      notes.push(
        folds === 1
          ? `${v} = ${n} fills ${n} of the ${side} ${dim} of ${unit.name} (${((100 * n) / side).toFixed(1)}% of the ${dim} busy)`
          : `${v} = ${n} on the ${side} ${dim} of ${unit.name} takes ${folds} folds; the last uses ${lastUse} of ${side} (${((100 * n) / (folds * side)).toFixed(1)}% of the ${dim} busy over the einsum)`,
      );
    } else if (factor < side) notes.push(`tiles of ${factor} along ${v} use ${factor} of the ${side} ${dim} of ${unit.name}`);
  };
  if (unit.kind === '2d') {
    bind(row, 'rows', unit.rows);
    bind(col, 'cols', unit.cols);
    if (row < 0 || col < 0) notes.push(`only ${spatial.length} of the 2 array dimensions of ${unit.name} are bound to a rank; the rest of the array idles`);
  } else {
    bind(row, 'lanes', unit.rows);
    bind(col, 'cols', unit.cols);
  }
  if (f.bound !== 'compute') notes.push(`bound by ${f.boundName} bandwidth (${Math.round(f.boundCycles)} cycles of transfers against ${f.compute} of compute)`);
  const loopOrder: string[] = [];
  for (let i = 0; i < order.length; i++) loopOrder.push(w.vars[order[i]!]!);
  const occupancyBytes: Record<string, number> = {};
  occupancyBytes[f.glb.level] = f.glb.bytes;
  return { vars: w.vars.slice(), spatial: spatial.slice(), tiles, loopOrder: loopOrder.slice(), notes, occupancyBytes }; // grown by push: kept at their length
}

/** One einsum's mapping: the shared shape, its own name and explanation, and a cost record it owns. */
function assemble(w: EinsumWorkload, f: Figures, shape: DescribedShape): EinsumMapping {
  const busy: Record<string, number> = {};
  busy[f.unit.name] = w.points * f.cpp;
  const explanation: string[] = [];
  for (let i = 0; i < shape.notes.length; i++) explanation.push(`${w.name}: ${shape.notes[i]}`);
  return {
    name: w.name,
    index: w.index,
    unit: f.unit.name,
    spatial: shape.spatial,
    tiles: shape.tiles,
    loopOrder: shape.loopOrder,
    cost: {
      latencyCycles: f.latency,
      computeCycles: f.compute,
      energyPj: f.energy,
      busyPeCycles: busy,
      traffic: copyTraffic(f.traffic),
      boundBy: f.boundName,
      occupancyBytes: shape.occupancyBytes,
    },
    spatialUtilization: f.spatialUtil,
    explanation,
  };
}

/** each mapping owns its traffic records (batch scaling multiplies them in place) */
function copyTraffic(t: Record<string, LevelTraffic>): Record<string, LevelTraffic> {
  const out: Record<string, LevelTraffic> = {};
  for (const k in t) out[k] = { ...t[k]! };
  return out;
}
