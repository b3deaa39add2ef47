// The contractions: MatMul (numpy batching and broadcasting), Gemm (transposes, alpha, beta, C), and
// 2-D Conv (strides, dilations, explicit or SAME padding, groups). A convolution reads its input at
// `oh*stride + kh*dilation`; padding is a copy into a larger tensor, `XP[.., hp, ..] = (h + top == hp)
// * X[.., h, ..]` summed over h (exact: every other term is 0); groups split the output channels as
// `rank CO -> G, CO0 = C_out/groups` and read input channel `g*C_in/groups + ci0`.
import { distinct, type ImportContext } from './context';
import { lit, type ETensor, type Ix } from './emit';
import { broadcastRanks, broadcastShape, operand } from './ops-elementwise';
import type { OnnxNode } from './onnx-proto';

function matmul(cx: ImportContext, node: OnnxNode): void {
  const a = cx.input(node, 0)!;
  const b = cx.input(node, 1)!;
  if (!a.shape.length || !b.shape.length) cx.fail(node, 'MatMul of a scalar');
  const aVec = a.shape.length === 1;
  const bVec = b.shape.length === 1;
  const [M, K] = aVec ? [undefined, a.shape[0]!] : [a.shape.at(-2)!, a.shape.at(-1)!];
  const [K2, N] = bVec ? [b.shape[0]!, undefined] : [b.shape.at(-2)!, b.shape.at(-1)!];
  if (K !== K2) cx.fail(node, `inner dimensions differ: [${a.shape.join(', ')}] x [${b.shape.join(', ')}]`);
  const aBatch = a.shape.slice(0, Math.max(0, a.shape.length - 2));
  const bBatch = b.shape.slice(0, Math.max(0, b.shape.length - 2));
  const batch = broadcastShape(cx, node, [aBatch, bBatch]);
  const batchOps = [a, b].map((t, j) => ({ ...t, shape: j === 0 ? aBatch : bBatch, ...(t.ranks ? { ranks: t.ranks.slice(0, (j === 0 ? aBatch : bBatch).length) } : {}) }));
  const bR = broadcastRanks(cx, batchOps, batch);
  const [mR, kR, nR] = distinct(
    cx.em,
    [aVec ? undefined : a.ranks?.at(-2), a.ranks?.at(-1) ?? b.ranks?.at(bVec ? -1 : -2), bVec ? undefined : b.ranks?.at(-1)],
    [M ?? 1, K, N ?? 1],
    bR,
  );
  const batchIx = (t: ETensor, n: number): Ix[] => t.shape.slice(0, n).map((d, k) => (d === 1 && batch[k + batch.length - n] !== 1 ? { c: 0 } : { v: bR[k + batch.length - n]! }));
  const ra = cx.em.read(a, [...batchIx(a, aBatch.length), ...(aVec ? [] : [{ v: mR! }]), { v: kR! }]);
  const rb = cx.em.read(b, [...batchIx(b, bBatch.length), { v: kR! }, ...(bVec ? [] : [{ v: nR! }])]);
  const outRanks = [...bR, ...(aVec ? [] : [mR!]), ...(bVec ? [] : [nR!])];
  const out = cx.output(node, 0, [...batch, ...(aVec ? [] : [M!]), ...(bVec ? [] : [N!])], a.dtype);
  cx.em.def(out, outRanks, `${ra} * ${rb}`);
}

