// Target a100: its .arch file plus the analytical mapper; einsums are mapped one by one by the mapper search.
// A cycle-level engine plugs in by setting `cycle` below (see targets/target.ts).
import { join } from 'node:path';
import { defineAnalyticTarget } from '../target';
import { gpuCycleSimulator } from '../../sim/gpu';

export const target = defineAnalyticTarget({
  name: 'a100',
  archPath: join(import.meta.dirname, 'a100.arch'),
  fusion: 'none',
  cycle: gpuCycleSimulator, // sim/gpu: calibrated GEMM/attention model, one kernel per einsum
});
