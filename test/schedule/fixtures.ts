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