function gemm(cx: ImportContext, node: OnnxNode): void {
  const a = cx.input(node, 0)!;
  const b = cx.input(node, 1)!;
  const c = cx.input(node, 2, false);
  if (a.shape.length !== 2 || b.shape.length !== 2) cx.fail(node, 'Gemm takes 2-D A and B');
  const [ta, tb] = [cx.int(node, 'transA', 0), cx.int(node, 'transB', 0)];
  const [alpha, beta] = [cx.float(node, 'alpha', 1), cx.float(node, 'beta', 1)];
  const [M, K] = ta ? [a.shape[1]!, a.shape[0]!] : [a.shape[0]!, a.shape[1]!];
  const [K2, N] = tb ? [b.shape[1]!, b.shape[0]!] : [b.shape[0]!, b.shape[1]!];
  if (K !== K2) cx.fail(node, `inner dimensions differ: A${ta ? 'ᵀ' : ''} is ${M}x${K}, B${tb ? 'ᵀ' : ''} is ${K2}x${N}`);
  const [mR, kR, nR] = distinct(cx.em, [a.ranks?.[ta ? 1 : 0], a.ranks?.[ta ? 0 : 1] ?? b.ranks?.[tb ? 1 : 0], b.ranks?.[tb ? 0 : 1]], [M, K, N]);
  const ra = cx.em.read(a, ta ? [{ v: kR! }, { v: mR! }] : [{ v: mR! }, { v: kR! }]);
  const rb = cx.em.read(b, tb ? [{ v: nR! }, { v: kR! }] : [{ v: kR! }, { v: nR! }]);
  const scaled = alpha === 1 ? `${ra} * ${rb}` : `${lit(alpha)} * ${ra} * ${rb}`;
  if (!c) return cx.em.def(cx.output(node, 0, [M, N], a.dtype), [mR!, nR!], scaled);
  const ab = cx.output(node, 0, [M, N], a.dtype, '_ab');
  cx.em.def(ab, [mR!, nR!], scaled);
  broadcastShape(cx, node, [[M, N], c.shape]);
  const rc = operand(cx, c, [mR!, nR!]);
  cx.em.def(cx.output(node, 0, [M, N], a.dtype), [mR!, nR!], `${cx.readAll(ab)} + ${beta === 1 ? rc : `${lit(beta)} * ${rc}`}`);
}

/** Output size and the padding before/after along one spatial axis. */
function spatial(cx: ImportContext, node: OnnxNode, size: number, k: number, stride: number, dil: number, pads: [number, number], auto: string): { out: number; before: number; after: number } {
  const span = (k - 1) * dil + 1;
  if (auto === 'SAME_UPPER' || auto === 'SAME_LOWER') {
    const out = Math.ceil(size / stride);
    const total = Math.max(0, (out - 1) * stride + span - size);
    const before = auto === 'SAME_UPPER' ? Math.floor(total / 2) : Math.ceil(total / 2);
    return { out, before, after: total - before };
  }
  const [before, after] = auto === 'VALID' ? [0, 0] : pads;
  const out = Math.floor((size + before + after - span) / stride) + 1;
  if (out < 1) cx.fail(node, `the kernel (${k}, dilation ${dil}) is larger than the padded input (${size + before + after})`);
  return { out, before, after };
}

/** A copy of `x` padded with zeros along dimension `dim`. */
function pad(cx: ImportContext, node: OnnxNode, x: ETensor, dim: number, before: number, after: number): ETensor {
  if (!before && !after) return x;
  const ranks = cx.ranksOf(x);
  const shape = x.shape.map((d, k) => (k === dim ? d + before + after : d));
  const pR = cx.em.rankFor(shape[dim]!, ranks);
  const out = cx.output(node, 0, shape, x.dtype, `_pad${dim}`);
  const h = ranks[dim]!.toLowerCase();
  const read = cx.readAll(x);
  cx.em.def(out, ranks.map((r, k) => (k === dim ? pR : r)), `(${h}${before ? ` + ${before}` : ''} == ${pR.toLowerCase()}) * ${read}`);
  return out;
}

const term = (v: string, c: number) => (c === 1 ? v : `${v}*${c}`);

