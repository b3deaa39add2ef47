// `lower --sparsity N:M`: which weights are pruned and along which rank, the packed bytes of a pruned weight
// (N/M of the values at their width plus a log2(M)-bit index each, ir/sparsity.ts) against hand-derived counts,
// the capacity stage's footprint of LLaMA-2-7B layers, a lowered model the interpreter runs, and bad flags.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { lowerFromCli } from '../../compiler/driver/commands/lower';
import { footprint } from '../../compiler/driver/stages/capacity';
import { interpret, randomInputs, type TensorData } from '../../compiler/interp';
import { cascadesEqual, keptAlong, printCascade, tensorBytesPacked, tensorBytesPerElement, type Tensor } from '../../compiler/ir';
import { parseCascade } from '../../compiler/lang';
import { runCli } from '../helpers/cli';

const w = (dims: [string, number][], dtype: Tensor['dtype'], n: number, m: number, rank: string): Tensor => ({ name: 'W', role: 'weight', dtype, dims: dims.map(([r, e]) => ({ rank: r, extent: e })), sparsity: { n, m, rank } });

describe('packed bytes of a pruned weight', () => {
  it('kept values along a rank: N per full group of M, min(N, rest) in the last', () => {
    expect(keptAlong(4096, { n: 8, m: 16 })).toBe(2048);
    expect(keptAlong(10, { n: 2, m: 4 })).toBe(2 + 2 + 2);
    expect(keptAlong(9, { n: 2, m: 4 })).toBe(2 + 2 + 1);
    expect(keptAlong(3, { n: 8, m: 16 })).toBe(3);
  });

  it('hand-derived sizes', () => {
    // 4096 x 4096 int4 at 8:16: 8,388,608 kept x (4 + 4) bits = 8 MiB, the same as dense int4 (the index eats the saving)
    expect(tensorBytesPacked(w([['K', 4096], ['N', 4096]], 'int4', 8, 16, 'K'))).toBe(8_388_608);
    // int8 at 8:16: 8,388,608 x 12 bits = 12,582,912 bytes, three quarters of dense
    expect(tensorBytesPacked(w([['K', 4096], ['N', 4096]], 'int8', 8, 16, 'K'))).toBe(12_582_912);
    // fp16 2:4 on K = 10, N = 3: 6 kept a column, 18 x (16 + 2) = 324 bits = 40.5, so 41 bytes
    expect(tensorBytesPacked(w([['K', 10], ['N', 3]], 'fp16', 2, 4, 'K'))).toBe(41);
    // the pruned rank second: W[N = 3, K = 20] 4:16 int4: 4 + 4 kept a row, 24 x 8 bits = 24 bytes
    expect(tensorBytesPacked(w([['N', 3], ['K', 20]], 'int4', 4, 16, 'K'))).toBe(24);
    // fp16 8:16 per dense element: half of (16 + 4) bits = 1.25 bytes
    expect(tensorBytesPerElement(w([['K', 4096], ['N', 64]], 'fp16', 8, 16, 'K'))).toBe(1.25);
  });
});

const llama = join(import.meta.dirname, '../../data/models/llama-2-7b.json');
const tiny = join(import.meta.dirname, '../../examples/models/tiny-llama.json');
const lower = (model: string, extra: Record<string, string> = {}) => lowerFromCli({ model, phase: 'decode', batch: '1', kv: '512', passes: '3', layers: '2', ...extra });

