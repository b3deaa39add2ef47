// The `scalesim` family: a SCALE-Sim v2 machine running every GEMM the way SCALE-Sim does
// (targets/scalesim-engine.ts); `attr engine = scalesim`, as a SCALE-Sim .cfg's target says.
import { scaleSimFinish, scaleSimGemmEngine, scaleSimUnsupported, scaleSimWarnings } from '../scalesim-engine';
import { registerEngine } from './registry';

export const scaleSimFamily = registerEngine({
  name: 'scalesim',
  description: 'SCALE-Sim v2 machines (array2d, IFMAP/FILTER/OFMAP_SRAM, DRAM), one simulateSystolic per GEMM, as SCALE-Sim: targets/scalesim-engine.ts',
  unsupported: scaleSimUnsupported,
  ops: [scaleSimGemmEngine],
  warnings: scaleSimWarnings,
  finish: scaleSimFinish,
});