function conv(cx: ImportContext, node: OnnxNode): void {
  const x0 = cx.input(node, 0)!;
  const w = cx.input(node, 1)!;
  const bias = cx.input(node, 2, false);
  if (x0.shape.length !== 4 || w.shape.length !== 4) cx.fail(node, `only 2-D convolutions (4-D input and weight) are imported; input is [${x0.shape.join(', ')}]`);
  const [N, C, H, W] = x0.shape as [number, number, number, number];
  const [CO, CG, KH, KW] = w.shape as [number, number, number, number];
  const group = cx.int(node, 'group', 1);
  if (C % group || CO % group || C / group !== CG) cx.fail(node, `group ${group} does not fit ${C} input channels, ${CO} output channels and a weight of ${CG} channels per group`);
  const [sh, sw] = cx.ints(node, 'strides') ?? [1, 1];
  const [dh, dw] = cx.ints(node, 'dilations') ?? [1, 1];
  const pads = cx.ints(node, 'pads') ?? [0, 0, 0, 0];
  const auto = cx.str(node, 'auto_pad', 'NOTSET');
  const ph = spatial(cx, node, H, KH, sh!, dh!, [pads[0]!, pads[2]!], auto);
  const pw = spatial(cx, node, W, KW, sw!, dw!, [pads[1]!, pads[3]!], auto);
  const x = pad(cx, node, pad(cx, node, x0, 2, ph.before, ph.after), 3, pw.before, pw.after);
  const [nR, cR, hR, wR] = cx.ranksOf(x);
  const [khR, kwR, ohR, owR] = distinct(cx.em, [w.ranks?.[2], w.ranks?.[3], undefined, undefined], [KH, KW, ph.out, pw.out], [nR!, cR!, hR!, wR!]);
  const used = [nR!, cR!, hR!, wR!, khR!, kwR!, ohR!, owR!];
  const hIx: Ix = { expr: `${term(ohR!.toLowerCase(), sh!)} + ${term(khR!.toLowerCase(), dh!)}`, vars: [ohR!.toLowerCase(), khR!.toLowerCase()] };
  const wIx: Ix = { expr: `${term(owR!.toLowerCase(), sw!)} + ${term(kwR!.toLowerCase(), dw!)}`, vars: [owR!.toLowerCase(), kwR!.toLowerCase()] };
  const out = cx.output(node, 0, [N, CO, ph.out, pw.out], x.dtype, bias ? '_conv' : '');
  let coR: string;
  if (group === 1) {
    [coR] = distinct(cx.em, [w.ranks?.[0]], [CO], used) as [string];
    const rx = cx.em.read(x, [{ v: nR! }, { v: cR! }, hIx, wIx]);
    const rw = cx.em.read(w, [{ v: coR }, { v: cR! }, { v: khR! }, { v: kwR! }]);
    cx.em.def(out, [nR!, coR, ohR!, owR!], `${rx} * ${rw}`);
  } else {
    coR = cx.em.newRank(CO);
    const [gR, co0R] = cx.em.partition(coR, [CO / group]) as [string, string];
    const [ci0R] = distinct(cx.em, [w.ranks?.[1]], [CG], [...used, coR]) as [string];
    const [g, co0, ci0] = [gR.toLowerCase(), co0R.toLowerCase(), ci0R.toLowerCase()];
    const rx = cx.em.read(x, [{ v: nR! }, { expr: `${g}*${CG} + ${ci0}`, vars: [g, ci0] }, hIx, wIx]);
    const rw = cx.em.read(w, [{ expr: `${g}*${co0R} + ${co0}`, rank: coR, vars: [g, co0] }, { v: ci0R }, { v: khR! }, { v: kwR! }]);
    cx.em.def(out, [nR!, { expr: `${g}*${co0R} + ${co0}`, rank: coR }, ohR!, owR!], `${rx} * ${rw}`);
  }
  if (!bias) return;
  const y = cx.output(node, 0, out.shape, x.dtype);
  cx.em.def(y, [nR!, coR, ohR!, owR!], `${cx.readAll(out)} + ${cx.em.read(bias, [{ v: coR }])}`);
}

export const linearOps: Record<string, (cx: ImportContext, node: OnnxNode) => void> = { MatMul: matmul, Gemm: gemm, Conv: conv };
