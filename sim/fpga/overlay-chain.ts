// Level 3 of the FlightLLM-style overlay: every DSP chain stepped cycle by cycle, computing the INT8 products
// it selects. A chain (one output element of the tile) holds the nonzero (k, w) pairs of its weight column;
// each cycle it consumes up to pK of them, multiplies by the selected activations and accumulates. A tile
// finishes when every chain has drained, plus the chain's pipeline fill of pK cycles. Typed arrays, no
// per-chain objects. The level-2 engine (overlay.ts) must equal its cycle count exactly.
import type { EngineMode } from './overlay';

export interface ChainResult {
  cycles: number;
  y: Int32Array;
}

/**
 * X: rows x K int8 activations (row-major); W: K x cols weights (zeros are pruned entries, which the chain skips
 * because the sparse index never selects them). mask[k*cols+c] = 1 where a weight is kept (it may be zero-valued).
 */
export function runChains(X: Int8Array, W: Int8Array, mask: Uint8Array, rows: number, K: number, cols: number, mode: EngineMode): ChainResult {
  const y = new Int32Array(rows * cols);
  // per-column list of kept k indices, in a CSR layout
  const start = new Int32Array(cols + 1);
  for (let c = 0; c < cols; c++) {
    let n = 0;
    for (let k = 0; k < K; k++) n += mask[k * cols + c];
    start[c + 1] = start[c] + n;
  }
  const idx = new Int32Array(start[cols]);
  const fill = start.slice(0, cols);
  for (let k = 0; k < K; k++) for (let c = 0; c < cols; c++) if (mask[k * cols + c]) idx[fill[c]++] = k;
  const ptr = new Int32Array(mode.m * mode.n);
  let cycles = 0;
  for (let r0 = 0; r0 < rows; r0 += mode.m) {
    for (let c0 = 0; c0 < cols; c0 += mode.n) {
      // every chain of the tile (row r0+i, column c0+j) starts at its column's first kept weight
      for (let i = 0; i < mode.m; i++) for (let j = 0; j < mode.n; j++) ptr[i * mode.n + j] = c0 + j < cols ? start[c0 + j] : 0;
      let busy = true;
      let steps = 0;
      while (busy) {
        busy = false;
        for (let i = 0; i < mode.m; i++) {
          const r = r0 + i;
          for (let j = 0; j < mode.n; j++) {
            const c = c0 + j;
            if (r >= rows || c >= cols) continue;
            const p = i * mode.n + j;
            const end = start[c + 1];
            if (ptr[p] >= end) continue;
            const stop = Math.min(end, ptr[p] + mode.k);
            let acc = y[r * cols + c];
            for (let q = ptr[p]; q < stop; q++) acc += X[r * K + idx[q]] * W[idx[q] * cols + c];
            y[r * cols + c] = acc;
            ptr[p] = stop;
            busy = true;
          }
        }
        if (busy) steps++;
      }
      // plus the chain's pipeline fill: pK cycles per tile
      cycles += steps + mode.k;
    }
  }
  return { cycles, y };
}
