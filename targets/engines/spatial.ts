// The `spatial` family: 2D (and 1D) arrays, per op kind: fused groups on their dataflow's cycle
// engine (FuseMax 2D+1D, FLAT row blocks), contractions on the tiled-GEMM engine when the mapping
// is a plain GEMM bound to both array dimensions, else on the fold-level systolic engine;
// elementwise and reduction ops keep their analytic cost (the Result says so).
import { systolicGemmEngine, tiledGemmEngine } from '../spatial-cycle';
import { fusedAttentionEngine } from './fused-attention';
import { registerEngine } from './registry';

export const spatialFamily = registerEngine({
  name: 'spatial',
  description: 'systolic arrays per fold, FuseMax 2D+1D and FLAT row blocks: sim/spatial',
  unsupported: (s) => (s.computes.some((c) => c.kind === 'array2d' && c.rows && c.cols) ? null : 'it needs a compute unit of kind array2d with rows and cols'),
  ops: [fusedAttentionEngine, tiledGemmEngine, systolicGemmEngine],
});
