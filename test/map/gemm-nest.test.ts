// A mapped contraction over more than three variables as a plain GEMM's loop nest (compiler/map/
// gemm-nest.ts), what the tiled-GEMM cycle engine runs: hand-derived merged extents, tiles and loop
// order; refusals where the merged nest would not be the same nest; and an extent-1 rank changes
// nothing (the engine's run equals the plain GEMM's).
import { describe, expect, it } from 'vitest';
import { einsumWorkload } from '../../compiler/map';
import { gemmView } from '../../compiler/map/gemm-view';
import { gemmNest } from '../../compiler/map/gemm-nest';
import type { EinsumMapping } from '../../compiler/map/mapping';
import { simulateTiledGemm } from '../../sim/spatial';
import { cascade } from './helpers';

const mapping = (rows: string, cols: string, tiles: Record<string, number>, loopOrder: string[]) =>
  ({ spatial: [{ var: rows, dim: 'rows' }, { var: cols, dim: 'cols' }], tiles, loopOrder }) as unknown as EinsumMapping;

// Q[b,h,e] = X[b,d] · W[d,h,e]: M = b, N = (h, e), K = d
const q = cascade('rank B = 6, H = 4, E = 8, D = 16\ninput X[B, D]: int8\nweight W[D, H, E]: int8\nZ[b, h, e]: int32 = X[b, d] * W[d, h, e]\noutput Z\n');
const wq = einsumWorkload(q, 0);
const gq = gemmView(q, 0)!;

describe('gemmNest', () => {
  it('merges the heads and the head dimension into N: tile h=2 x e=8 is a tile of 16 of 32', () => {
    const n = gemmNest(gq, wq, mapping('d', 'b', { b: 6, h: 2, e: 8, d: 16 }, ['h', 'e', 'b', 'd']), 4, 4)!;
    expect(n.sizes).toEqual([6, 32, 16]);
    expect(n.tiles).toEqual([6, 16, 16]);
    // d on the rows (K, role 2), b on the columns (M, role 0); the merged N loop sits where h was
    expect([n.rowVar, n.colVar]).toEqual([2, 0]);
    expect(n.order[0]).toBe(1);
    // X[b,d]: M and K; W[d,h,e]: N and K; Z[b,h,e]: M and N
    expect(n.masks).toEqual([0b101, 0b110, 0b011]);
  });

  it('a spatial head dimension merges only on whole array sides', () => {
    // e on the columns with h inside the tile: e = 8 on 4 columns folds as the merged tile does
    expect(gemmNest(gq, wq, mapping('d', 'e', { b: 6, h: 2, e: 8, d: 16 }, ['h', 'b', 'e', 'd']), 4, 4)).not.toBeNull();
    // on 16 columns, e = 8 leaves half the columns idle per head; the merged tile would fill them
    expect(gemmNest(gq, wq, mapping('d', 'e', { b: 6, h: 2, e: 8, d: 16 }, ['h', 'b', 'e', 'd']), 16, 16)).toBeNull();
    // alone in the tile (h tile 1), e folds the same on any array
    expect(gemmNest(gq, wq, mapping('d', 'e', { b: 6, h: 1, e: 8, d: 16 }, ['h', 'b', 'e', 'd']), 16, 16)).not.toBeNull();
  });

  it('refuses a nest whose role loops are split by another loop, or a ragged inner tile', () => {
    // h and e both looped (tiles 2 and 4), b's loop (2 trips) between them
    expect(gemmNest(gq, wq, mapping('d', 'b', { b: 3, h: 2, e: 4, d: 16 }, ['h', 'b', 'e', 'd']), 4, 4)).toBeNull();
    // e tile 3 of 8 is ragged, h inside the loop order of e with tile 2: the tiles do not line up
    expect(gemmNest(gq, wq, mapping('d', 'b', { b: 6, h: 2, e: 3, d: 16 }, ['e', 'h', 'b', 'd']), 4, 4)).toBeNull();
    // the outermost role variable ragged (e tile 3 of 8), h inside whole: tiles of 12 of 32, last 8
    expect(gemmNest(gq, wq, mapping('d', 'b', { b: 6, h: 4, e: 3, d: 16 }, ['e', 'h', 'b', 'd']), 4, 4)?.tiles).toEqual([6, 12, 16]);
  });

  it('an extent-1 rank changes nothing: the same engine run as the plain GEMM', () => {
    const plain = cascade('rank M = 12, N = 10, K = 9\ninput A[M, K]: int8\nweight B[K, N]: int8\nZ[m, n]: int32 = A[m, k] * B[k, n]\noutput Z\n');
    const padded = cascade('rank S = 1, M = 12, N = 10, K = 9\ninput A[S, M, K]: int8\nweight B[K, N]: int8\nZ[s, m, n]: int32 = A[s, m, k] * B[k, n]\noutput Z\n');
    const run = (c: typeof plain, order: string[]) => {
      const w = einsumWorkload(c, 0);
      const n = gemmNest(gemmView(c, 0)!, w, mapping('k', 'n', { s: 1, m: 4, n: 5, k: 9 }, order), 4, 4)!;
      return simulateTiledGemm({ rows: 4, cols: 4, pipelined: true, ...n, tensors: w.tensors.map((t, i) => ({ mask: n.masks[i]!, bytes: t.bytesPerElement, write: t.write, offDram: false })), dramBytesPerCycle: 2, dramLatencyCycles: 10 });
    };
    const a = run(plain, ['m', 'n', 'k']);
    expect(run(padded, ['s', 'm', 'n', 'k'])).toEqual(a);
    expect(run(padded, ['m', 'n', 'k', 's'])).toEqual(a);
    // the plain GEMM's folds, by hand: 3 m tiles x 2 n tiles, each 3 row folds (k = 9 on 4 rows) x 2 col folds
    expect(a.folds).toBe(3 * 2 * 3 * 2);
  });
});
