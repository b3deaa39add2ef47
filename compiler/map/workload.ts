// What the mapper needs to know about one einsum, extracted once from the IR: its iteration space,
// the tensors it touches (as bitmasks over its variables), and the ops one point costs.
import {
  tensorBytesPerElement,
  gatherAccesses,
  indexVarMask,
  indexVars,
  isGatherAccess,
  partitionInfos,
  reducedVars,
  tensorElements,
  walkExpr,
  type Access,
  type Cascade,
  type DType,
  type Einsum,
  type Expr,
  type IndexExpr,
  type PartitionInfo,
} from '../ir';
import { OPS, OP_INDEX, type UnitModel } from './hardware';

export interface TensorUse {
  name: string;
  /** bit i set when iteration variable i indexes this tensor */
  mask: number;
  bytesPerElement: number;
  /** its element type (a unit's rate for a GEMM depends on its operands' (weight, activation) pair) */
  dtype: DType;
  /** elements of the whole tensor */
  elements: number;
  role: 'input' | 'weight' | 'kvcache' | 'intermediate' | 'output';
  write: boolean;
}

export interface EinsumWorkload {
  index: number;
  name: string;
  vars: string[];
  sizes: number[];
  /** points actually visited (ragged partitions visit fewer than the product of sizes) */
  points: number;
  tensors: TensorUse[];
  /** ops per point, indexed like OPS */
  ops: number[];
  /** tensor operands read per point (each a PE register read) */
  operandReads: number;
  /** a pure copy or re-layout of one tensor (BK[e,m1,m0] = K[e,m1*M0+m0]): no compute */
  view: boolean;
  /** a multiply under a sum: a contraction the 2D array is built for */
  contraction: boolean;
  reduced: string[];
  init: boolean;
}

/** No tensor and no index variable: folded to a constant at compile time (sqrt(E), 1/D). */
function isConst(e: Expr): boolean {
  switch (e.kind) {
    case 'num':
    case 'rsize':
      return true;
    case 'unary':
      return isConst(e.arg);
    case 'binary':
    case 'cmp':
      return isConst(e.a) && isConst(e.b);
    case 'select':
      return isConst(e.cond) && isConst(e.a) && isConst(e.b);
    default:
      return false;
  }
}

/** What one walk of an einsum's expression finds: its accesses (exprAccesses' order), variables (exprVars' order) and ops per point. */
interface ExprFacts {
  reads: Access[];
  vars: string[];
  ops: number[];
}

/**
 * One walk over the expression for everything the workload needs. A constant subtree (folded at
 * compile time) costs no op and holds no access or variable, so it is skipped whole.
 */
function exprFacts(e: Expr): ExprFacts {
  const f: ExprFacts = { reads: [], vars: [], ops: OPS.map(() => 0) };
  const { reads, vars, ops } = f;
  walkExpr(e, (x) => {
    if (isConst(x)) return false;
    switch (x.kind) {
      case 'unary':
        if (x.op !== 'neg' && x.op !== 'abs') ops[OP_INDEX.exp]!++;
        break;
      case 'binary':
        if (x.op === '+' || x.op === '-') ops[OP_INDEX.add]!++;
        else if (x.op === '*') ops[OP_INDEX.mul]!++;
        else if (x.op === '/') ops[isConst(x.b) ? OP_INDEX.mul : OP_INDEX.div]!++; // x / c is x * (1/c)
        else ops[OP_INDEX.max]!++;
        break;
      case 'cmp':
        ops[OP_INDEX.max]!++;
        break;
      case 'ivar':
        if (!vars.includes(x.name)) vars.push(x.name);
        break;
      case 'access':
        reads.push(x.access);
        gatherAccesses(x.access, reads);
        for (let k = 0; k < x.access.indices.length; k++) indexVars(x.access.indices[k]!, vars);
        break;
      default:
        break;
    }
    return undefined;
  });
  return f;
}

/**
 * Lookups over one cascade, built once, so extracting every einsum's workload is linear in the
 * cascade (a 32-layer model has ~800 einsums and ~1100 tensors; searching the lists per einsum was
 * quadratic).
 */
export interface CascadeIndex {
  /** each tensor's position in c.tensors (the first of that name) */
  slots: Map<string, number>;
  /** rank size by lower-case name (the first rank of that name) */
  rankSizes: Map<string, number>;
  /** the partitions, each under its first variable (an einsum is inside one only if it iterates that) */
  partitions: Map<string, PartitionInfo[]>;
  /** the first non-init einsum writing each tensor */
  producers: Map<string, Einsum>;
  /** einsumName(c, i) for every i */
  names: string[];
  /** viewSource's answers for the tensors that are views, filled as they are asked */
  viewSources: Map<string, string>;
  /** tensorElements and tensorBytesPerElement of each tensor by slot, filled as asked (NaN: not yet) */
  elements: Float64Array;
  bytesPerElement: Float64Array;
}

