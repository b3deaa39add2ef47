// Turns what a user (or a graph builder) wrote into a validated Cascade: creates partition ranks,
// infers the shape and dtype of every intermediate, and reports every semantic error it finds.
import { affineRange, classifyIndex, partitionInfo, toAffine, type Affine, type IndexShape, type PartitionInfo } from './affine';
import { error, hasErrors, type Diagnostic } from './diagnostic';
import { isIntDType, joinDTypes } from './dtype';
import { exprAccesses, exprValueAccesses, exprVars, gatherAccesses, isGatherAccess, iterativeVars, iterationVars, outputVars } from './query';
import { findExpr, walkExpr } from './walk';
import type { Access, Cascade, CascadeSource, DType, Einsum, Expr, IndexExpr, Partition, Rank, SourceLoc, Tensor, TensorDim } from './types';
import { printIndex } from './print';
import { sparsityProblems, valueReaders } from './sparsity';

export interface FinalizeResult {
  cascade: Cascade | null; // null when there is any error
  diagnostics: Diagnostic[];
}

/** The largest rank size (and tensor extent) accepted: beyond it sizes stop being exact in index arithmetic. */
export const MAX_RANK_SIZE = 2 ** 40;

export function finalize(src: CascadeSource): FinalizeResult {
  const ds: Diagnostic[] = [];
  const fail: Fail = (code, msg, loc, hint) => ds.push(error(code, msg, loc, hint));
  const rt = rankTable(src, fail);
  const cx: Ctx = {
    src,
    rt,
    tensors: declaredTensors(src, rt, fail),
    fail,
    // an indexed write's index tensors (POS in KC[b, POS[b], h, e] = ...) are read like the right side's
    accessesOf: src.einsums.map((e) => [...exprAccesses(e.expr), ...gatherAccesses(e.output)]),
    // Every name the source defines, valid or not: a read of a tensor whose definition has an error is not reported again.
    tensorNames: new Set([...src.declared.map((t) => t.name), ...src.einsums.map((e) => e.output.tensor)]),
    badEinsum: new Set(),
    mainWriter: new Map(),
    initWriters: new Map(),
    iterVars: new Set(),
  };
  const outDims = checkWrites(cx);
  checkInitWriters(cx);
  addIntermediates(cx, outDims);
  cx.iterVars = new Set(iterativeVars({ einsums: src.einsums, ranks: rt.ranks }));
  checkReads(cx);
  checkWriteIndexTypes(cx);
  checkRecurrenceGroups(cx);
  inferDTypes(cx);
  const outputs = resolveOutputs(cx);
  if (!hasErrors(ds)) checkSparsity(cx);

  for (const d of ds) if (src.file && !d.file) d.file = src.file;
  if (hasErrors(ds)) return { cascade: null, diagnostics: ds };
  return { cascade: assemble(cx, outputs), diagnostics: ds };
}

type Fail = (code: string, msg: string, loc?: SourceLoc, hint?: string) => void;

/** Ranks (base ranks, then partition parts) with their lookups. */
interface RankTable {
  ranks: Rank[];
  partitions: Partition[];
  byName: Map<string, Rank>;
  byVar: Map<string, Rank>;
  sizeOf: (rank: string) => number | undefined;
  /** size of an index variable's rank; 1 for an unknown variable */
  varSize: (v: string) => number;
  parts: PartitionInfo[];
}

/** What the passes of `finalize` share. */
interface Ctx {
  src: CascadeSource;
  rt: RankTable;
  /** declared tensors, then intermediates once pass 1 has inferred them */
  tensors: Map<string, Tensor>;
  fail: Fail;
  accessesOf: Access[][];
  tensorNames: Set<string>;
  /** einsums with an error already reported: later passes skip them */
  badEinsum: Set<number>;
  mainWriter: Map<string, number>;
  initWriters: Map<string, number[]>;
  iterVars: Set<string>;
}

type OutDim = { rank?: string; lo: number; hi: number };

const RANK_NAME = /^[A-Z][A-Za-z0-9_]*$/;
const sizeOk = (n: number) => Number.isSafeInteger(n) && n >= 1 && n <= MAX_RANK_SIZE;

// ---- ranks and partitions

