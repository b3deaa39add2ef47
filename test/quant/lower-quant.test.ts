// `lower --wbits/--kv-bits` on the tiny LLaMA: the quantised cascade, fed the codes and scales that
// compiler/quant makes from the fp32 weights and caches, computes what the fp32 cascade computes on the
// dequantised values (the transform adds only exact dequantisation), and its logits stay near the fp32
// model's (not all zero: norms, embedding and LM head are left in fp32).
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { lowerFromCli } from '../../compiler/driver/commands/lower';
import { interpret, randomInputs, type TensorData } from '../../compiler/interp';
import type { Cascade, DType } from '../../compiler/ir';
import { dequantise, parseFormat, quantiseGroups } from '../../compiler/quant';

const model = join(import.meta.dirname, '../../examples/models/tiny-llama.json');
const base = { model, phase: 'decode', batch: '1', kv: '64', passes: '3' };

/** The inputs of the quantised cascade from the fp32 ones, and the fp32 inputs with every quantised tensor dequantised. */
function quantisedInputs(c0: Cascade, cq: Cascade, x: Map<string, TensorData>, residual: number, kvGroup: number, bits = 4) {
  const q = new Map<string, TensorData>();
  const deq = new Map(x);
  const has = new Set(cq.tensors.map((t) => t.name));
  for (const t of c0.tensors) {
    const d = x.get(t.name);
    if (!d) continue;
    if (!has.has(`${t.name}_Q`)) {
      q.set(t.name, d);
      continue;
    }
    const s = cq.tensors.find((u) => u.name === `${t.name}_S`)!;
    if (t.role === 'weight') {
      // the grouped axis: the first dim whose rank the scale does not carry
      const axis = t.dims.findIndex((dim, k) => s.dims[k]?.rank !== dim.rank);
      const group = s.dims.length === t.dims.length ? 32 : t.dims[axis]!.extent;
      const g = quantiseGroups(d.data, d.shape, { format: parseFormat(`int${bits}`), group, axis });
      q.set(`${t.name}_Q`, { dtype: `int${bits}` as DType, shape: d.shape, data: g.q });
      q.set(`${t.name}_S`, { dtype: 'fp16', shape: s.dims.map((x) => x.extent), data: g.scales });
      deq.set(t.name, { ...d, data: dequantise(g) });
    } else {
      const isKey = s.dims.length === 5;
      const g = quantiseGroups(d.data, d.shape, { format: parseFormat(`uint${bits}`), group: kvGroup, axis: isKey ? 1 : 3, offset: true });
      const [B, L, H, X] = d.shape as [number, number, number, number];
      const r = new Float64Array(B * residual * H * X);
      const back = dequantise(g);
      for (let b = 0; b < B; b++)
        for (let m = L - residual; m < L; m++)
          for (let i = 0; i < H * X; i++) {
            const at = ((b * L + m) * H * X) + i;
            r[((b * residual + m - (L - residual)) * H * X) + i] = d.data[at]!;
            back[at] = d.data[at]!; // the residual is exact
          }
      const sShape = s.dims.map((y) => y.extent);
      q.set(`${t.name}_Q`, { dtype: `uint${bits}` as DType, shape: d.shape, data: g.q });
      q.set(`${t.name}_S`, { dtype: 'fp16', shape: sShape, data: g.scales });
      q.set(`${t.name}_Z`, { dtype: 'fp16', shape: sShape, data: g.offsets! });
      q.set(`${t.name}_R`, { dtype: 'fp32', shape: [B, residual / kvGroup, kvGroup, H, X], data: r });
      deq.set(t.name, { ...d, data: back });
    }
  }
  // decode appends the new token into the fp16 residual (SLOT_QG, SLOT_QI): its last slot here; the logits do
  // not depend on it (the append follows the attention that reads the cache)
  const [B, S] = x.get('SLOT')!.shape as [number, number];
  for (const [n, v] of [['SLOT_QG', residual / kvGroup - 1], ['SLOT_QI', kvGroup - 1]] as const)
    if (has.has(n)) q.set(n, { dtype: 'int32', shape: [B, S], data: new Float64Array(B * S).fill(v) });
  return { q, deq };
}

const norm = (a: Float64Array) => Math.sqrt(a.reduce((s, v) => s + v * v, 0));

describe('quantised tiny LLaMA decode (int4 weights, group 32; KIVI uint4 KV, group 8, residual 16)', () => {
  const c0 = lowerFromCli(base);
  const cq = lowerFromCli({ ...base, wbits: '4', group: '32', kvBits: '4', kvGroup: '8', kvResidual: '16' });
  const x = randomInputs(c0, 3);
  const { q, deq } = quantisedInputs(c0, cq, x, 16, 8);

  it('every quantised tensor is fed, and the quantised cascade equals the fp32 one on the dequantised values', () => {
    for (const t of cq.tensors) if (t.role !== 'intermediate' && t.role !== 'output') expect(q.has(t.name), t.name).toBe(true);
    const a = interpret(cq, q).get('LOGITS')!.data;
    const b = interpret(c0, deq).get('LOGITS')!.data;
    // the dequantise einsums round q·s (+ z) to fp32 once; the weights' q·s is exact there
    for (let i = 0; i < a.length; i++) expect(Math.abs(a[i]! - b[i]!)).toBeLessThanOrEqual(1e-5 * (1 + Math.abs(b[i]!)));
  });

  it('logits are not all zero and stay near the fp32 model: within 50% (L2) at 4 bits, 5% at 8 bits', () => {
    // uniform random weights are the worst case for 4 bits (a group's error s/sqrt(12) is about 7% of its
    // spread, compounded over two layers and the softmax); 8 bits are 16 times finer
    const f = interpret(c0, x).get('LOGITS')!.data;
    const rel = (a: Float64Array) => norm(a.map((v, i) => v - f[i]!)) / norm(f);
    const a = interpret(cq, q).get('LOGITS')!.data;
    expect(norm(a)).toBeGreaterThan(0.5 * norm(f));
    expect(rel(a)).toBeLessThan(0.5);
    const c8 = lowerFromCli({ ...base, wbits: '8', group: '32', kvBits: '8', kvGroup: '8', kvResidual: '16' });
    const a8 = interpret(c8, quantisedInputs(c0, c8, x, 16, 8, 8).q).get('LOGITS')!.data;
    expect(rel(a8)).toBeLessThan(0.05);
    expect(rel(a8)).toBeLessThan(rel(a) / 4);
  });
});