export function cascadeIndex(c: Cascade): CascadeIndex {
  const slots = new Map<string, number>();
  c.tensors.forEach((t, i) => slots.has(t.name) || slots.set(t.name, i));
  const rankSizes = new Map<string, number>();
  for (const r of c.ranks) {
    const k = r.name.toLowerCase();
    if (!rankSizes.has(k)) rankSizes.set(k, r.size);
  }
  const producers = new Map<string, Einsum>();
  const inits = new Map<string, number>();
  const names = c.einsums.map((e) => {
    if (!e.init) {
      if (!producers.has(e.output.tensor)) producers.set(e.output.tensor, e);
      return e.output.tensor;
    }
    const n = inits.get(e.output.tensor) ?? 0;
    inits.set(e.output.tensor, n + 1);
    return `${e.output.tensor}.init${n === 0 ? '' : n + 1}`;
  });
  const partitions = new Map<string, PartitionInfo[]>();
  for (const p of partitionInfos(c)) {
    const k = p.vars[0];
    if (k === undefined) continue;
    const list = partitions.get(k);
    if (list) list.push(p);
    else partitions.set(k, [p]);
  }
  const unknown = () => new Float64Array(c.tensors.length).fill(NaN);
  return { slots, rankSizes, partitions, producers, names, viewSources: new Map(), elements: unknown(), bytesPerElement: unknown() };
}

export function einsumWorkload(c: Cascade, i: number, ix: CascadeIndex = cascadeIndex(c)): EinsumWorkload {
  const e: Einsum = c.einsums[i]!;
  const { reads, vars: exprVarList, ops } = exprFacts(e.expr);
  // iterationVars and reducedVars (compiler/ir/query.ts) from the one walk: output variables, then the reduced ones
  const vars: string[] = [];
  const outIdx = e.output.indices;
  for (let k = 0; k < outIdx.length; k++) indexVars(outIdx[k]!, vars);
  const nOut = vars.length;
  // indexed loops here and below: this runs for every einsum of a model, often before the JIT has optimised it
  for (let k = 0; k < exprVarList.length; k++) if (!vars.includes(exprVarList[k]!)) vars.push(exprVarList[k]!); // exprVarList holds each once
  const reduced = vars.slice(nOut);
  const sizes = vars.map((v) => ix.rankSizes.get(v) ?? 1);
  let points = 1;
  for (let k = 0; k < sizes.length; k++) points *= sizes[k]!;
  for (let k = 0; k < vars.length; k++) {
    const parts = ix.partitions.get(vars[k]!);
    if (parts)
      for (const p of parts) {
        if (!p.vars.every((v) => vars.includes(v))) continue;
        let prod = 1;
        for (const v of p.vars) prod *= ix.rankSizes.get(v) ?? 1;
        points = (points / prod) * p.parentSize;
      }
  }
  const tensors: TensorUse[] = [];
  for (let k = 0; k < reads.length; k++) addUse(c, ix, tensors, reads[k]!.tensor, maskOf(vars, reads[k]!.indices), false);
  addUse(c, ix, tensors, e.output.tensor, maskOf(vars, e.output.indices), true);
  let contraction = false;
  if (reduced.length > 0) {
    if (e.reduce === 'sum') {
      if (e.expr.kind === 'binary' && e.expr.op === '*') {
        ops[OP_INDEX.mul]!--;
        ops[OP_INDEX.mac]!++;
        contraction = e.expr.a.kind === 'access' && e.expr.b.kind === 'access';
      } else ops[OP_INDEX.add]!++;
    } else if (e.reduce === 'prod') ops[OP_INDEX.mul]!++;
    else ops[OP_INDEX.max]!++;
  }
  // a gather (WTE[TOK[b, s], d]) copies the rows it selects, and an indexed write (KC[b, POS[b], h, e] = KN[b, h, e])
  // stores rows of a kvcache tensor: ops of their own, not views (compiler/map/gather.ts)
  const view = e.expr.kind === 'access' && reduced.length === 0 && !isGatherAccess(e.expr.access) && !isGatherAccess(e.output);
  const operandReads = reads.length;
  // vars and tensors were grown by push: copied at their length, so the workload (alive as long as its mapping) holds no spare slots
  return { index: i, name: ix.names[i]!, vars: vars.slice(), sizes, points, tensors: tensors.slice(), ops, operandReads, view, contraction, reduced, init: e.init };
}

/** Bit i set when vars[i] appears among the indices (gathers' own indices included). */
function maskOf(vars: string[], indices: readonly IndexExpr[]): number {
  let m = 0;
  for (let k = 0; k < indices.length; k++) m |= indexVarMask(indices[k]!, vars);
  return m;
}