function rankTable(src: CascadeSource, fail: Fail): RankTable {
  const ranks: Rank[] = [];
  const partitions: Partition[] = [];
  const byName = new Map<string, Rank>();
  const byVar = new Map<string, Rank>();
  const addRank = (r: Rank) => {
    if (byName.has(r.name)) return fail('duplicate-declaration', `rank ${r.name} is declared twice`, r.loc, 'declare each rank once; a partition part is declared by its partition');
    const v = r.name.toLowerCase();
    const other = byVar.get(v);
    if (other) return fail('duplicate-declaration', `ranks ${other.name} and ${r.name} would share the index variable ${v}`, r.loc, 'rank names must differ in more than case');
    ranks.push(r);
    byName.set(r.name, r);
    byVar.set(v, r);
  };
  for (const r of src.ranks) {
    if (!RANK_NAME.test(r.name)) {
      fail('bad-rank', `rank name ${r.name} must start with an upper-case letter`, r.loc, `its index variable is the lower-case name, e.g. rank M has index m`);
      continue;
    }
    if (r.aliasOf !== undefined) {
      const target = byName.get(r.aliasOf);
      if (!target) {
        fail('unknown-rank', `rank ${r.name} is an alias of ${r.aliasOf}, which is not declared`, r.loc, `declare ${r.aliasOf} first (rank ${r.aliasOf} = <size>, ${r.name} = ${r.aliasOf})`);
        // kept (size 1, an alias of nothing, which matches any rank) so that its uses raise no further errors
        addRank({ ...r, size: 1, aliasOf: '' });
        continue;
      }
      addRank({ ...r, size: target.size });
      continue;
    }
    if (!sizeOk(r.size)) {
      fail('bad-rank-size', `rank ${r.name} has size ${r.size}; a size must be a positive integer`, r.loc);
      continue;
    }
    addRank({ ...r });
  }
  for (const p of src.partitions) {
    const parent = byName.get(p.parent);
    if (!checkPartition(p, parent, partitions, fail)) continue;
    const inner = p.innerSizes.reduce((a, b) => a * b, 1);
    const sizes = [Math.ceil(parent!.size / inner), ...p.innerSizes];
    const before = ranks.length;
    p.parts.forEach((name, i) => {
      if (!RANK_NAME.test(name)) fail('bad-rank', `rank name ${name} must start with an upper-case letter`, p.loc);
      else addRank({ name, size: sizes[i]!, partOf: p.parent, ...(p.loc ? { loc: p.loc } : {}) });
    });
    if (ranks.length === before + p.parts.length) partitions.push({ parent: p.parent, parts: [...p.parts], ...(p.loc ? { loc: p.loc } : {}) });
  }
  const sizeOf = (r: string) => byName.get(r)?.size;
  const parts = partitions.map((p) => partitionInfo(p, sizeOf));
  const varSize = (v: string) => byVar.get(v)?.size ?? 1;
  return { ranks, partitions, byName, byVar, sizeOf, varSize, parts };
}

/** The rank an alias stands for (itself when it is none): `rank M = S` makes M and S index the same dimensions. */
function aliasRoot(rt: Pick<RankTable, 'byName'>, r: string): string {
  for (let hops = 0; hops < 64; hops++) {
    const a = rt.byName.get(r)?.aliasOf;
    if (a === undefined) return r;
    r = a;
  }
  return r;
}

/** Whether an index over rank `r` may index a dimension over `dim`: the same rank, or aliases of one rank. */
function sameExtentRank(rt: Pick<RankTable, 'byName'>, r: string, dim: string): boolean {
  if (rt.byName.get(r)?.aliasOf === '') return true; // an alias of an undeclared rank, already reported
  return r === dim || aliasRoot(rt, r) === aliasRoot(rt, dim);
}

/** Whether a partition statement is well-formed (its parts' names are checked as they are added). */
function checkPartition(p: CascadeSource['partitions'][number], parent: Rank | undefined, earlier: readonly Partition[], fail: Fail): boolean {
  if (!parent) {
    fail('undeclared-rank', `cannot partition undeclared rank ${p.parent}`, p.loc, `declare it first: rank ${p.parent} = <size>`);
    return false;
  }
  if (earlier.some((q) => q.parent === p.parent)) {
    fail('duplicate-declaration', `rank ${p.parent} is partitioned twice`, p.loc, `partition it once, with all its parts: rank ${p.parent} -> ${p.parent}2, ${p.parent}1 = 4, ${p.parent}0 = 16`);
    return false;
  }
  if (p.parts.length < 2 || p.innerSizes.length !== p.parts.length - 1) {
    fail('bad-partition', `partition of ${p.parent} needs an outer part and sized inner parts`, p.loc, `e.g. rank ${p.parent} -> ${p.parent}1, ${p.parent}0 = 64`);
    return false;
  }
  const bad = p.innerSizes.find((s) => !sizeOk(s));
  if (bad !== undefined) {
    fail('bad-rank-size', `partition of ${p.parent} has part size ${bad}; a size must be a positive integer`, p.loc);
    return false;
  }
  return true;
}

// ---- declared tensors

function declaredTensors(src: CascadeSource, rt: RankTable, fail: Fail): Map<string, Tensor> {
  const tensors = new Map<string, Tensor>();
  for (const t of src.declared) {
    if (tensors.has(t.name)) {
      fail('duplicate-declaration', `tensor ${t.name} is declared twice`, t.loc, 'rename one of them');
      continue;
    }
    let ok = true;
    const dims: TensorDim[] = t.dims.map((d) => {
      const r = rt.byName.get(d.rank);
      if (!r) {
        ok = false;
        fail('undeclared-rank', `tensor ${t.name} uses undeclared rank ${d.rank}`, t.loc, `declare it: rank ${d.rank} = <size>`);
      }
      return { rank: d.rank, extent: r?.size ?? 1 };
    });
    if (ok) tensors.set(t.name, { ...t, dims });
  }
  return tensors;
}

