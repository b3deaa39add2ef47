// analyze counts a pruned weight as stored: kept values at their width plus a log2(M)-bit index each.
// Oracle: hand arithmetic on the declared shape.
import { describe, expect, it } from 'vitest';
import { parseCascade } from '../../compiler/lang';
import { analyzeCascade } from '../../compiler/analysis/analyze';

describe('analyze: pruned weights', () => {
  it('int8 8:16 along K of a 32 x 4 weight: 4 columns x 2 groups x 8 kept x (8 + 4) bits = 96 bytes (dense 128)', () => {
    const c = parseCascade('rank M = 2, K = 32, N = 4\ninput X[M, K]: int8\nweight W[K, N]: int8 sparse(8:16, K)\nY[m, n]: int32 = X[m, k] * W[k, n]\noutput Y\n', 's.ein').cascade!;
    const a = analyzeCascade(c);
    expect(a.tensors.find((t) => t.name === 'W')!.bytes).toBe(96);
    expect(a.tensors.find((t) => t.name === 'X')!.bytes).toBe(64);
  });
});
