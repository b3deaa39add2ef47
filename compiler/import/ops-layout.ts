// Operators that move data: Transpose (a copy over permuted ranks), Reshape and Flatten (row-major
// order kept: through a flat rank partitioned by the input's shape, then one partitioned by the
// output's, unless only size-1 dimensions come or go), Gather (a one-hot contraction with the
// indices), Concat (each input placed by `(a + offset == y)`, then the parts added), Identity and Constant.
import { distinct, type ImportContext } from './context';
import type { ETensor, Ix } from './emit';
import type { OnnxNode } from './onnx-proto';

function transpose(cx: ImportContext, node: OnnxNode): void {
  const x = cx.input(node, 0)!;
  const r = x.shape.length;
  const perm = cx.ints(node, 'perm') ?? Array.from({ length: r }, (_, k) => r - 1 - k);
  if (perm.length !== r || [...perm].sort((a, b) => a - b).some((p, k) => p !== k)) cx.fail(node, `perm [${perm.join(', ')}] is not a permutation of ${r} dimensions`);
  const ranks = cx.ranksOf(x);
  const out = cx.output(node, 0, perm.map((p) => x.shape[p]!), x.dtype);
  cx.em.def(out, perm.map((p) => ranks[p]!), cx.readAll(x));
}

function reshapeTo(cx: ImportContext, node: OnnxNode, x: ETensor, shape: number[]): void {
  const same = shape.length === x.shape.length && shape.every((d, k) => d === x.shape[k]);
  if (same) return cx.alias(node, 0, x);
  const ranks = cx.ranksOf(x);
  const big = (s: number[]) => s.filter((d) => d !== 1);
  if (big(shape).join() === big(x.shape).join()) {
    // only size-1 dimensions come or go: the others keep their ranks
    const xi = x.shape.map((d, k) => (d !== 1 ? k : -1)).filter((k) => k >= 0);
    const si = shape.map((d, k) => (d !== 1 ? k : -1)).filter((k) => k >= 0);
    const outRanks = distinct(cx.em, shape.map((d, k) => (d === 1 ? undefined : ranks[xi[si.indexOf(k)]!])), shape);
    const out = cx.output(node, 0, shape, x.dtype);
    const ixs: Ix[] = x.shape.map((d, k) => (d === 1 ? { c: 0 } : { v: outRanks[si[xi.indexOf(k)]!]! }));
    return cx.em.def(out, outRanks, cx.em.read(x, ixs));
  }
  const total = shape.reduce((a, b) => a * b, 1);
  let flat = x;
  if (x.shape.length > 1) {
    const f = cx.em.newRank(total);
    const parts = cx.em.partition(f, x.shape.slice(1));
    flat = cx.output(node, 0, [total], x.dtype, '_flat');
    cx.em.def(flat, [{ expr: recompose(parts), rank: f }], cx.em.read(x, parts.map((p) => ({ v: p }))));
  }
  if (shape.length === 1) return cx.alias(node, 0, flat);
  const g = cx.em.newRank(total);
  const parts = cx.em.partition(g, shape.slice(1));
  const out = cx.output(node, 0, shape, x.dtype);
  cx.em.def(out, parts, cx.em.read(flat, [{ expr: recompose(parts), rank: g, vars: parts.map((p) => p.toLowerCase()) }]));
}

/** `p0*P1*P2 + p1*P2 + p2`: the flat position of partition coordinates, outer first. */
function recompose(parts: string[]): string {
  return parts.map((p, k) => [p.toLowerCase(), ...parts.slice(k + 1)].join('*')).join(' + ');
}

function reshape(cx: ImportContext, node: OnnxNode): void {
  const x = cx.input(node, 0)!;
  const spec = [...cx.constant(node, 1, 'the shape')];
  const allowZero = cx.int(node, 'allowzero', 0);
  const shape = spec.map((d, k) => (d === 0 && !allowZero ? x.shape[k]! : d));
  const size = x.shape.reduce((a, b) => a * b, 1);
  const unknown = shape.filter((d) => d === -1).length;
  if (unknown > 1 || shape.some((d) => d < -1 || !Number.isInteger(d))) cx.fail(node, `shape [${spec.join(', ')}] is not a valid reshape target`);
  const known = shape.filter((d) => d !== -1).reduce((a, b) => a * b, 1);
  const filled = shape.map((d) => (d === -1 ? size / known : d));
  if (filled.some((d) => !Number.isInteger(d) || d < 1) || filled.reduce((a, b) => a * b, 1) !== size) cx.fail(node, `cannot reshape [${x.shape.join(', ')}] (${size} elements) to [${spec.join(', ')}]`);
  reshapeTo(cx, node, x, filled);
}