// ---- pass 1: every einsum's output: which tensor, its dims and extents

function checkWrites(cx: Ctx): Map<string, OutDim[]> {
  const outDims = new Map<string, OutDim[]>();
  cx.src.einsums.forEach((e, i) => {
    if (!checkWriteNames(cx, e, i)) return;
    if (isGatherAccess(e.output)) return void (checkIndexedWrite(cx, e, i) && addWriter(cx, e, i));
    if (!addWriter(cx, e, i)) return;
    const seen = new Set<string>();
    const dims = e.output.indices.map((idx) => outputDim(cx, e, i, idx, seen));
    // A bad index already has its error; recording its shape would only add follow-on errors.
    if (cx.badEinsum.has(i)) return;
    mergeOutDims(cx, e, i, dims, outDims);
  });
  return outDims;
}

/** The written tensor is not declared, and every index variable and rank size the einsum names exists. */
function checkWriteNames(cx: Ctx, e: Einsum, i: number): boolean {
  const { fail, badEinsum, rt } = cx;
  const name = e.output.tensor;
  const loc = e.output.loc ?? e.loc;
  const declared = cx.tensors.get(name);
  const indexed = isGatherAccess(e.output);
  if (declared && !(indexed && declared.role === 'kvcache')) {
    if (declared.role === 'kvcache') fail('write-to-input', `${name} is a kvcache tensor: it is updated only by an indexed write`, loc, `select the rows written through an integer index tensor, e.g. ${name}[b, POS[b], ...] = ...`);
    else fail('write-to-input', `${name} is declared as ${declared.role} and cannot be written`, loc, indexed ? `an indexed write updates a declared kvcache tensor: declare kvcache ${name}[...]` : `give the result another name`);
    badEinsum.add(i);
    return false;
  }
  if (!declared && indexed) {
    fail('indexed-write-target', `${name} is written through an index tensor but is not a declared kvcache tensor`, loc, `an indexed write updates the rows of a declared tensor in place: declare kvcache ${name}[...]: <dtype>`);
    badEinsum.add(i);
    return false;
  }
  for (const v of [...outputVars(e), ...exprVars(e.expr)]) {
    if (!rt.byVar.has(v)) {
      fail('undeclared-rank', `index variable ${v} has no rank`, findVarLoc(e, v) ?? loc, `an index variable is the lower-case name of a rank: declare rank ${v.toUpperCase()} = <size>`);
      badEinsum.add(i);
    }
  }
  for (const r of rankSizeRefs(e)) {
    if (!rt.byName.has(r.rank)) {
      const hint = cx.tensorNames.has(r.rank) ? `${r.rank} is a tensor: read it as ${r.rank}[...] (${r.rank}[] for a scalar)` : `a rank name stands for its size; declare it: rank ${r.rank} = <size>`;
      fail('undeclared-rank', `${r.rank} is not a declared rank`, r.loc ?? loc, hint);
      badEinsum.add(i);
    }
  }
  return !badEinsum.has(i);
}

/**
 * An indexed write `KC[b, POS[b], h, e] = KN[b, h, e]` updates a declared kvcache tensor in place: one index
 * per dimension; plain variables over the dimension's rank (or an alias of it), or indices through an
 * integer index tensor (checked as reads in pass 2; values checked when the interpreter runs). It is the
 * tensor's only writer and not an init. Einsums run in program order: a read above the write sees the cache
 * as given (decode attends over it, then appends the new token for the next step), a read below it sees the
 * rows written.
 */
function checkIndexedWrite(cx: Ctx, e: Einsum, i: number): boolean {
  const { fail, rt } = cx;
  const name = e.output.tensor;
  const t = cx.tensors.get(name)!;
  const loc = e.output.loc ?? e.loc;
  const bad = (code: string, msg: string, at: SourceLoc | undefined, hint?: string) => (fail(code, msg, at ?? loc, hint), cx.badEinsum.add(i), false);
  if (e.init) return bad('bad-output-index', `an init einsum cannot write ${name} through an index tensor`, loc, 'an indexed write updates rows of a kvcache tensor; init seeds a recurrence');
  if (e.output.indices.length !== t.dims.length)
    return bad('shape-mismatch', `${name} has ${t.dims.length} dimensions but is written with ${e.output.indices.length} indices`, loc, `${name}[${t.dims.map((d) => d.rank.toLowerCase()).join(', ')}] with an index tensor in the dimension it appends to`);
  const seen = new Set<string>();
  for (const [k, idx] of e.output.indices.entries()) {
    if (isGatherAccess({ tensor: name, indices: [idx] })) continue;
    if (idx.kind !== 'ivar')
      return bad('bad-output-index', `index ${printIndex(idx)} of the indexed write to ${name} must be a variable or go through an index tensor`, idx.loc, `e.g. ${name}[b, POS[b], h, e]`);
    const r = rt.byVar.get(idx.name)!.name;
    const dim = t.dims[k]!;
    if (!sameExtentRank(rt, r, dim.rank)) return bad('index-rank-mismatch', `dimension ${k + 1} of ${name} is over rank ${dim.rank}, but is written by ${idx.name} (rank ${r})`, idx.loc, `use ${dim.rank.toLowerCase()}`);
    if (seen.has(idx.name)) return bad('shape-mismatch', `index variable ${idx.name} appears twice on the left of ${name}`, idx.loc);
    seen.add(idx.name);
  }
  return true;
}

