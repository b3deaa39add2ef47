// The one GEMM recogniser (compiler/map/gemm-view.ts): which einsums are GEMMs, and how their
// variables split into M, N, K and batch. Oracles: shapes written by hand, and the mapper's own
// contraction flag (compiler/map/workload.ts) over every einsum of the shipped examples and a
// lowered LLaMA-2-7B layer.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildModel, parseModelConfig } from '../../compiler/graph';
import { cascadeWorkloads } from '../../compiler/map';
import { gemmView, gemmViewOfWorkload, isGemm, isPlainGemm } from '../../compiler/map/gemm-view';
import { loadCascadeFile } from '../../compiler/lang';
import { gemmOf } from '../../targets/spatial-cycle';
import { cascade } from './helpers';

const root = join(import.meta.dirname, '..', '..');

describe('gemmView', () => {
  it('a GEMM: M from A only, N from B only, K reduced', () => {
    const c = cascade('rank M = 6, N = 5, K = 7\ninput A[M, K]: bf16\ninput B[K, N]: bf16\nZ[m, n]: fp32 = A[m, k] * B[k, n]\noutput Z\n');
    expect(gemmView(c, 0)).toEqual({ M: 6, N: 5, K: 7, batch: 1, mVars: ['m'], nVars: ['n'], kVars: ['k'], batchVars: [], a: 'A', b: 'B' });
    expect(isPlainGemm(gemmView(c, 0))).toBe(true);
  });

  it('a batched GEMM (heads), several reduced ranks, the operands either way round', () => {
    const c = cascade('rank H = 4, P = 8, M = 16, E = 3, F = 2\ninput Q[H, E, F, P]: bf16\ninput K[H, E, F, M]: bf16\nS[h, m, p]: fp32 = K[h, e, f, m] * Q[h, e, f, p]\noutput S\n');
    const g = gemmView(c, 0)!;
    expect(g).toMatchObject({ M: 16, N: 8, K: 6, batch: 4, mVars: ['m'], nVars: ['p'], kVars: ['e', 'f'], batchVars: ['h'], a: 'K', b: 'Q' });
    expect(isPlainGemm(g)).toBe(false);
  });

  it('not a GEMM: elementwise, a sum of one tensor, a max of a product, a product of three, a product with a constant', () => {
    const texts = [
      'rank M = 4, N = 4\ninput A[M, N]: fp32\ninput B[M, N]: fp32\nZ[m, n]: fp32 = A[m, n] * B[m, n]\noutput Z\n',
      'rank M = 4, N = 4\ninput A[M, N]: fp32\nZ[m]: fp32 = A[m, n]\noutput Z\n',
      'rank M = 4, N = 4, K = 4\ninput A[M, K]: fp32\ninput B[K, N]: fp32\nZ[m, n]: fp32 = max(k) A[m, k] * B[k, n]\noutput Z\n',
      'rank M = 4, N = 4, K = 4\ninput A[M, K]: fp32\ninput B[K, N]: fp32\ninput C[K]: fp32\nZ[m, n]: fp32 = A[m, k] * B[k, n] * C[k]\noutput Z\n',
      'rank M = 4, K = 4\ninput A[M, K]: fp32\nZ[m]: fp32 = A[m, k] * 2\noutput Z\n',
    ];
    let tested = 0;
    for (const t of texts) {
      const r = (() => {
        try {
          return cascade(t);
        } catch {
          return null;
        }
      })();
      if (!r) continue; // a form the language does not accept is not a GEMM either
      expect(gemmView(r, 0), t).toBeNull();
      expect(isGemm(r.einsums[0]!), t).toBe(false);
      tested++;
    }
    expect(tested).toBeGreaterThanOrEqual(4);
  });

  it('from a workload: an operand read twice and a gathered operand take the IR path and agree', () => {
    const c = cascade('rank M = 6, K = 7, V = 9, E = 4, D = 4\ninput A[M, K]: bf16\ninput TOK[M]: int32\ninput W[V, E]: bf16\ninput B[E, D]: bf16\nS[m]: fp32 = A[m, k] * A[m, k]\nG[m, d]: fp32 = W[TOK[m], e] * B[e, d]\noutput S, G\n');
    const ws = cascadeWorkloads(c);
    expect(ws.map((w) => gemmViewOfWorkload(c, w))).toEqual([gemmView(c, 0), gemmView(c, 1)]);
    expect(gemmView(c, 0)).toMatchObject({ M: 1, N: 1, K: 7, batch: 6, a: 'A', b: 'A' });
  });

  it('agrees with the mapper\'s contraction flag and the cycle engine\'s gemmOf on every einsum of the examples and a LLaMA layer', () => {
    const files = ['examples/gemm/gemm.ein', 'examples/attention/attention-1pass.ein', 'examples/attention/attention-3pass.ein'];
    const config = parseModelConfig(readFileSync(join(root, 'data/models/llama-2-7b.json'), 'utf8'), 'llama-2-7b.json');
    const cascades = [...files.map((f) => loadCascadeFile(join(root, f))), buildModel(config, { kind: 'prefill', batch: 1, seq: 128 }, { layers: 1, passes: 1, tile: 64 })];
    let gemms = 0;
    for (const c of cascades)
      for (const w of cascadeWorkloads(c)) {
        const g = gemmView(c, w.index);
        expect(g !== null, w.name).toBe(w.contraction);
        expect(gemmOf(c, w)).toEqual(g);
        // the lowering's front door reads the same view off the workload's masks
        expect(gemmViewOfWorkload(c, w)).toEqual(g);
        if (!g) continue;
        gemms++;
        // M, N, K and batch cover the iteration space exactly once
        expect([...g.mVars, ...g.nVars, ...g.kVars, ...g.batchVars].sort()).toEqual([...w.vars].sort());
        expect(g.M * g.N * g.K * g.batch).toBe(w.sizes.reduce((a, b) => a * b, 1));
        expect(g.kVars.sort()).toEqual([...w.reduced].sort());
      }
    expect(gemms).toBeGreaterThan(8);
  });
});
