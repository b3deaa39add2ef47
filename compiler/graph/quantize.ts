// Quantisation of a lowered cascade (`tessera lower --wbits N --group G [--kv-bits N --kv-group G
// --kv-residual R]`), as a transform on the IR; the model lowering itself is untouched.
//
// Weights (weight-only, symmetric, GPTQ/AWQ-style without zero point): every weight that is a GEMM
// operand becomes `W_Q` (intN, N = --wbits) and `W_S` (one fp16 scale per group of G along the GEMM's
// largest contracted rank), and an explicit dequantise einsum
//     W[.., kg*G+ki, ..]: fp16 = W_Q[.., kg*G+ki, ..] * W_S[.., kg, ..]
// takes W's place, just before its first reader. Left in the model dtype, as the published methods
// do: 1-D weights (norm gains), the embedding (a GEMM with a model input, or a gather), and the GEMM
// that writes a cascade output (the LM head). A target whose unit takes (intN, activation) natively
// folds the dequantise einsum into the GEMM (the LUT engine does); elsewhere it is a visible einsum.
//
// KV cache (KIVI, decode only): for each cache K[b, m, h, e] and V[b, m, h, f] the first L − R
// positions are held in uintN with an fp16 scale and minimum per group — keys per channel (a group of
// G tokens), values per token (a group of G channels) — and the last R positions in fp16:
//     K[b, mg*G+mi, h, e]: fp16 = select(mg*G+mi < MQ, K_Q[..] * K_S[b, mg, h, e] + K_Z[b, mg, h, e], K_R[b, mg*G+mi − MQ, h, e])
// The select reads only the branch it takes (the interpreter evaluates it lazily).
import { exprAccesses, finalize, renderDiagnostics, isIntDType, reducedVars, type Cascade, type CascadeSource, type DType, type Einsum, type Expr, type IndexExpr, type Tensor } from '../ir';
import { gemmView } from '../map/gemm-view';

export interface QuantizeOptions {
  /** weight bits (1-8); absent: weights stay */
  wbits?: number;
  /** weight group size along the contracted rank (default 128) */
  group?: number;
  /** KV-cache bits (1-8); absent: the cache stays */
  kvBits?: number;
  /** KV group size (default 32, KIVI's) */
  kvGroup?: number;
  /** most recent tokens kept in fp16 (default 128, KIVI's) */
  kvResidual?: number;
}

export class QuantizeError extends Error {}

/** A list of names, shortened to the first few and a count. */
function some(names: readonly string[]): string {
  return names.length <= 4 ? names.join(', ') : `${names.slice(0, 3).join(', ')} and ${names.length - 3} more`;
}

/** What the transform did, one line each, for the CLI's summary. */
export interface QuantizeReport {
  cascade: Cascade;
  notes: string[];
}

const iv = (name: string): IndexExpr => ({ kind: 'ivar', name });
const rs = (rank: string): IndexExpr => ({ kind: 'rsize', rank });
const ibin = (op: '+' | '-' | '*', a: IndexExpr, b: IndexExpr): IndexExpr => ({ kind: 'ibin', op, a, b });
const acc = (tensor: string, indices: IndexExpr[]): Expr => ({ kind: 'access', access: { tensor, indices } });
const bin = (op: '+' | '-' | '*', a: Expr, b: Expr): Expr => ({ kind: 'binary', op, a, b });

/** The source a cascade was finalised from (base ranks, partitions with their inner sizes, declared tensors). */
export function sourceOf(c: Cascade): CascadeSource {
  const size = new Map(c.ranks.map((r) => [r.name, r.size]));
  return {
    ...(c.file !== undefined ? { file: c.file } : {}),
    ...(c.name !== undefined ? { name: c.name } : {}),
    ranks: c.ranks.filter((r) => !r.partOf).map((r) => ({ name: r.name, size: r.size, ...(r.aliasOf !== undefined ? { aliasOf: r.aliasOf } : {}) })),
    partitions: c.partitions.map((p) => ({ parent: p.parent, parts: [...p.parts], innerSizes: p.parts.slice(1).map((q) => size.get(q)!) })),
    declared: c.tensors.filter((t) => t.role === 'input' || t.role === 'weight' || t.role === 'kvcache').map((t) => ({ ...t, dims: t.dims.map((d) => ({ ...d })) })),
    einsums: [...c.einsums],
    outputs: c.outputs.map((name) => ({ name })),
  };
}

