// Whole-cascade analysis: shapes, operation counts, bytes, operational intensity, footprint and passes.
import { dtypeBytes, einsumName, tensorBytesPacked, exprAccesses, iterationVars, iterativeVars, tensorElements, type Cascade, type DType, type Role } from '../ir';
import { einsumOps, OP_KINDS, type OpCounts, type OpKind } from './flops';
import { passAnalysis, type PassInfo } from './passes';
import { gatheredBytes, gatheredElements, indexedWriteElements } from './gathered';

export interface EinsumAnalysis {
  name: string;
  points: number;
  outputPoints: number;
  flops: number;
  macs: number;
  ops: OpCounts;
}

export interface TensorAnalysis {
  name: string;
  role: Role;
  dtype: DType;
  shape: number[];
  elements: number;
  /** dtype-aware; sub-byte types packed (int4: two per byte), rounded up to whole bytes; a pruned weight (sparse(N:M)) its kept values and their log2(M)-bit indices */
  bytes: number;
  /** a tensor read only through gathers (an embedding table): the bytes of the rows they touch */
  gatheredBytes?: number;
  /** a kvcache tensor updated by an indexed write (the KV-cache append): the bytes of the rows written */
  writtenBytes?: number;
}

export interface CascadeAnalysis {
  einsums: EinsumAnalysis[];
  tensors: TensorAnalysis[];
  totals: {
    flops: number;
    macs: number;
    ops: OpCounts;
    /** elements of weight tensors */
    params: number;
    /** elements of weight tensors the cascade reads: a table read only through gathers counts the rows it
     *  touches (a mixture of experts: the active experts; an embedding: the looked-up rows) */
    activeParams: number;
    paramBytes: number;
    /** bytes of inputs, weights and kvcache (each read once; a table read only through gathers: the rows touched) */
    inputBytes: number;
    /** bytes of outputs (each written once), plus the rows indexed writes store into kvcache tensors */
    outputBytes: number;
    /** compulsory traffic: inputBytes + outputBytes (also given as `bytes`) */
    compulsoryBytes: number;
    bytes: number;
  };
  /** flops / compulsoryBytes */
  intensity: number;
  footprint: {
    /** every tensor at once */
    totalBytes: number;
    /** the largest sum of live tensors at any step of the execution order */
    peakBytes: number;
    /** the einsum running at the peak */
    peakAt: string;
  };
  passes?: PassInfo;
}

/**
 * Position of each einsum in the execution order: recurrence-group members run at the position of the
 * group's last member (the interpreter's plan), everything else at its own index.
 */
function executionPositions(c: Cascade): number[] {
  const iter = new Set(iterativeVars(c));
  const groupVars = c.einsums.map((e) => (e.init ? [] : iterationVars(e).filter((v) => iter.has(v))));
  const lastOf = new Map<string, number>();
  groupVars.forEach((vs, i) => vs.forEach((v) => lastOf.set(v, i)));
  return groupVars.map((vs, i) => vs.reduce((p, v) => Math.max(p, lastOf.get(v)!), i));
}

function peakLive(c: Cascade, bytes: Map<string, number>): { peakBytes: number; peakAt: string } {
  const pos = executionPositions(c);
  const n = c.einsums.length;
  const first = new Map<string, number>();
  const last = new Map<string, number>();
  for (const t of c.tensors) {
    if (t.role === 'input' || t.role === 'weight' || t.role === 'kvcache') first.set(t.name, 0);
    if (t.role === 'output') last.set(t.name, n - 1);
  }
  c.einsums.forEach((e, i) => {
    const p = pos[i]!;
    const w = e.output.tensor;
    first.set(w, Math.min(first.get(w) ?? p, p));
    last.set(w, Math.max(last.get(w) ?? p, p));
    for (const a of exprAccesses(e.expr)) last.set(a.tensor, Math.max(last.get(a.tensor) ?? p, p));
  });
  let peakBytes = 0;
  let peakAt = '';
  for (let s = 0; s < n; s++) {
    let live = 0;
    for (const t of c.tensors) if ((first.get(t.name) ?? Infinity) <= s && s <= (last.get(t.name) ?? -1)) live += bytes.get(t.name)!;
    if (live > peakBytes) {
      peakBytes = live;
      peakAt = einsumName(c, s);
    }
  }
  return { peakBytes, peakAt };
}

export function analyzeCascade(c: Cascade, opts?: { passRank?: string }): CascadeAnalysis {
  const einsums: EinsumAnalysis[] = c.einsums.map((e, i) => {
    const o = einsumOps(c, e);
    return { name: einsumName(c, i), points: o.points, outputPoints: o.outputPoints, flops: o.flops, macs: o.macs, ops: o.ops };
  });
  const gathered = gatheredBytes(c);
  const touched = gatheredElements(c);
  const written = indexedWriteElements(c);
  const tensors: TensorAnalysis[] = c.tensors.map((t) => {
    const elements = tensorElements(t);
    const g = gathered.get(t.name);
    const w = written.get(t.name);
    return { name: t.name, role: t.role, dtype: t.dtype, shape: t.dims.map((d) => d.extent), elements, bytes: tensorBytesPacked(t), ...(g !== undefined ? { gatheredBytes: g } : {}), ...(w !== undefined ? { writtenBytes: dtypeBytes(t.dtype, w) } : {}) };
  });
  const ops: OpCounts = {};
  for (const k of OP_KINDS) {
    const n = einsums.reduce((s, e) => s + (e.ops[k as OpKind] ?? 0), 0);
    if (n > 0) ops[k] = n;
  }
  const sumBytes = (roles: Role[]) => tensors.filter((t) => roles.includes(t.role)).reduce((s, t) => s + (t.gatheredBytes ?? t.bytes), 0);
  const inputBytes = sumBytes(['input', 'weight', 'kvcache']);
  const outputBytes = sumBytes(['output']) + tensors.reduce((s, t) => s + (t.writtenBytes ?? 0), 0);
  const compulsoryBytes = inputBytes + outputBytes;
  const flops = einsums.reduce((s, e) => s + e.flops, 0);
  const weights = tensors.filter((t) => t.role === 'weight');
  const res: CascadeAnalysis = {
    einsums,
    tensors,
    totals: {
      flops,
      macs: einsums.reduce((s, e) => s + e.macs, 0),
      ops,
      params: weights.reduce((s, t) => s + t.elements, 0),
      activeParams: weights.reduce((s, t) => s + (touched.get(t.name) ?? t.elements), 0),
      paramBytes: weights.reduce((s, t) => s + t.bytes, 0),
      inputBytes,
      outputBytes,
      compulsoryBytes,
      bytes: compulsoryBytes,
    },
    intensity: compulsoryBytes > 0 ? flops / compulsoryBytes : 0,
    footprint: { totalBytes: tensors.reduce((s, t) => s + t.bytes, 0), ...peakLive(c, new Map(tensors.map((t) => [t.name, t.bytes]))) },
  };
  if (opts?.passRank !== undefined) res.passes = passAnalysis(c, opts.passRank);
  return res;
}