/** Records einsum i as the defining (or an init) einsum of its output; false on a redefinition. */
function addWriter(cx: Ctx, e: Einsum, i: number): boolean {
  const name = e.output.tensor;
  if (e.init) cx.initWriters.set(name, [...(cx.initWriters.get(name) ?? []), i]);
  else if (cx.mainWriter.has(name)) {
    cx.fail('redefinition', `${name} is defined twice`, e.output.loc ?? e.loc, `each tensor has one defining einsum (plus optional init einsums); rename one of them`);
    cx.badEinsum.add(i);
    return false;
  } else cx.mainWriter.set(name, i);
  return true;
}

/** The rank and index range of one output index; `seen` collects the variables of the indices before it. */
function outputDim(cx: Ctx, e: Einsum, i: number, idx: IndexExpr, seen: Set<string>): OutDim {
  if (idx.kind !== 'ivar') return affineOutputDim(cx, e, i, idx, seen);
  // the common case, without building an affine form: a plain variable over its own rank
  if (seen.has(idx.name)) {
    cx.fail('shape-mismatch', `index variable ${idx.name} appears twice on the left of ${e.output.tensor}`, idx.loc ?? e.output.loc ?? e.loc, 'each dimension of the output needs its own index variable');
    cx.badEinsum.add(i);
  }
  seen.add(idx.name);
  return { rank: cx.rt.byVar.get(idx.name)!.name, lo: 0, hi: cx.rt.varSize(idx.name) - 1 };
}

function affineOutputDim(cx: Ctx, e: Einsum, i: number, idx: IndexExpr, seen: Set<string>): OutDim {
  const { fail, badEinsum, rt } = cx;
  const name = e.output.tensor;
  const loc = idx.loc ?? e.output.loc ?? e.loc;
  const a = toAffine(idx, rt.sizeOf);
  if (!a) {
    fail('not-affine', `index ${printIndex(idx)} of ${name} is not affine`, loc, `index arithmetic may multiply a variable by a constant, not by another variable`);
    badEinsum.add(i);
    return { lo: 0, hi: 0 };
  }
  if (!affineIsSafe(a)) {
    fail('bad-number', `index ${printIndex(idx)} of ${name} is too large to compute exactly`, loc);
    badEinsum.add(i);
    return { lo: 0, hi: 0 };
  }
  const shape = classifyIndex(a, rt.parts);
  if (shape.kind === 'other') {
    fail('bad-output-index', `output index ${printIndex(idx)} of ${name} must be a variable, a variable plus a constant, a recomposition like m1*M0+m0, or a constant`, loc, 'arithmetic on the right-hand side reads; on the left it only shifts or recomposes');
    badEinsum.add(i);
  }
  for (const v of a.coeffs.keys()) {
    if (seen.has(v)) {
      fail('shape-mismatch', `index variable ${v} appears twice on the left of ${name}`, loc, 'each dimension of the output needs its own index variable');
      badEinsum.add(i);
    }
    seen.add(v);
  }
  const [lo, hi] = affineRange(a, rt.varSize, rt.parts);
  if (lo < 0) {
    fail('shape-mismatch', `output index ${printIndex(idx)} of ${name} can be negative (down to ${lo})`, loc);
    badEinsum.add(i);
  } else if (!(hi < MAX_RANK_SIZE)) {
    fail('shape-mismatch', `output index ${printIndex(idx)} of ${name} reaches ${hi}; a dimension can have at most ${MAX_RANK_SIZE} slots`, loc);
    badEinsum.add(i);
    return { lo: 0, hi: 0 };
  }
  const rank = shapeRank(shape, rt.byVar);
  return rank === undefined ? { lo, hi } : { rank, lo, hi };
}