/** The rank an index variable iterates (its name upper-cased), as the IR defines it. */
const rankOf = (c: Cascade, v: string) => c.ranks.find((r) => r.name.toLowerCase() === v);

/** Splits `rank` into groups of `g` (a new partition), or reuses an existing partition whose innermost part is g. */
function groupParts(src: CascadeSource, c: Cascade, rank: string, g: number): [string, string] | null {
  const p = src.partitions.find((x) => x.parent === rank);
  if (p) return p.parts.length === 2 && p.innerSizes[0] === g ? [p.parts[0]!, p.parts[1]!] : null;
  const outer = `${rank}_QG`, inner = `${rank}_QI`;
  if (c.ranks.some((r) => r.name === outer || r.name === inner)) return null;
  src.partitions.push({ parent: rank, parts: [outer, inner], innerSizes: [g] });
  return [outer, inner];
}

function check(n: number | undefined, what: string, lo: number, hi: number): void {
  if (n !== undefined && !(Number.isInteger(n) && n >= lo && n <= hi)) throw new QuantizeError(`${what} must be an integer from ${lo} to ${hi}, got ${n}`);
}

/** Quantises the weights and/or the KV cache of a lowered cascade. */
export function quantizeCascade(c: Cascade, o: QuantizeOptions): QuantizeReport {
  check(o.wbits, '--wbits', 1, 8);
  check(o.kvBits, '--kv-bits', 1, 8);
  check(o.group, '--group', 1, 1 << 20);
  check(o.kvGroup, '--kv-group', 1, 1 << 20);
  check(o.kvResidual, '--kv-residual', 0, 1 << 30);
  const src = sourceOf(c);
  const notes: string[] = [];
  if (o.wbits !== undefined) quantizeWeights(c, src, o.wbits, o.group ?? 128, notes);
  if (o.kvBits !== undefined) quantizeKv(c, src, o.kvBits, o.kvGroup ?? 32, o.kvResidual ?? 128, notes);
  const r = finalize(src);
  if (!r.cascade) throw new Error(`quantisation built an invalid cascade:\n${renderDiagnostics(r.diagnostics)}`);
  return { cascade: r.cascade, notes };
}

/** The einsum indices that read tensor `name` (ir/query's accesses: gather indices included). */
export function readersOf(c: Cascade, name: string): number[] {
  const out: number[] = [];
  c.einsums.forEach((e, i) => {
    if (exprAccesses(e.expr).some((a) => a.tensor === name)) out.push(i);
  });
  return out;
}

/** Why a weight stays in the model dtype, or null when it is quantised. */
export function keepReason(c: Cascade, w: Tensor, readers: number[]): string | null {
  if (w.dims.length < 2) return 'a vector (norm gain or bias)';
  if (readers.length === 0) return 'not read';
  for (const i of readers) {
    const g = gemmView(c, i);
    if (!g) return `read by ${c.einsums[i]!.output.tensor}, not a GEMM (an embedding gather)`;
    const other = g.a === w.name ? g.b : g.a;
    if (c.tensors.find((t) => t.name === other)?.role === 'input') return 'the embedding (a GEMM with a model input)';
    const out = c.einsums[i]!.output.tensor;
    if (c.outputs.includes(out) && readersOf(c, out).length === 0) return 'the LM head (writes the final output)';
  }
  return null;
}

