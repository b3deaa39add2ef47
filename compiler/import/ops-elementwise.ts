// Elementwise operators with numpy broadcasting (Add, Sub, Mul, Div), the activations (Relu, Gelu,
// Sigmoid, Tanh), and the normalisations built from reductions (Softmax, LayerNormalization).
import { distinct, type ImportContext } from './context';
import { lit, type ETensor, type Ix } from './emit';
import type { OnnxNode } from './onnx-proto';

export function broadcastShape(cx: ImportContext, node: OnnxNode, shapes: number[][]): number[] {
  const r = Math.max(...shapes.map((s) => s.length));
  const out: number[] = [];
  for (let i = 0; i < r; i++) {
    let d = 1;
    for (const s of shapes) {
      const x = s[i - (r - s.length)] ?? 1;
      if (x !== 1 && d !== 1 && x !== d) cx.fail(node, `shapes ${shapes.map((s) => `[${s.join(', ')}]`).join(' and ')} do not broadcast`);
      if (x !== 1) d = x;
    }
    out.push(d);
  }
  return out;
}

/** Ranks for a broadcast result: each dimension's from the first operand that has it at full size. */
export function broadcastRanks(cx: ImportContext, ops: ETensor[], shape: number[]): string[] {
  const r = shape.length;
  const preferred = shape.map((d, i) => {
    for (const t of ops) {
      const k = i - (r - t.shape.length);
      if (k >= 0 && t.shape[k] === d && t.ranks) return t.ranks[k];
    }
    return undefined;
  });
  return distinct(cx.em, preferred, shape);
}

/** `t` read at the broadcast result's ranks (size-1 dimensions at 0); a one-element constant is inlined. */
export function operand(cx: ImportContext, t: ETensor, ranks: string[]): string {
  if (t.values && t.values.length === 1) return lit(t.values[0]!);
  const r = ranks.length;
  const ixs: Ix[] = t.shape.map((d, k) => {
    const rank = ranks[k + r - t.shape.length]!;
    return d === 1 && cx.em.sizeOf(rank) !== 1 ? { c: 0 } : { v: rank };
  });
  return cx.em.read(t, ixs);
}

function elementwise(cx: ImportContext, node: OnnxNode, arity: number, body: (xs: string[]) => string): void {
  const ins = Array.from({ length: arity }, (_, k) => cx.input(node, k)!);
  const shape = broadcastShape(cx, node, ins.map((t) => t.shape));
  const ranks = broadcastRanks(cx, ins, shape);
  const out = cx.output(node, 0, shape, ins.find((t) => !t.values || t.values.length !== 1)?.dtype ?? ins[0]!.dtype);
  cx.em.def(out, ranks, body(ins.map((t) => operand(cx, t, ranks))));
}

const SQRT1_2 = Math.SQRT1_2;

export const elementwiseOps: Record<string, (cx: ImportContext, node: OnnxNode) => void> = {
  Add: (cx, n) => elementwise(cx, n, 2, ([a, b]) => `${a} + ${b}`),
  Sub: (cx, n) => elementwise(cx, n, 2, ([a, b]) => `${a} - ${b}`),
  Mul: (cx, n) => elementwise(cx, n, 2, ([a, b]) => `${a} * ${b}`),
  Div: (cx, n) => elementwise(cx, n, 2, ([a, b]) => `${a} / ${b}`),
  Relu: (cx, n) => elementwise(cx, n, 1, ([x]) => `max(${x}, 0)`),
  Sigmoid: (cx, n) => elementwise(cx, n, 1, ([x]) => `1 / (1 + exp(-${x}))`),
  Tanh: (cx, n) => elementwise(cx, n, 1, ([x]) => `tanh(${x})`),
  Gelu: (cx, n) => {
    const approx = cx.str(n, 'approximate', 'none');
    if (approx === 'none') return elementwise(cx, n, 1, ([x]) => `0.5 * ${x} * (1 + erf(${x} * ${SQRT1_2}))`);
    if (approx === 'tanh') return elementwise(cx, n, 1, ([x]) => `0.5 * ${x} * (1 + tanh(${Math.sqrt(2 / Math.PI)} * (${x} + 0.044715 * ${x} * ${x} * ${x})))`);
    cx.fail(n, `approximate = '${approx}': expected none or tanh`);
  },
  Softmax: softmax,
  LayerNormalization: layerNorm,
};

