// Turns what a user (or a graph builder) wrote into a validated Cascade: creates partition ranks,
// infers the shape and dtype of every intermediate, and reports every semantic error it finds.
import { affineRange, classifyIndex, partitionInfo, toAffine, type Affine, type IndexShape, type PartitionInfo } from './affine';
import { error, hasErrors, type Diagnostic } from './diagnostic';
import { isIntDType, joinDTypes } from './dtype';
import { exprAccesses, exprVars, walkExpr, iterativeVars, iterationVars, outputVars } from './query';
import type { Access, Cascade, CascadeSource, DType, Einsum, Expr, Partition, Rank, SourceLoc, Tensor, TensorDim } from './types';
import { printIndex } from './print';

export interface FinalizeResult {
  cascade: Cascade | null; // null when there is any error
  diagnostics: Diagnostic[];
}

/** The largest rank size (and tensor extent) accepted: beyond it sizes stop being exact in index arithmetic. */
export const MAX_RANK_SIZE = 2 ** 40;

export function finalize(src: CascadeSource): FinalizeResult {
  const ds: Diagnostic[] = [];
  const fail = (code: string, msg: string, loc?: SourceLoc, hint?: string) => ds.push(error(code, msg, loc, hint));

  // ---- ranks and partitions
  const ranks: Rank[] = [];
  const rankByName = new Map<string, Rank>();
  const rankByVar = new Map<string, Rank>();
  const addRank = (r: Rank) => {
    if (rankByName.has(r.name)) return fail('duplicate-declaration', `rank ${r.name} is declared twice`, r.loc, 'declare each rank once; a partition part is declared by its partition');
    const v = r.name.toLowerCase();
    const other = rankByVar.get(v);
    if (other) return fail('duplicate-declaration', `ranks ${other.name} and ${r.name} would share the index variable ${v}`, r.loc, 'rank names must differ in more than case');
    ranks.push(r);
    rankByName.set(r.name, r);
    rankByVar.set(v, r);
  };
  const sizeOk = (n: number) => Number.isSafeInteger(n) && n >= 1 && n <= MAX_RANK_SIZE;
  for (const r of src.ranks) {
    if (!/^[A-Z][A-Za-z0-9_]*$/.test(r.name)) {
      fail('bad-rank', `rank name ${r.name} must start with an upper-case letter`, r.loc, `its index variable is the lower-case name, e.g. rank M has index m`);
      continue;
    }
    if (!sizeOk(r.size)) {
      fail('bad-rank-size', `rank ${r.name} has size ${r.size}; a size must be a positive integer`, r.loc);
      continue;
    }
    addRank({ ...r });
  }
  const partitions: Partition[] = [];
  for (const p of src.partitions) {
    const parent = rankByName.get(p.parent);
    if (!parent) {
      fail('undeclared-rank', `cannot partition undeclared rank ${p.parent}`, p.loc, `declare it first: rank ${p.parent} = <size>`);
      continue;
    }
    if (partitions.some((q) => q.parent === p.parent)) {
      fail('duplicate-declaration', `rank ${p.parent} is partitioned twice`, p.loc, `partition it once, with all its parts: rank ${p.parent} -> ${p.parent}2, ${p.parent}1 = 4, ${p.parent}0 = 16`);
      continue;
    }
    if (p.parts.length < 2 || p.innerSizes.length !== p.parts.length - 1) {
      fail('bad-partition', `partition of ${p.parent} needs an outer part and sized inner parts`, p.loc, `e.g. rank ${p.parent} -> ${p.parent}1, ${p.parent}0 = 64`);
      continue;
    }
    const bad = p.innerSizes.find((s) => !sizeOk(s));
    if (bad !== undefined) {
      fail('bad-rank-size', `partition of ${p.parent} has part size ${bad}; a size must be a positive integer`, p.loc);
      continue;
    }
    const inner = p.innerSizes.reduce((a, b) => a * b, 1);
    const sizes = [Math.ceil(parent.size / inner), ...p.innerSizes];
    const before = ranks.length;
    p.parts.forEach((name, i) => {
      if (!/^[A-Z][A-Za-z0-9_]*$/.test(name)) fail('bad-rank', `rank name ${name} must start with an upper-case letter`, p.loc);
      else addRank({ name, size: sizes[i]!, partOf: p.parent, ...(p.loc ? { loc: p.loc } : {}) });
    });
    if (ranks.length === before + p.parts.length) partitions.push({ parent: p.parent, parts: [...p.parts], ...(p.loc ? { loc: p.loc } : {}) });
  }
  const sizeOf = (r: string) => rankByName.get(r)?.size;
  const parts: PartitionInfo[] = partitions.map((p) => partitionInfo(p, sizeOf));
  const varSize = (v: string) => rankByVar.get(v)?.size ?? 1;

  // ---- declared tensors
  const tensors = new Map<string, Tensor>();
  for (const t of src.declared) {
    if (tensors.has(t.name)) {
      fail('duplicate-declaration', `tensor ${t.name} is declared twice`, t.loc, 'rename one of them');
      continue;
    }
    let ok = true;
    const dims: TensorDim[] = t.dims.map((d) => {
      const r = rankByName.get(d.rank);
      if (!r) {
        ok = false;
        fail('undeclared-rank', `tensor ${t.name} uses undeclared rank ${d.rank}`, t.loc, `declare it: rank ${d.rank} = <size>`);
      }
      return { rank: d.rank, extent: r?.size ?? 1 };
    });
    if (ok) tensors.set(t.name, { ...t, dims });
  }

  // ---- pass 1: every einsum's output: which tensor, its dims and extents
  const affineOf = (idx: Access['indices'][number]) => toAffine(idx, sizeOf);
  const mainWriter = new Map<string, number>();
  const initWriters = new Map<string, number[]>();
  const outDims = new Map<string, { rank?: string; lo: number; hi: number }[]>();
  const badEinsum = new Set<number>();
  const accessesOf = src.einsums.map((e) => exprAccesses(e.expr));
  // Every name the source defines, valid or not: a read of a tensor whose definition has an error is not reported again.
  const tensorNames = new Set([...src.declared.map((t) => t.name), ...src.einsums.map((e) => e.output.tensor)]);
  src.einsums.forEach((e, i) => {
    const name = e.output.tensor;
    const loc = e.output.loc ?? e.loc;
    const declared = tensors.get(name);
    if (declared) {
      fail('write-to-input', `${name} is declared as ${declared.role} and cannot be written`, loc, `give the result another name`);
      badEinsum.add(i);
      return;
    }
    for (const v of [...outputVars(e), ...exprVars(e.expr)]) {
      if (!rankByVar.has(v)) {
        fail('undeclared-rank', `index variable ${v} has no rank`, findVarLoc(e, v) ?? loc, `an index variable is the lower-case name of a rank: declare rank ${v.toUpperCase()} = <size>`);
        badEinsum.add(i);
      }
    }
    for (const r of rankSizeRefs(e)) {
      if (!rankByName.has(r.rank)) {
        const hint = tensorNames.has(r.rank) ? `${r.rank} is a tensor: read it as ${r.rank}[...] (${r.rank}[] for a scalar)` : `a rank name stands for its size; declare it: rank ${r.rank} = <size>`;
        fail('undeclared-rank', `${r.rank} is not a declared rank`, r.loc ?? loc, hint);
        badEinsum.add(i);
      }
    }
    if (badEinsum.has(i)) return;

    if (e.init) initWriters.set(name, [...(initWriters.get(name) ?? []), i]);
    else if (mainWriter.has(name)) {
      fail('redefinition', `${name} is defined twice`, loc, `each tensor has one defining einsum (plus optional init einsums); rename one of them`);
      badEinsum.add(i);
      return;
    } else mainWriter.set(name, i);
    const seen = new Set<string>();
    const dims = e.output.indices.map((idx) => {
      if (idx.kind === 'ivar') {
        // the common case, without building an affine form: a plain variable over its own rank
        if (seen.has(idx.name)) {
          fail('shape-mismatch', `index variable ${idx.name} appears twice on the left of ${name}`, idx.loc ?? loc, 'each dimension of the output needs its own index variable');
          badEinsum.add(i);
        }
        seen.add(idx.name);
        return { rank: rankByVar.get(idx.name)!.name, lo: 0, hi: varSize(idx.name) - 1 };
      }
      const a = affineOf(idx);
      if (!a) {
        fail('not-affine', `index ${printIndex(idx)} of ${name} is not affine`, idx.loc ?? loc, `index arithmetic may multiply a variable by a constant, not by another variable`);
        badEinsum.add(i);
        return { lo: 0, hi: 0 };
      }
      if (!affineIsSafe(a)) {
        fail('bad-number', `index ${printIndex(idx)} of ${name} is too large to compute exactly`, idx.loc ?? loc);
        badEinsum.add(i);
        return { lo: 0, hi: 0 };
      }
      const shape = classifyIndex(a, parts);
      if (shape.kind === 'other') {
        fail('bad-output-index', `output index ${printIndex(idx)} of ${name} must be a variable, a variable plus a constant, a recomposition like m1*M0+m0, or a constant`, idx.loc ?? loc, 'arithmetic on the right-hand side reads; on the left it only shifts or recomposes');
        badEinsum.add(i);
      }
      for (const v of a.coeffs.keys()) {
        if (seen.has(v)) {
          fail('shape-mismatch', `index variable ${v} appears twice on the left of ${name}`, idx.loc ?? loc, 'each dimension of the output needs its own index variable');
          badEinsum.add(i);
        }
        seen.add(v);
      }
      const [lo, hi] = affineRange(a, varSize, parts);
      if (lo < 0) {
        fail('shape-mismatch', `output index ${printIndex(idx)} of ${name} can be negative (down to ${lo})`, idx.loc ?? loc);
        badEinsum.add(i);
      } else if (!(hi < MAX_RANK_SIZE)) {
        fail('shape-mismatch', `output index ${printIndex(idx)} of ${name} reaches ${hi}; a dimension can have at most ${MAX_RANK_SIZE} slots`, idx.loc ?? loc);
        badEinsum.add(i);
        return { lo: 0, hi: 0 };
      }
      const rank = shapeRank(shape, rankByVar);
      return rank === undefined ? { lo, hi } : { rank, lo, hi };
    });
    // A bad index already has its error; recording its shape would only add follow-on errors.
    if (badEinsum.has(i)) return;
    const prev = outDims.get(name);
    if (prev && prev.length !== dims.length) {
      fail('shape-mismatch', `${name} is written with ${dims.length} indices here but ${prev.length} elsewhere`, loc);
      badEinsum.add(i);
      return;
    }
    if (!prev) outDims.set(name, dims);
    else
      dims.forEach((d, k) => {
        const p = prev[k]!;
        if (d.rank && p.rank && d.rank !== p.rank) {
          fail('index-rank-mismatch', `dimension ${k + 1} of ${name} is over rank ${p.rank} elsewhere but over ${d.rank} here`, e.output.indices[k]!.loc ?? loc);
          badEinsum.add(i);
        }
        p.rank ??= d.rank;
        p.hi = Math.max(p.hi, d.hi);
      });
  });
  for (const [name, inits] of initWriters) {
    if (!mainWriter.has(name)) fail('use-before-definition', `init einsum for ${name}, but no einsum defines ${name}`, src.einsums[inits[0]!]!.loc, `an init seeds a recurrence; add one below it, e.g. ${name}[m1+1, ...] = f(${name}[m1, ...])`);
    else if (inits.some((j) => j > mainWriter.get(name)!)) fail('use-before-definition', `init einsum for ${name} comes after the einsum that defines it`, src.einsums[inits.find((j) => j > mainWriter.get(name)!)!]!.loc, 'move the init line above the recurrence');
  }
  for (const [name, dims] of outDims) {
    if (!mainWriter.has(name)) continue; // init einsums alone: reported above
    const d = dims.findIndex((x) => x.rank === undefined);
    if (d >= 0) {
      fail('shape-mismatch', `dimension ${d + 1} of ${name} is only ever written at constant indices, so its rank is unknown`, src.einsums[mainWriter.get(name) ?? 0]?.loc);
      continue;
    }
    tensors.set(name, { name, role: 'intermediate', dtype: 'fp32', dims: dims.map((x) => ({ rank: x.rank!, extent: x.hi + 1 })) });
  }

  // ---- pass 2: reads, dependencies, recurrences
  const iterVars = new Set(iterativeVars({ einsums: src.einsums, ranks }));
  const groupOf = (i: number) => iterationVars(src.einsums[i]!).filter((v) => iterVars.has(v) && !src.einsums[i]!.init);
  const dependsOn = (from: string, target: string): boolean => {
    const seen = new Set<string>();
    const stack = [from];
    while (stack.length) {
      const t = stack.pop()!;
      if (t === target) return true;
      if (seen.has(t)) continue;
      seen.add(t);
      const w = mainWriter.get(t);
      if (w !== undefined) for (const a of accessesOf[w]!) stack.push(a.tensor);
    }
    return false;
  };
  src.einsums.forEach((e, i) => {
    if (badEinsum.has(i)) return;
    const myGroup = iterVars.size === 0 ? [] : groupOf(i);
    for (const acc of accessesOf[i]!) {
      const t = tensors.get(acc.tensor);
      const loc = acc.loc ?? e.loc;
      if (!t) {
        if (!tensorNames.has(acc.tensor))
          fail('undeclared-tensor', `tensor ${acc.tensor} is not declared`, loc, `declare it (input ${acc.tensor}[...]: fp32) or define it with an einsum above`);
        continue;
      }
      if (acc.indices.length !== t.dims.length) {
        fail('shape-mismatch', `${acc.tensor} has ${t.dims.length} dimensions but is indexed with ${acc.indices.length}`, loc, `${acc.tensor}[${t.dims.map((d) => d.rank.toLowerCase()).join(', ')}]`);
        continue;
      }
      const shapes: (IndexShape | null)[] = acc.indices.map((idx, k) => checkReadIndex(acc, idx, k, t));
      // ordering
      const w = mainWriter.get(acc.tensor);
      if (w === undefined || w < i) continue;
      const carried = myGroup.some((v) => groupOf(w).includes(v) && isCarriedRead(src.einsums[w]!, shapes, v, sizeOf));
      if (carried) continue;
      if (w === i) fail('cycle', `${acc.tensor} reads itself`, loc, `a recurrence must read an earlier iteration: write ${acc.tensor}[m1+1, ...] and read ${acc.tensor}[m1, ...]`);
      else if (dependsOn(acc.tensor, e.output.tensor)) fail('cycle', `cycle: ${e.output.tensor} reads ${acc.tensor}, which depends on ${e.output.tensor}`, loc, `einsums run in program order; a value carried between iterations needs a recurrence (X[m1+1] from X[m1])`);
      else fail('use-before-definition', `${acc.tensor} is used before its definition on line ${src.einsums[w]!.loc?.line ?? '?'}`, loc, `move this einsum below the one that defines ${acc.tensor}`);
    }
  });
  function checkReadIndex(acc: Access, idx: Access['indices'][number], k: number, t: Tensor): IndexShape | null {
    const loc = idx.loc ?? acc.loc;
    if (idx.kind === 'ivar') {
      // the common case, without building an affine form
      const dim = t.dims[k]!;
      const r = rankByVar.get(idx.name)!.name;
      const hi = varSize(idx.name) - 1;
      if (r !== dim.rank) fail('index-rank-mismatch', `dimension ${k + 1} of ${acc.tensor} is over rank ${dim.rank}, but is indexed by ${idx.name} (rank ${r})`, loc, `use ${dim.rank.toLowerCase()} or an expression over its parts`);
      else if (hi >= dim.extent) fail('shape-mismatch', `index ${idx.name} of ${acc.tensor} ranges over [0, ${hi}] but dimension ${k + 1} (${dim.rank}) has ${dim.extent} slots`, loc, `indices of a dimension over ${dim.rank} run from 0 to ${dim.extent - 1}`);
      return { kind: 'var', name: idx.name, shift: 0 };
    }
    const a: Affine | null = toAffine(idx, sizeOf);
    if (!a) {
      fail('not-affine', `index ${printIndex(idx)} of ${acc.tensor} is not affine`, loc, `index arithmetic may multiply a variable by a constant, not by another variable`);
      return null;
    }
    if (!affineIsSafe(a)) {
      fail('bad-number', `index ${printIndex(idx)} of ${acc.tensor} is too large to compute exactly`, loc);
      return null;
    }
    const dim = t.dims[k]!;
    const shape = classifyIndex(a, parts);
    const r = shapeRank(shape, rankByVar);
    if (r !== undefined && r !== dim.rank) {
      fail('index-rank-mismatch', `dimension ${k + 1} of ${acc.tensor} is over rank ${dim.rank}, but is indexed by ${printIndex(idx)} (rank ${r})`, loc, `use ${dim.rank.toLowerCase()} or an expression over its parts`);
      return shape;
    }
    const [lo, hi] = affineRange(a, varSize, parts);
    if (lo < 0 || hi >= dim.extent)
      fail('shape-mismatch', `index ${printIndex(idx)} of ${acc.tensor} ranges over [${lo}, ${hi}] but dimension ${k + 1} (${dim.rank}) has ${dim.extent} slots`, loc, `indices of a dimension over ${dim.rank} run from 0 to ${dim.extent - 1}`);
    return shape;
  }

  // recurrence groups: a non-member between members must not read what the group computes
  const groups = iterVars.size === 0 ? [] : src.einsums.map((_, i) => new Set(groupOf(i)));
  for (const v of iterVars) {
    const members: number[] = [];
    groups.forEach((g, i) => g.has(v) && members.push(i));
    if (members.length === 0) continue;
    const first = members[0]!;
    const last = members[members.length - 1]!;
    const isMember = new Set(members);
    const produced = new Set(members.map((i) => src.einsums[i]!.output.tensor));
    for (let i = first + 1; i < last; i++) {
      const e = src.einsums[i]!;
      if (isMember.has(i) || badEinsum.has(i)) continue;
      const r = accessesOf[i]!.find((a) => produced.has(a.tensor));
      if (r) fail('use-before-definition', `${e.output.tensor} reads ${r.tensor}, which is computed in the loop over ${v}, but ${e.output.tensor} does not iterate over ${v}`, r.loc ?? e.loc, `move ${e.output.tensor} below the last einsum over ${v}`);
    }
  }

  // ---- dtypes: annotation, else the join of the operands (fixed point for recurrences)
  const annotation = new Map<string, DType>();
  src.einsums.forEach((e) => {
    if (!e.dtype) return;
    const prev = annotation.get(e.output.tensor);
    if (prev && prev !== e.dtype) fail('dtype-clash', `${e.output.tensor} is annotated ${prev} and ${e.dtype}`, e.loc, `a tensor has one element type; annotate its einsums alike, or only one of them`);
    annotation.set(e.output.tensor, e.dtype);
  });
  const known = new Map<string, DType>();
  for (const t of tensors.values()) if (t.role !== 'intermediate') known.set(t.name, t.dtype);
  // A second sweep only matters when a recurrence reads a tensor before its defining einsum.
  for (let sweep = 0; sweep < (iterVars.size ? 2 : 1); sweep++)
    src.einsums.forEach((e, i) => {
      if (e.init || badEinsum.has(i) || !tensors.has(e.output.tensor)) return;
      const ops = accessesOf[i]!.map((a) => known.get(a.tensor)).filter((d): d is DType => d !== undefined);
      known.set(e.output.tensor, annotation.get(e.output.tensor) ?? joinDTypes(ops));
    });
  src.einsums.forEach((e, i) => {
    if (badEinsum.has(i)) return;
    const ops = accessesOf[i]!.filter((a) => known.has(a.tensor));
    const ints = ops.filter((a) => isIntDType(known.get(a.tensor)!));
    if (ints.length > 0 && ints.length < ops.length) {
      const f = ops.find((a) => !isIntDType(known.get(a.tensor)!))!;
      fail('dtype-clash', `${e.output.tensor} mixes ${ints[0]!.tensor} (${known.get(ints[0]!.tensor)}) with ${f.tensor} (${known.get(f.tensor)})`, f.loc ?? e.loc, `convert one operand first with an annotated einsum, e.g. ${ints[0]!.tensor}f[...]: fp32 = ${ints[0]!.tensor}[...]`);
    }
  });
  for (const t of tensors.values()) if (t.role === 'intermediate') t.dtype = known.get(t.name) ?? 'fp32';

  // ---- outputs
  const outputs: string[] = [];
  for (const o of src.outputs) {
    const t = tensors.get(o.name);
    if (!t) {
      if (!tensorNames.has(o.name)) fail('undeclared-tensor', `output ${o.name} is not defined by any einsum`, o.loc, `outputs are tensors computed by an einsum`);
    } else if (t.role !== 'intermediate' && t.role !== 'output') fail('bad-output', `output ${o.name} is an ${t.role}, not a computed tensor`, o.loc, 'outputs are tensors computed by an einsum');
    else if (!outputs.includes(o.name)) {
      outputs.push(o.name);
      t.role = 'output';
    }
  }
  if (src.outputs.length === 0 && src.einsums.length > 0) fail('bad-output', 'the cascade names no output', undefined, 'add a line: output <tensor>');

  for (const d of ds) if (src.file && !d.file) d.file = src.file;
  if (hasErrors(ds)) return { cascade: null, diagnostics: ds };
  const declaredNames = new Set(src.declared.map((t) => t.name));
  const ordered = [...[...tensors.values()].filter((t) => declaredNames.has(t.name)), ...definitionOrder(src.einsums).map((n) => tensors.get(n)!)];
  const cascade: Cascade = {
    ranks,
    partitions,
    tensors: ordered,
    einsums: src.einsums,
    outputs,
  };
  if (src.file !== undefined) cascade.file = src.file;
  if (src.name !== undefined) cascade.name = src.name;
  return { cascade, diagnostics: ds };
}

function definitionOrder(es: readonly Einsum[]): string[] {
  return [...new Set(es.map((e) => e.output.tensor))];
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

function rankSizesInIndex(x: Access['indices'][number], out: RankSizeRef[]): void {
  if (x.kind === 'rsize') out.push(x);
  else if (x.kind === 'ibin') {
    rankSizesInIndex(x.a, out);
    rankSizesInIndex(x.b, out);
  }
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
  return findInExpr(e.expr);
  function findInExpr(x: Expr): SourceLoc | undefined {
    switch (x.kind) {
      case 'ivar':
        return x.name === v ? x.loc : undefined;
      case 'unary':
        return findInExpr(x.arg);
      case 'binary':
      case 'cmp':
        return findInExpr(x.a) ?? findInExpr(x.b);
      case 'select':
        return findInExpr(x.cond) ?? findInExpr(x.a) ?? findInExpr(x.b);
      default:
        return undefined;
    }
  }
  function findIn(idx: Access['indices'][number], name: string): SourceLoc | undefined {
    if (idx.kind === 'ivar' && idx.name === name) return idx.loc;
    if (idx.kind === 'ibin') return findIn(idx.a, name) ?? findIn(idx.b, name);
    return undefined;
  }
}