function quantizeWeights(c: Cascade, src: CascadeSource, bits: number, group: number, notes: string[]): void {
  const qtype = `int${bits}` as DType;
  const kept = new Map<string, string[]>();
  const wholeRank: string[] = [];
  let count = 0;
  for (const w of c.tensors.filter((t) => t.role === 'weight')) {
    if (isIntDType(w.dtype) || w.dtype === 'fp4e2m1' || w.dtype.startsWith('fp6')) continue;
    const readers = readersOf(c, w.name);
    const why = keepReason(c, w, readers);
    if (why) {
      kept.set(why, [...(kept.get(why) ?? []), w.name]);
      continue;
    }
    // the index variables W is read with in its first GEMM; the group runs along its largest contracted rank
    const e = c.einsums[readers[0]!]!;
    const red = new Set(reducedVars(e));
    const access = findAccess(e.expr, w.name)!;
    const vars = access.indices.map((x) => (x.kind === 'ivar' ? x.name : null));
    const dimRank = w.dims.map((d) => d.rank);
    const candidates = vars.map((v, k) => ({ v, k })).filter((x) => x.v !== null && red.has(x.v)).sort((a, b) => w.dims[b.k]!.extent - w.dims[a.k]!.extent);
    // a rank exactly one group long needs no split; a longer one is split into groups of G; failing
    // both, the largest contracted rank is one group (one scale per row), and the note says so
    let axis = -1, parts: [string, string] | null = null;
    for (const cand of candidates) {
      const rank = dimRank[cand.k]!;
      const n = w.dims[cand.k]!.extent;
      if (n < group || rankOf(c, rank.toLowerCase())?.partOf) continue;
      parts = n === group ? null : groupParts(src, c, rank, group);
      if (n === group || parts) {
        axis = cand.k;
        break;
      }
    }
    if (axis < 0) {
      axis = candidates[0]?.k ?? 0;
      wholeRank.push(w.name);
    }
    dequantiseWeight(src, w, qtype, axis, parts, c.einsums[readers[0]!]!);
    count++;
  }
  notes.push(`weights: ${count} quantised to int${bits}, an fp16 scale per group of ${group} along the contracted rank, each dequantised by an einsum before its GEMM`);
  if (wholeRank.length) notes.push(`one group per contracted row (the rank is shorter than ${group} or split otherwise): ${some(wholeRank)}`);
  for (const [why, names] of kept) notes.push(`kept in the model dtype (${why}): ${some(names)}`);
}

function findAccess(x: Expr, name: string): { tensor: string; indices: IndexExpr[] } | null {
  return exprAccesses(x).find((a) => a.tensor === name) ?? null;
}

/** Replaces declared weight W by W_Q, W_S and the einsum W = W_Q * W_S inserted before its first reader. */
function dequantiseWeight(src: CascadeSource, w: Tensor, qtype: DType, axis: number, parts: [string, string] | null, reader: Einsum): void {
  const vars = w.dims.map((d) => d.rank.toLowerCase());
  const full: IndexExpr[] = w.dims.map((_, k) => (k === axis && parts ? ibin('+', ibin('*', iv(parts[0].toLowerCase()), rs(parts[1])), iv(parts[1].toLowerCase())) : iv(vars[k]!)));
  const scaleIdx: IndexExpr[] = [], scaleDims: { rank: string; extent: number }[] = [];
  for (let k = 0; k < w.dims.length; k++) {
    if (k === axis && parts) {
      scaleIdx.push(iv(parts[0].toLowerCase()));
      scaleDims.push({ rank: parts[0], extent: 0 }); // extents come from the ranks (finalize)
    } else if (k !== axis) {
      scaleIdx.push(iv(vars[k]!));
      scaleDims.push({ ...w.dims[k]! });
    }
  }
  const q = `${w.name}_Q`, s = `${w.name}_S`;
  src.declared = src.declared.filter((t) => t.name !== w.name);
  // a pruned weight stays pruned: W_Q holds the kept values, along the same rank (lower --sparsity)
  src.declared.push({ name: q, role: 'weight', dtype: qtype, dims: w.dims.map((d) => ({ ...d })), ...(w.sparsity ? { sparsity: { ...w.sparsity } } : {}) });
  src.declared.push({ name: s, role: 'weight', dtype: 'fp16', dims: scaleDims });
  const e: Einsum = { output: { tensor: w.name, indices: full }, reduce: 'sum', init: false, dtype: w.dtype, expr: bin('*', acc(q, full), acc(s, scaleIdx)) };
  src.einsums.splice(src.einsums.indexOf(reader), 0, e);
}



