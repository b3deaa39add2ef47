// Small hand-made graphs whose optimal schedules are derived by hand in the tests.
import { tierChain, type OpGraph, type TierChain } from '../../compiler/schedule';

/**
 * x -> A -> a -> B -> b -> C -> c;  D reads a and c -> y.   Sizes: x 10, a 20, b 20, c 20, y 10.
 * Footprints: A 30, B 40, C 40, D 50, so M_R = 50. Keeping everything: live bytes per step 30, 40, 60, 50,
 * so M_P = 60. Below 60, a (needed by D) cannot stay through C: one spill and one reload of a = 40 bytes.
 */
export function chainGraph(): OpGraph {
  return {
    name: 'chain',
    tensors: [
      { name: 'x', bytes: 10, kind: 'input' },
      { name: 'a', bytes: 20, kind: 'intermediate' },
      { name: 'b', bytes: 20, kind: 'intermediate' },
      { name: 'c', bytes: 20, kind: 'intermediate' },
      { name: 'y', bytes: 10, kind: 'output' },
    ],
    ops: [
      { name: 'A', inputs: [0], outputs: [1] },
      { name: 'B', inputs: [1], outputs: [2] },
      { name: 'C', inputs: [2], outputs: [3] },
      { name: 'D', inputs: [1, 3], outputs: [4] },
    ],
  };
}

export function twoTier(sramBytes: number): TierChain {
  return tierChain([
    { name: 'SRAM', capacityBytes: sramBytes, costPerByte: 0 },
    { name: 'HBM', capacityBytes: Infinity, costPerByte: 1 },
  ]);
}

export function threeTier(sramBytes: number, hbmBytes: number): TierChain {
  return tierChain([
    { name: 'SRAM', capacityBytes: sramBytes, costPerByte: 0 },
    { name: 'HBM', capacityBytes: hbmBytes, costPerByte: 1 },
    { name: 'DDR', capacityBytes: Infinity, costPerByte: 4 },
  ]);
}

/**
 * Two intermediates that must both leave SRAM for one big operator (fixed order A, B, C, D, E):
 *   A: x -> p (20);  B: x -> q (30);  C: x -> m (70);  D: m -> n (10);  E: p, q, n -> y (10).   x: 10, input.
 * At 80 bytes of SRAM, step C needs x + m = 80, so p and q (50) are spilled and reloaded for E.
 * Footprints: A 30, B 40, C 80, D 80, E 70.
 */
export function forkGraph(): OpGraph {
  return {
    name: 'fork',
    tensors: [
      { name: 'x', bytes: 10, kind: 'input' },
      { name: 'p', bytes: 20, kind: 'intermediate' },
      { name: 'q', bytes: 30, kind: 'intermediate' },
      { name: 'm', bytes: 70, kind: 'intermediate' },
      { name: 'n', bytes: 10, kind: 'intermediate' },
      { name: 'y', bytes: 10, kind: 'output' },
    ],
    ops: [
      { name: 'A', inputs: [0], outputs: [1] },
      { name: 'B', inputs: [0], outputs: [2] },
      { name: 'C', inputs: [0], outputs: [3] },
      { name: 'D', inputs: [3], outputs: [4] },
      { name: 'E', inputs: [1, 2, 4], outputs: [5] },
    ],
  };
}