/** Joins the dims einsum i writes with those other einsums write to the same tensor. */
function mergeOutDims(cx: Ctx, e: Einsum, i: number, dims: OutDim[], outDims: Map<string, OutDim[]>): void {
  const name = e.output.tensor;
  const loc = e.output.loc ?? e.loc;
  const prev = outDims.get(name);
  if (prev && prev.length !== dims.length) {
    cx.fail('shape-mismatch', `${name} is written with ${dims.length} indices here but ${prev.length} elsewhere`, loc);
    cx.badEinsum.add(i);
    return;
  }
  if (!prev) outDims.set(name, dims);
  else
    dims.forEach((d, k) => {
      const p = prev[k]!;
      if (d.rank && p.rank && d.rank !== p.rank) {
        cx.fail('index-rank-mismatch', `dimension ${k + 1} of ${name} is over rank ${p.rank} elsewhere but over ${d.rank} here`, e.output.indices[k]!.loc ?? loc);
        cx.badEinsum.add(i);
      }
      p.rank ??= d.rank;
      p.hi = Math.max(p.hi, d.hi);
    });
}

/** An init einsum needs a defining einsum below it. */
function checkInitWriters(cx: Ctx): void {
  const { src, mainWriter } = cx;
  for (const [name, inits] of cx.initWriters) {
    if (!mainWriter.has(name)) cx.fail('use-before-definition', `init einsum for ${name}, but no einsum defines ${name}`, src.einsums[inits[0]!]!.loc, `an init seeds a recurrence; add one below it, e.g. ${name}[m1+1, ...] = f(${name}[m1, ...])`);
    else if (inits.some((j) => j > mainWriter.get(name)!)) cx.fail('use-before-definition', `init einsum for ${name} comes after the einsum that defines it`, src.einsums[inits.find((j) => j > mainWriter.get(name)!)!]!.loc, 'move the init line above the recurrence');
  }
}

/** The tensor of every defined intermediate, from the dims its einsums write (dtype comes later). */
function addIntermediates(cx: Ctx, outDims: Map<string, OutDim[]>): void {
  for (const [name, dims] of outDims) {
    if (!cx.mainWriter.has(name)) continue; // init einsums alone: reported by checkInitWriters
    const d = dims.findIndex((x) => x.rank === undefined);
    if (d >= 0) {
      cx.fail('shape-mismatch', `dimension ${d + 1} of ${name} is only ever written at constant indices, so its rank is unknown`, cx.src.einsums[cx.mainWriter.get(name) ?? 0]?.loc);
      continue;
    }
    cx.tensors.set(name, { name, role: 'intermediate', dtype: 'fp32', dims: dims.map((x) => ({ rank: x.rank!, extent: x.hi + 1 })) });
  }
}

// ---- pass 2: reads, dependencies, recurrences

/** The iterative variables whose recurrence group einsum i belongs to. */
function groupOf(cx: Ctx, i: number): string[] {
  const e = cx.src.einsums[i]!;
  return iterationVars(e).filter((v) => cx.iterVars.has(v) && !e.init);
}

function checkReads(cx: Ctx): void {
  cx.src.einsums.forEach((e, i) => {
    if (cx.badEinsum.has(i)) return;
    const myGroup = cx.iterVars.size === 0 ? [] : groupOf(cx, i);
    for (const acc of cx.accessesOf[i]!) {
      const t = cx.tensors.get(acc.tensor);
      const loc = acc.loc ?? e.loc;
      if (!t) {
        if (!cx.tensorNames.has(acc.tensor))
          cx.fail('undeclared-tensor', `tensor ${acc.tensor} is not declared`, loc, `declare it (input ${acc.tensor}[...]: fp32) or define it with an einsum above`);
        continue;
      }
      if (acc.indices.length !== t.dims.length) {
        cx.fail('shape-mismatch', `${acc.tensor} has ${t.dims.length} dimensions but is indexed with ${acc.indices.length}`, loc, `${acc.tensor}[${t.dims.map((d) => d.rank.toLowerCase()).join(', ')}]`);
        continue;
      }
      const shapes: (IndexShape | null)[] = acc.indices.map((idx, k) => checkReadIndex(cx, acc, idx, k, t));
      checkReadOrder(cx, e, i, acc, shapes, myGroup);
    }
  });
}