describe('lower --sparsity', () => {
  it('prunes the seven projections of each LLaMA block along their contracted rank; embedding, norms and LM head stay dense', () => {
    const c = lower(llama, { sparsity: '8:16' });
    const pruned = c.tensors.filter((t) => t.sparsity).map((t) => `${t.name}:${t.sparsity!.rank}`);
    const layer = (l: number) => [`L${l}_WQ:D`, `L${l}_WK:D`, `L${l}_WV:D`, `L${l}_WO:F`, `L${l}_WG:D`, `L${l}_WU:D`, `L${l}_WD:I`];
    expect([...pruned].sort()).toEqual([...layer(0), ...layer(1)].sort());
    for (const name of ['WTE', 'LM_HEAD', 'FN_W', 'L0_AN_W']) expect(c.tensors.find((t) => t.name === name)!.sparsity).toBeUndefined();
  });

  it('with --wbits the int4 codes W_Q carry the pattern, and the .ein round-trips', () => {
    const c = lower(llama, { sparsity: '8:16', wbits: '4', group: '128' });
    expect(c.tensors.filter((t) => t.sparsity).map((t) => t.name)).toContain('L0_WD_Q');
    expect(c.tensors.find((t) => t.name === 'L0_WD_S')!.sparsity).toBeUndefined();
    const text = printCascade(c);
    expect(text).toMatch(/^weight L0_WD_Q\[I, D\]: int4 sparse\(8:16, I\)$/m);
    const back = parseCascade(text).cascade!;
    expect(cascadesEqual(back, c)).toBe(true);
    expect(printCascade(back)).toBe(text.replace(/^# .*\n/, '')); // the name line is a comment
  });

  it('the capacity footprint of two LLaMA-2-7B layers: fp16 8:16 saves 0.75 bytes a weight; int4 8:16 saves nothing; int3 8:16 costs 1/16 byte more', () => {
    // per layer: q, k, v, o 4096 x 4096 and gate, up, down 4096 x 11008: 202,375,168 weights; two layers 404,750,336
    const pruned = 2 * (4 * 4096 * 4096 + 3 * 4096 * 11008);
    const dense = footprint(lower(llama)).weightsBytes;
    // fp16: 16 bits dense, 8:16 keeps half at 16 + 4 bits: 10 bits, 0.75 bytes less per weight
    expect(footprint(lower(llama, { sparsity: '8:16' })).weightsBytes).toBe(dense - 0.75 * pruned);
    const int4 = footprint(lower(llama, { wbits: '4' })).weightsBytes;
    expect(footprint(lower(llama, { wbits: '4', sparsity: '8:16' })).weightsBytes).toBe(int4);
    // int3: 3 bits dense against half at 3 + 4 = 3.5 bits
    const int3 = footprint(lower(llama, { wbits: '3' })).weightsBytes;
    expect(footprint(lower(llama, { wbits: '3', sparsity: '8:16' })).weightsBytes).toBe(int3 + pruned / 16);
  });

  it('the interpreter runs the lowered pruned model: equal to the dense model fed weights pruned by hand', () => {
    const sparse = lower(tiny, { sparsity: '2:4', kv: '16' });
    const dense = lower(tiny, { kv: '16' });
    const x = randomInputs(dense, 3);
    // an independent pruning: per group of 4 along the tensor's pruned dim, keep the 2 largest |v| (ties: lower index)
    const fed = new Map<string, TensorData>(x);
    for (const t of sparse.tensors.filter((u) => u.sparsity)) {
      const d = x.get(t.name)!;
      const dim = t.dims.findIndex((q) => q.rank === t.sparsity!.rank);
      const stride = t.dims.slice(dim + 1).reduce((p, q) => p * q.extent, 1);
      const len = t.dims[dim]!.extent;
      const out = Float64Array.from(d.data);
      for (let i = 0; i < out.length; i++) {
        const k = Math.floor(i / stride) % len;
        if (k % 4 !== 0) continue;
        const members = [0, 1, 2, 3].filter((j) => k + j < len).map((j) => i + j * stride);
        const keep = [...members].sort((a, b) => Math.abs(d.data[b]!) - Math.abs(d.data[a]!) || a - b).slice(0, 2);
        for (const p of members) if (!keep.includes(p)) out[p] = 0;
      }
      fed.set(t.name, { ...d, data: out });
    }
    const ys = interpret(sparse, x);
    const yd = interpret(dense, fed);
    const out = sparse.outputs[0]!;
    expect([...ys.get(out)!.data]).toEqual([...yd.get(out)!.data]);
    // and pruning changed the logits
    expect([...ys.get(out)!.data]).not.toEqual([...interpret(dense, x).get(out)!.data]);
  });

  for (const [flag, msg] of [
    ['8-16', /--sparsity must be N:M, two integers .* got "8-16"/],
    ['2:3', /--sparsity 2:3: M must be a power of two from 2 to 256/],
    ['16:16', /--sparsity 16:16: N must be less than M/],
    ['0:4', /--sparsity 0:4: N must be at least 1/],
  ] as const)
    it(`--sparsity ${flag} is refused plainly (exit 1)`, async () => {
      const r = await runCli(['lower', '--model', 'examples/models/tiny-llama.json', '--phase', 'decode', '--kv', '64', '--sparsity', flag]);
      expect(r.code).toBe(1);
      expect(r.err).toMatch(msg);
      expect(r.err).not.toMatch(/\n\s+at /);
    });
});