/** Adds one read (or the write) of `name` to `tensors`, or widens the mask of the use already there. */
function addUse(c: Cascade, ix: CascadeIndex, tensors: TensorUse[], name: string, mask: number, write: boolean): void {
  const slot = ix.slots.get(name);
  if (slot === undefined) return;
  for (let k = 0; k < tensors.length; k++) {
    const u = tensors[k]!;
    if (u.name === name && u.write === write) {
      u.mask |= mask;
      return;
    }
  }
  // A read through a view (BK = K re-laid out) is a read of the viewed tensor, where it lives.
  const t = c.tensors[slot]!;
  const srcSlot = write ? slot : (ix.slots.get(viewSource(c, ix, name)) ?? slot);
  const src = c.tensors[srcSlot]!;
  const elements = srcSlot === slot ? elementsOf(c, ix, slot) : Math.min(elementsOf(c, ix, slot), elementsOf(c, ix, srcSlot));
  let bpe = ix.bytesPerElement[slot]!;
  if (bpe !== bpe) bpe = ix.bytesPerElement[slot] = tensorBytesPerElement(t); // NaN: not yet asked
  tensors.push({ name, mask, bytesPerElement: bpe, dtype: t.dtype, elements, role: src.role, write });
}

function elementsOf(c: Cascade, ix: CascadeIndex, slot: number): number {
  const n = ix.elements[slot]!;
  return n === n ? n : (ix.elements[slot] = tensorElements(c.tensors[slot]!));
}

/** The tensor that `name` re-lays out, through chains of view einsums (itself when it is no view). */
function viewSource(c: Cascade, ix: CascadeIndex, name: string): string {
  const known = ix.viewSources.get(name);
  if (known !== undefined) return known;
  let src = name;
  let walked = false;
  for (let hops = 0; hops < c.einsums.length; hops++) {
    const w = ix.producers.get(src);
    // most producers compute (a binary or unary expression): not a view, found again at once, so not remembered
    if (!w || w.expr.kind !== 'access') break;
    walked = true;
    if (isGatherAccess(w.expr.access) || isGatherAccess(w.output) || reducedVars(w).length > 0) break;
    src = w.expr.access.tensor;
  }
  if (walked) ix.viewSources.set(name, src);
  return src;
}

/** Every einsum's workload, in cascade order (linear in the cascade: one CascadeIndex for all). */
export function cascadeWorkloads(c: Cascade): EinsumWorkload[] {
  const ix = cascadeIndex(c);
  return c.einsums.map((_, i) => einsumWorkload(c, i, ix));
}

/**
 * Cycles one PE of `u` spends per point: native ops run as a chain of pipelined functional units
 * (one point enters per cycle; a unit used twice takes two), ops the unit lacks are emulated
 * sequentially with its MAC (exp = `exp_macs` MACs). Infinity when the unit cannot run the einsum.
 */
export function cyclesPerPoint(w: EinsumWorkload, u: UnitModel): number {
  let nativeMax = 0;
  let emulated = 0;
  for (let k = 0; k < OPS.length; k++) {
    const n = w.ops[k]!;
    if (n === 0) continue;
    if (u.native[k]) nativeMax = Math.max(nativeMax, n);
    else if (u.emulateCycles[k]! > 0) emulated += n * u.emulateCycles[k]!;
    else return Infinity;
  }
  if (nativeMax === 0 && emulated === 0) return w.view ? 0 : 1;
  return (nativeMax + emulated) / pairRate(w, u);
}

/**
 * MACs per PE per cycle a unit runs a contraction at, from its `attr native` pairs and their
 * `rate_<weight>_<activation>` (compiler/quant/native.ts): the pair of the weight operand (the
 * operand whose role is weight, else the second) and the other one. 1 for anything else: a unit
 * that states no pairs, a pair it does not list (the lowering puts an explicit dequantise einsum
 * before a GEMM on low-bit weights, so the GEMM reads an ordinary pair), an einsum that is not a
 * contraction.
 */
export function pairRate(w: EinsumWorkload, u: UnitModel): number {
  if (!w.contraction || u.rates.length === 0) return 1;
  const reads = w.tensors.filter((t) => !t.write);
  if (reads.length !== 2) return 1;
  const wi = reads[0]!.role === 'weight' && reads[1]!.role !== 'weight' ? 0 : 1;
  const weight = reads[wi]!.dtype;
  const act = reads[1 - wi]!.dtype;
  return u.rates.find((r) => r.weight === weight && r.act === act)?.rate ?? 1;
}

/**
 * Energy of one point: its ops, plus PE register-file accesses (when the .arch gives reg_energy):
 * one read per tensor operand, one write of the result, and one update per emulation step of an op
 * the unit lacks (an exponential as 6 sequential MACs keeps its running value in a register).
 */
export function energyPerPoint(w: EinsumWorkload, u: UnitModel): number {
  let e = 0;
  let emulSteps = 0;
  for (let k = 0; k < OPS.length; k++) {
    e += w.ops[k]! * u.opEnergyPj[k]!;
    if (!u.native[k]) emulSteps += w.ops[k]! * u.emulateCycles[k]!;
  }
  if (w.view) return 0;
  return e + u.regPjPerAccess * (w.operandReads + 1 + emulSteps);
}