function checkReadIndex(cx: Ctx, acc: Access, idx: IndexExpr, k: number, t: Tensor): IndexShape | null {
  const { fail, rt } = cx;
  const loc = idx.loc ?? acc.loc;
  if (idx.kind === 'ivar') {
    // the common case, without building an affine form
    const dim = t.dims[k]!;
    const r = rt.byVar.get(idx.name)!.name;
    const hi = rt.varSize(idx.name) - 1;
    if (!sameExtentRank(rt, r, dim.rank)) fail('index-rank-mismatch', `dimension ${k + 1} of ${acc.tensor} is over rank ${dim.rank}, but is indexed by ${idx.name} (rank ${r})`, loc, `use ${dim.rank.toLowerCase()} or an expression over its parts`);
    else if (hi >= dim.extent) fail('shape-mismatch', `index ${idx.name} of ${acc.tensor} ranges over [0, ${hi}] but dimension ${k + 1} (${dim.rank}) has ${dim.extent} slots`, loc, `indices of a dimension over ${dim.rank} run from 0 to ${dim.extent - 1}`);
    return { kind: 'var', name: idx.name, shift: 0 };
  }
  const gathers = indexGathers(idx);
  if (gathers.length > 0) {
    // data-dependent (WTE[TOK[b, s], d], WPE[POS[s] + 1, d]): bounds are checked when the interpreter runs
    for (const g of gathers) checkGatherIndex(cx, acc, g);
    return { kind: 'other' };
  }
  const a: Affine | null = toAffine(idx, rt.sizeOf);
  if (!a) {
    fail('not-affine', `index ${printIndex(idx)} of ${acc.tensor} is not affine`, loc, `index arithmetic may multiply a variable by a constant, not by another variable`);
    return null;
  }
  if (!affineIsSafe(a)) {
    fail('bad-number', `index ${printIndex(idx)} of ${acc.tensor} is too large to compute exactly`, loc);
    return null;
  }
  const dim = t.dims[k]!;
  const shape = classifyIndex(a, rt.parts);
  const r = shapeRank(shape, rt.byVar);
  if (r !== undefined && !sameExtentRank(rt, r, dim.rank)) {
    fail('index-rank-mismatch', `dimension ${k + 1} of ${acc.tensor} is over rank ${dim.rank}, but is indexed by ${printIndex(idx)} (rank ${r})`, loc, `use ${dim.rank.toLowerCase()} or an expression over its parts`);
    return shape;
  }
  const [lo, hi] = affineRange(a, rt.varSize, rt.parts);
  if (lo < 0 || hi >= dim.extent)
    fail('shape-mismatch', `index ${printIndex(idx)} of ${acc.tensor} ranges over [${lo}, ${hi}] but dimension ${k + 1} (${dim.rank}) has ${dim.extent} slots`, loc, `indices of a dimension over ${dim.rank} run from 0 to ${dim.extent - 1}`);
  return shape;
}

type GatherIndex = Extract<IndexExpr, { kind: 'gather' }>;

/** The gathers of an index expression, outermost only (a gather's own indices are checked as its access). */
function indexGathers(x: IndexExpr, out: GatherIndex[] = []): GatherIndex[] {
  if (x.kind === 'gather') out.push(x);
  else if (x.kind === 'ibin') {
    indexGathers(x.a, out);
    indexGathers(x.b, out);
  }
  return out;
}

/**
 * A gather `WTE[TOK[b, s], d]`: the index tensor holds integers (a declared integer tensor, or an einsum
 * annotated with an integer type). Its values are checked against the dimension when the interpreter runs.
 */
function checkGatherIndex(cx: Ctx, acc: Access, idx: GatherIndex): void {
  const name = idx.access.tensor;
  const t = cx.tensors.get(name);
  if (!t) return; // reported as an undeclared tensor where the index access itself is checked
  const w = cx.mainWriter.get(name);
  const dtype = t.role === 'intermediate' || t.role === 'output' ? (w === undefined ? undefined : cx.src.einsums[w]!.dtype) : t.dtype;
  if (dtype === undefined || !isIntDType(dtype))
    cx.fail('gather-index-type', `${name} selects entries of ${acc.tensor} but holds ${dtype ?? 'fp32'} values, not integers`, idx.loc ?? acc.loc, `declare it with an integer type (input ${name}[...]: int32), or annotate the einsum that defines it (${name}[...]: int32 = ...)`);
}

/** The index tensors of indexed writes hold integers, as a gather's do. */
function checkWriteIndexTypes(cx: Ctx): void {
  cx.src.einsums.forEach((e, i) => {
    if (cx.badEinsum.has(i) || !isGatherAccess(e.output)) return;
    for (const idx of e.output.indices) for (const g of indexGathers(idx)) checkGatherIndex(cx, e.output, g);
  });
}

/** A read of a tensor defined at or below the reader is an error unless a recurrence carries it. */
function checkReadOrder(cx: Ctx, e: Einsum, i: number, acc: Access, shapes: (IndexShape | null)[], myGroup: string[]): void {
  const w = cx.mainWriter.get(acc.tensor);
  if (w === undefined || w < i) return;
  // a kvcache tensor read above its indexed write: the read sees the cache as given
  if (w > i && cx.tensors.get(acc.tensor)?.role === 'kvcache') return;
  const writer = cx.src.einsums[w]!;
  const carried = myGroup.some((v) => groupOf(cx, w).includes(v) && isCarriedRead(writer, shapes, v, cx.rt.sizeOf));
  if (carried) return;
  const loc = acc.loc ?? e.loc;
  if (w === i) cx.fail('cycle', `${acc.tensor} reads itself`, loc, `a recurrence must read an earlier iteration: write ${acc.tensor}[m1+1, ...] and read ${acc.tensor}[m1, ...]`);
  else if (dependsOn(cx, acc.tensor, e.output.tensor)) cx.fail('cycle', `cycle: ${e.output.tensor} reads ${acc.tensor}, which depends on ${e.output.tensor}`, loc, `einsums run in program order; a value carried between iterations needs a recurrence (X[m1+1] from X[m1])`);
  else cx.fail('use-before-definition', `${acc.tensor} is used before its definition on line ${writer.loc?.line ?? '?'}`, loc, `move this einsum below the one that defines ${acc.tensor}`);
}