function flatten(cx: ImportContext, node: OnnxNode): void {
  const x = cx.input(node, 0)!;
  const r = x.shape.length;
  let axis = cx.int(node, 'axis', 1);
  if (axis < -r || axis > r) cx.fail(node, `axis ${axis} is outside a tensor of rank ${r}`);
  if (axis < 0) axis += r;
  const prod = (s: number[]) => s.reduce((a, b) => a * b, 1);
  reshapeTo(cx, node, x, [prod(x.shape.slice(0, axis)), prod(x.shape.slice(axis))]);
}

function gather(cx: ImportContext, node: OnnxNode): void {
  const data = cx.input(node, 0)!;
  const idx = cx.input(node, 1)!;
  const r = data.shape.length;
  let axis = cx.int(node, 'axis', 0);
  if (axis < -r || axis >= r) cx.fail(node, `axis ${axis} is outside a tensor of rank ${r}`);
  if (axis < 0) axis += r;
  const V = data.shape[axis]!;
  if (idx.values && [...idx.values].some((v) => v < -V || v >= V)) cx.fail(node, `an index is outside [${-V}, ${V - 1}]`);
  const dR = cx.ranksOf(data);
  const iR = idx.ranks ?? distinct(cx.em, idx.shape.map(() => undefined), idx.shape, dR);
  if (!idx.ranks) cx.em.declare(idx, iR);
  // the indices as floats, negative ones counted from the end
  const fl = cx.output(node, 0, idx.shape, 'fp32', '_index');
  const ri = cx.readAll(idx);
  cx.em.def(fl, iR, `select(${ri} < 0, ${ri} + ${V}, ${ri})`, { dtype: 'fp32' });
  const shape = [...data.shape.slice(0, axis), ...idx.shape, ...data.shape.slice(axis + 1)];
  const v = dR[axis]!;
  const outRanks = distinct(cx.em, [...dR.slice(0, axis), ...iR, ...dR.slice(axis + 1)], shape, [v]);
  const out = cx.output(node, 0, shape, data.dtype);
  const q = idx.shape.length;
  const rf = cx.em.read(fl, iR.map((_, k) => ({ v: outRanks[axis + k]! })));
  const rd = cx.em.read(data, dR.map((_, k) => ({ v: k < axis ? outRanks[k]! : k === axis ? v : outRanks[k - 1 + q]! })));
  cx.em.def(out, outRanks, `(${rf} == ${v.toLowerCase()}) * ${rd}`);
}

function concat(cx: ImportContext, node: OnnxNode): void {
  const ins = node.inputs.map((_, k) => cx.input(node, k)!);
  const r = ins[0]!.shape.length;
  let axis = cx.int(node, 'axis', 0);
  if (axis < -r || axis >= r) cx.fail(node, `axis ${axis} is outside a tensor of rank ${r}`);
  if (axis < 0) axis += r;
  for (const t of ins) if (t.shape.length !== r || t.shape.some((d, k) => k !== axis && d !== ins[0]!.shape[k])) cx.fail(node, `inputs of shapes ${ins.map((t) => `[${t.shape.join(', ')}]`).join(', ')} do not concatenate along axis ${axis}`);
  const total = ins.reduce((s, t) => s + t.shape[axis]!, 0);
  const shape = ins[0]!.shape.map((d, k) => (k === axis ? total : d));
  const base = cx.ranksOf(ins[0]!);
  const axisRanks = ins.map((t) => cx.ranksOf(t)[axis]!);
  const yR = cx.em.rankFor(total, [...base, ...axisRanks]);
  const ranks = base.map((b, k) => (k === axis ? yR : b));
  const parts: ETensor[] = [];
  let offset = 0;
  ins.forEach((t, j) => {
    const part = cx.output(node, 0, shape, t.dtype, `_part${j}`);
    const own = cx.ranksOf(t)[axis]!;
    const a = ranks.includes(own) ? cx.em.rankFor(t.shape[axis]!, ranks) : own;
    const read = cx.em.read(t, ranks.map((rk, k) => ({ v: k === axis ? a : rk })));
    cx.em.def(part, ranks, `(${a.toLowerCase()}${offset ? ` + ${offset}` : ''} == ${yR.toLowerCase()}) * ${read}`);
    parts.push(part);
    offset += t.shape[axis]!;
  });
  const out = cx.output(node, 0, shape, ins[0]!.dtype);
  cx.em.def(out, ranks, parts.map((p) => cx.readAll(p)).join(' + '));
}

export const layoutOps: Record<string, (cx: ImportContext, node: OnnxNode) => void> = {
  Transpose: transpose,
  Reshape: reshape,
  Flatten: flatten,
  Gather: gather,
  Concat: concat,
  Identity: (cx, n) => cx.alias(n, 0, cx.input(n, 0)!),
};