/**
 * KIVI on every decode KV cache [b, m, h, x]. The token rank is split once for both caches of a layer,
 * m = rb·R + qg·G + qi (blocks of R tokens, groups of G): the last block is the fp16 residual. Keys
 * keep a scale and minimum per (block, group, channel); values per (token, channel group), their channel
 * rank split into groups of G. The quantised buffers span every position, as an implementation that
 * preallocates the cache does; the residual block's slots there are not yet filled.
 */
function quantizeKv(c: Cascade, src: CascadeSource, bits: number, group: number, residual: number, notes: string[]): void {
  if (residual < group || residual % group !== 0) throw new QuantizeError(`--kv-residual ${residual} must be a positive multiple of --kv-group ${group} (KIVI moves the residual into the quantised cache a whole group at a time)`);
  const caches = c.tensors.filter((t) => t.role === 'kvcache');
  if (caches.length === 0) {
    notes.push('KV cache: none read (prefill writes the cache; decode reads it): --kv-bits changes nothing here');
    return;
  }
  const qtype = `uint${bits}` as DType;
  const done: string[] = [], skipped: string[] = [];
  for (const t of caches) {
    const readers = readersOf(c, t.name);
    const e = readers.length ? c.einsums[readers[0]!]! : null;
    const a = e ? findAccess(e.expr, t.name) : null;
    const tokenRank = t.dims[1]?.rank;
    if (!e || !a || t.dims.length !== 4 || !tokenRank) {
      skipped.push(`${t.name} (not a [batch, token, head, channel] cache)`);
      continue;
    }
    const L = t.dims[1]!.extent;
    const xVar = a.indices[3]?.kind === 'ivar' ? a.indices[3].name : null;
    const isKey = xVar !== null && reducedVars(e).includes(xVar);
    const token = tokenParts(src, tokenRank, L, residual, group);
    if (typeof token === 'string') {
      skipped.push(`${t.name} (${token})`);
      continue;
    }
    const chan = isKey ? null : groupParts(src, c, t.dims[3]!.rank, group);
    if (!isKey && (!chan || t.dims[3]!.extent % group !== 0)) {
      skipped.push(`${t.name} (its channel rank ${t.dims[3]!.rank} is split otherwise or not a multiple of ${group})`);
      continue;
    }
    kiviCache(src, t, token, chan, qtype, e);
    done.push(`${t.name} (${isKey ? 'keys, per channel' : 'values, per token'})`);
  }
  if (done.length) notes.push(`KV cache (KIVI): ${done.length} caches in uint${bits} with an fp16 scale and minimum per group of ${group}, the last ${residual} tokens unquantised: ${some(done)}`);
  if (skipped.length) notes.push(`KV caches left unquantised: ${some(skipped)}`);
}

/** The token rank's split rb, qg, qi (names), made once per rank; or why it cannot be made. */
function tokenParts(src: CascadeSource, rank: string, L: number, residual: number, group: number): [string, string, string] | string {
  const p = src.partitions.find((x) => x.parent === rank);
  const names: [string, string, string] = [`${rank}_RB`, `${rank}_QG`, `${rank}_QI`];
  if (p) return p.parts.join() === names.join() && p.innerSizes.join() === `${residual / group},${group}` ? names : `rank ${rank} is already split (--passes 1 or 2 tile it): use --passes 3`;
  if (L % residual !== 0 || L <= residual) return `${L} tokens: KIVI here needs a multiple of --kv-residual ${residual}, above it`;
  src.partitions.push({ parent: rank, parts: names, innerSizes: [residual / group, group] });
  return names;
}

const ivE = (name: string): Expr => ({ kind: 'ivar', name });
const rsE = (rank: string): Expr => ({ kind: 'rsize', rank });