/** Whether `from` is `target` or is computed from it, through defining einsums. */
function dependsOn(cx: Ctx, from: string, target: string): boolean {
  const seen = new Set<string>();
  const stack = [from];
  while (stack.length) {
    const t = stack.pop()!;
    if (t === target) return true;
    if (seen.has(t)) continue;
    seen.add(t);
    const w = cx.mainWriter.get(t);
    if (w !== undefined) for (const a of cx.accessesOf[w]!) stack.push(a.tensor);
  }
  return false;
}

/** Recurrence groups: a non-member between members must not read what the group computes. */
function checkRecurrenceGroups(cx: Ctx): void {
  const { src } = cx;
  const groups = cx.iterVars.size === 0 ? [] : src.einsums.map((_, i) => new Set(groupOf(cx, i)));
  for (const v of cx.iterVars) {
    const members: number[] = [];
    groups.forEach((g, i) => g.has(v) && members.push(i));
    if (members.length === 0) continue;
    const first = members[0]!;
    const last = members[members.length - 1]!;
    const isMember = new Set(members);
    const produced = new Set(members.map((i) => src.einsums[i]!.output.tensor));
    for (let i = first + 1; i < last; i++) {
      const e = src.einsums[i]!;
      if (isMember.has(i) || cx.badEinsum.has(i)) continue;
      const r = cx.accessesOf[i]!.find((a) => produced.has(a.tensor));
      if (r) cx.fail('use-before-definition', `${e.output.tensor} reads ${r.tensor}, which is computed in the loop over ${v}, but ${e.output.tensor} does not iterate over ${v}`, r.loc ?? e.loc, `move ${e.output.tensor} below the last einsum over ${v}`);
    }
  }
}

// ---- dtypes: annotation, else the join of the operands (fixed point for recurrences)

function inferDTypes(cx: Ctx): void {
  const { src, tensors, badEinsum } = cx;
  const annotation = new Map<string, DType>();
  src.einsums.forEach((e) => {
    if (!e.dtype) return;
    const prev = annotation.get(e.output.tensor);
    if (prev && prev !== e.dtype) cx.fail('dtype-clash', `${e.output.tensor} is annotated ${prev} and ${e.dtype}`, e.loc, `a tensor has one element type; annotate its einsums alike, or only one of them`);
    annotation.set(e.output.tensor, e.dtype);
  });
  const known = new Map<string, DType>();
  for (const t of tensors.values()) if (t.role !== 'intermediate') known.set(t.name, t.dtype);
  // A second sweep only matters when a recurrence reads a tensor before its defining einsum.
  for (let sweep = 0; sweep < (cx.iterVars.size ? 2 : 1); sweep++)
    src.einsums.forEach((e, i) => {
      if (e.init || badEinsum.has(i) || !tensors.has(e.output.tensor) || isGatherAccess(e.output)) return;
      const ops = exprValueAccesses(e.expr).map((a) => known.get(a.tensor)).filter((d): d is DType => d !== undefined);
      known.set(e.output.tensor, annotation.get(e.output.tensor) ?? joinDTypes(ops));
    });
  checkIntMixing(cx, known);
  for (const t of tensors.values()) if (t.role === 'intermediate') t.dtype = known.get(t.name) ?? 'fp32';
}

/** An einsum may not mix integer and floating-point operands. */
function checkIntMixing(cx: Ctx, known: ReadonlyMap<string, DType>): void {
  cx.src.einsums.forEach((e, i) => {
    if (cx.badEinsum.has(i)) return;
    const ops = exprValueAccesses(e.expr).filter((a) => known.has(a.tensor));
    const ints = ops.filter((a) => isIntDType(known.get(a.tensor)!));
    // a dequantisation (q · s, q · s + z) mixes them on purpose: allowed when the output is annotated a float
    if (ints.length > 0 && ints.length < ops.length && !(e.dtype && !isIntDType(e.dtype))) {
      const f = ops.find((a) => !isIntDType(known.get(a.tensor)!))!;
      cx.fail('dtype-clash', `${e.output.tensor} mixes ${ints[0]!.tensor} (${known.get(ints[0]!.tensor)}) with ${f.tensor} (${known.get(f.tensor)})`, f.loc ?? e.loc, `convert one operand first with an annotated einsum, e.g. ${ints[0]!.tensor}f[...]: fp32 = ${ints[0]!.tensor}[...]`);
    }
  });
}

// ---- outputs and the result