function axisOf(cx: ImportContext, node: OnnxNode, rank: number, fallback: number): number {
  const a = cx.int(node, 'axis', fallback);
  if (a < -rank || a >= rank) cx.fail(node, `axis ${a} is outside a tensor of rank ${rank}`);
  return a < 0 ? a + rank : a;
}

/** Softmax over one axis (opset 13): max, exp(x - max), sum, divide. */
function softmax(cx: ImportContext, node: OnnxNode): void {
  const x = cx.input(node, 0)!;
  const r = x.shape.length;
  const axis = axisOf(cx, node, r, cx.opset >= 13 ? -1 : 1);
  if (cx.opset < 13 && axis !== r - 1) cx.fail(node, `opset ${cx.opset} Softmax flattens the dimensions from axis ${axis} on; only axis = ${r - 1} (the last) is imported before opset 13`);
  const ranks = cx.ranksOf(x);
  const rest = ranks.filter((_, k) => k !== axis);
  const restShape = x.shape.filter((_, k) => k !== axis);
  const mx = cx.output(node, 0, restShape, x.dtype, '_max');
  cx.em.def(mx, rest, cx.readAll(x), { reduce: 'max' });
  const ex = cx.output(node, 0, x.shape, x.dtype, '_exp');
  cx.em.def(ex, ranks, `exp(${cx.readAll(x)} - ${cx.readAll(mx)})`);
  const sd = cx.output(node, 0, restShape, x.dtype, '_sum');
  cx.em.def(sd, rest, cx.readAll(ex));
  const y = cx.output(node, 0, x.shape, x.dtype);
  cx.em.def(y, ranks, `${cx.readAll(ex)} / ${cx.readAll(sd)}`);
}

/** LayerNormalization over the axes from `axis` on: mean, centred, variance, scale and bias. */
function layerNorm(cx: ImportContext, node: OnnxNode): void {
  const x = cx.input(node, 0)!;
  const scale = cx.input(node, 1)!;
  const bias = cx.input(node, 2, false);
  if (node.outputs.length > 1 && node.outputs.slice(1).some((o) => o !== '')) cx.fail(node, 'the Mean and InvStdDev outputs (training) are not imported');
  const r = x.shape.length;
  const axis = axisOf(cx, node, r, -1);
  const eps = cx.float(node, 'epsilon', 1e-5);
  const ranks = cx.ranksOf(x);
  const lead = ranks.slice(0, axis);
  const normed = ranks.slice(axis);
  const n = x.shape.slice(axis).reduce((a, b) => a * b, 1);
  const mu = cx.output(node, 0, x.shape.slice(0, axis), x.dtype, '_mean');
  cx.em.def(mu, lead, `${cx.readAll(x)} / ${n}`);
  const xc = cx.output(node, 0, x.shape, x.dtype, '_centred');
  cx.em.def(xc, ranks, `${cx.readAll(x)} - ${cx.readAll(mu)}`);
  const v = cx.output(node, 0, x.shape.slice(0, axis), x.dtype, '_var');
  cx.em.def(v, lead, `${cx.readAll(xc)} * ${cx.readAll(xc)} / ${n}`);
  const y = cx.output(node, 0, x.shape, x.dtype);
  const s = operand(cx, scale, normed);
  const b = bias ? ` + ${operand(cx, bias, normed)}` : '';
  cx.em.def(y, ranks, `${cx.readAll(xc)} / sqrt(${cx.readAll(v)} + ${lit(eps)}) * ${s}${b}`);
}