/** Replaces cache T by T_Q (uintN), T_S and T_Z (fp16) and T_R (the fp16 residual block), and the einsum rebuilding T. */
function kiviCache(src: CascadeSource, t: Tensor, token: [string, string, string], chan: [string, string] | null, qtype: DType, reader: Einsum): void {
  const [rb, qg, qi] = token.map((x) => x.toLowerCase()) as [string, string, string];
  const tokenIdx = ibin('+', ibin('+', ibin('*', iv(rb), ibin('*', rs(token[1]), rs(token[2]))), ibin('*', iv(qg), rs(token[2]))), iv(qi));
  const v = t.dims.map((d) => iv(d.rank.toLowerCase()));
  const chanIdx = chan ? ibin('+', ibin('*', iv(chan[0].toLowerCase()), rs(chan[1])), iv(chan[1].toLowerCase())) : v[3]!;
  const full = [v[0]!, tokenIdx, v[2]!, chanIdx];
  const d = (k: number) => ({ rank: t.dims[k]!.rank, extent: 0 });
  const r = (rank: string) => ({ rank, extent: 0 });
  const [sIdx, sDims] = chan
    ? [[v[0]!, tokenIdx, v[2]!, iv(chan[0].toLowerCase())], [d(0), d(1), d(2), r(chan[0])]]
    : [[v[0]!, iv(rb), iv(qg), v[2]!, v[3]!], [d(0), r(token[0]), r(token[1]), d(2), d(3)]];
  const [q, s, z, res] = ['Q', 'S', 'Z', 'R'].map((x) => `${t.name}_${x}`) as [string, string, string, string];
  src.declared = src.declared.filter((x) => x.name !== t.name);
  src.declared.push(
    { name: q, role: 'kvcache', dtype: qtype, dims: [d(0), d(1), d(2), d(3)] },
    { name: s, role: 'kvcache', dtype: 'fp16', dims: sDims },
    { name: z, role: 'kvcache', dtype: 'fp16', dims: sDims },
    { name: res, role: 'kvcache', dtype: t.dtype, dims: [d(0), r(token[1]), r(token[2]), d(2), d(3)] },
  );
  const deq = bin('+', bin('*', acc(q, full), acc(s, sIdx)), acc(z, sIdx));
  // the residual block is the last: rb = RB - 1
  const inResidual: Expr = { kind: 'cmp', op: '<', a: ivE(rb), b: bin('-', rsE(token[0]), { kind: 'num', value: 1 }) };
  const e: Einsum = { output: { tensor: t.name, indices: full }, reduce: 'sum', init: false, dtype: t.dtype, expr: { kind: 'select', cond: inResidual, a: deq, b: acc(res, [v[0]!, iv(qg), iv(qi), v[2]!, chanIdx]) } };
  src.einsums.splice(src.einsums.indexOf(reader), 0, e);
  appendToResidual(src, t.name, res);
}

/**
 * Decode appends the new token to the cache by an indexed write (blocks.ts); under KIVI new tokens go to the
 * fp16 residual block, at group SLOT_QG[b, s] and offset SLOT_QI[b, s] within it (int32 inputs).
 */
function appendToResidual(src: CascadeSource, cache: string, res: string): void {
  const w = src.einsums.find((x) => x.output.tensor === cache && x.output.indices.some((i) => i.kind === 'gather'));
  if (!w) return;
  const slot = (name: string): IndexExpr => {
    if (!src.declared.some((d) => d.name === name)) src.declared.push({ name, role: 'input', dtype: 'int32', dims: [{ rank: 'B', extent: 0 }, { rank: 'S', extent: 0 }] });
    return { kind: 'gather', access: { tensor: name, indices: [iv('b'), iv('s')] } };
  };
  const [b, , h, x] = w.output.indices;
  // a new einsum object: the source's einsums are shared with the cascade being quantised, which stays as it was
  src.einsums[src.einsums.indexOf(w)] = { ...w, output: { tensor: res, indices: [b!, slot('SLOT_QG'), slot('SLOT_QI'), h!, x!] } };
  // SLOT (the slot in the whole cache) goes when no write reads it any more
  const read = src.einsums.some((e) => e.output.indices.some((i) => i.kind === 'gather' && i.access.tensor === 'SLOT'));
  if (!read) src.declared = src.declared.filter((d) => d.name !== 'SLOT');
}