/** The named outputs, each marked with role `output`. */
function resolveOutputs(cx: Ctx): string[] {
  const { src } = cx;
  const outputs: string[] = [];
  for (const o of src.outputs) {
    const t = cx.tensors.get(o.name);
    if (!t) {
      if (!cx.tensorNames.has(o.name)) cx.fail('undeclared-tensor', `output ${o.name} is not defined by any einsum`, o.loc, `outputs are tensors computed by an einsum`);
    } else if (t.role !== 'intermediate' && t.role !== 'output') cx.fail('bad-output', `output ${o.name} is an ${t.role}, not a computed tensor`, o.loc, 'outputs are tensors computed by an einsum');
    else if (!outputs.includes(o.name)) {
      outputs.push(o.name);
      t.role = 'output';
    }
  }
  if (src.outputs.length === 0 && src.einsums.length > 0) cx.fail('bad-output', 'the cascade names no output', undefined, 'add a line: output <tensor>');
  return outputs;
}

/** A pruned weight's pattern is valid and its rank is contracted by every reader (ir/sparsity.ts). */
function checkSparsity(cx: Ctx): void {
  const graph = { tensors: [...cx.tensors.values()], einsums: cx.src.einsums };
  if (!graph.tensors.some((t) => t.sparsity)) return;
  const readers = valueReaders(graph.einsums);
  for (const t of graph.tensors) for (const p of sparsityProblems(t, graph, readers)) cx.fail('bad-sparsity', p.message, t.sparsity?.loc ?? t.loc, p.hint);
}

function assemble(cx: Ctx, outputs: string[]): Cascade {
  const { src, tensors } = cx;
  const declaredNames = new Set(src.declared.map((t) => t.name));
  const ordered = [...[...tensors.values()].filter((t) => declaredNames.has(t.name)), ...definitionOrder(src.einsums).map((n) => tensors.get(n)!)];
  const cascade: Cascade = {
    ranks: cx.rt.ranks,
    partitions: cx.rt.partitions,
    tensors: ordered,
    einsums: src.einsums,
    outputs,
  };
  if (src.file !== undefined) cascade.file = src.file;
  if (src.name !== undefined) cascade.name = src.name;
  return cascade;
}

function definitionOrder(es: readonly Einsum[]): string[] {
  // an indexed write updates a declared tensor, already listed
  return [...new Set(es.filter((e) => !isGatherAccess(e.output)).map((e) => e.output.tensor))];
}

function affineIsSafe(a: Affine): boolean {
  if (!Number.isSafeInteger(a.constant)) return false;
  for (const c of a.coeffs.values()) if (!Number.isSafeInteger(c)) return false;
  return true;
}

type RankSizeRef = { rank: string; loc?: SourceLoc };

function rankSizeRefs(e: Einsum): RankSizeRef[] {
  const out: RankSizeRef[] = [];
  for (const x of e.output.indices) rankSizesInIndex(x, out);
  rankSizesInExpr(e.expr, out);
  return out;
}

function rankSizesInIndex(x: IndexExpr, out: RankSizeRef[]): void {
  if (x.kind === 'rsize') out.push(x);
  else if (x.kind === 'ibin') {
    rankSizesInIndex(x.a, out);
    rankSizesInIndex(x.b, out);
  } else if (x.kind === 'gather') for (const i of x.access.indices) rankSizesInIndex(i, out);
}

function rankSizesInExpr(e: Expr, out: RankSizeRef[]): void {
  walkExpr(e, (x) => {
    if (x.kind === 'rsize') out.push(x);
    else if (x.kind === 'access') for (const i of x.access.indices) rankSizesInIndex(i, out);
  });
}

function shapeRank(s: IndexShape, rankByVar: ReadonlyMap<string, Rank>): string | undefined {
  if (s.kind === 'var') return rankByVar.get(s.name)?.name;
  if (s.kind === 'recompose') return s.parent;
  return undefined;
}

/** A read inside a recurrence group is carried when it reads the iterative dim at a lower shift than the writer writes. */
function isCarriedRead(writer: Einsum, readShapes: (IndexShape | null)[], v: string, sizeOf: (r: string) => number | undefined): boolean {
  return writer.output.indices.some((idx, k) => {
    const a = toAffine(idx, sizeOf);
    const r = readShapes[k];
    if (!a || !r || r.kind !== 'var' || r.name !== v) return false;
    return a.coeffs.size === 1 && a.coeffs.get(v) === 1 && a.constant > r.shift;
  });
}

function findVarLoc(e: Einsum, v: string): SourceLoc | undefined {
  for (const a of [e.output, ...exprAccesses(e.expr)])
    for (const idx of a.indices) {
      const l = findIn(idx, v);
      if (l) return l;
    }
  return findExpr(e.expr, (x) => x.kind === 'ivar' && x.name === v && x.loc !== undefined)?.loc;
}

function findIn(idx: IndexExpr, name: string): SourceLoc | undefined {
  if (idx.kind === 'ivar' && idx.name === name) return idx.loc;
  if (idx.kind === 'ibin') return findIn(idx.a, name) ?? findIn(idx.b, name);
  if (idx.kind === 'gather') for (const i of idx.access.indices) { const l = findIn(i, name); if (l) return l; }
  return undefined;
}
