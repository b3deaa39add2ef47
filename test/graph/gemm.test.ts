// GEMM and batched GEMM builders against a triple loop written here.
import { describe, expect, it } from 'vitest';
import { buildGemm } from '../../compiler/graph';
import { interpret, randomInputs } from '../../compiler/interp';

describe('buildGemm', () => {
  it('Z = A B for a 5x7x3 GEMM and a batch of 3, B a weight', () => {
    for (const batch of [undefined, 3]) {
      const c = buildGemm({ m: 5, n: 7, k: 3, ...(batch ? { batch } : {}), weightB: true });
      expect(c.tensors.find((t) => t.name === 'B')!.role).toBe('weight');
      const inp = randomInputs(c, 2);
      const A = inp.get('A')!.data;
      const B = inp.get('B')!.data;
      const Z = interpret(c, inp).get('Z')!.data;
      const nb = batch ?? 1;
      for (let b = 0; b < nb; b++)
        for (let i = 0; i < 5; i++)
          for (let j = 0; j < 7; j++) {
            let s = 0;
            for (let k = 0; k < 3; k++) s += A[(b * 5 + i) * 3 + k]! * B[(b * 3 + k) * 7 + j]!;
            expect(Z[(b * 5 + i) * 7 + j]).toBeCloseTo(s, 5);
          }
    }
  });
  it('bf16 operands with fp32 accumulation carry the annotation', () => {
    const c = buildGemm({ m: 64, n: 48, k: 80, dtype: 'bf16', accDtype: 'fp32' });
    expect(c.einsums[0]!.dtype).toBe('fp32');
    expect(c.tensors.map((t) => [t.name, t.dtype])).toEqual([['A', 'bf16'], ['B', 'bf16'], ['Z', 'fp32']]);
  });
});
