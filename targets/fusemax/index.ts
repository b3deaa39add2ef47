// Target fusemax: its .arch file plus the analytical mapper; FuseMax pipelines its 1-pass cascade across the 2D and 1D arrays (REFERENCES.md, FuseMax binding).
// A cycle-level engine plugs in by setting `cycle` below (see targets/target.ts).
import { join } from 'node:path';
import { defineAnalyticTarget } from '../target';
import { spatialCycleSimulator } from '../spatial-cycle';

export const target = defineAnalyticTarget({
  name: 'fusemax',
  archPath: join(import.meta.dirname, 'fusemax.arch'),
  fusion: 'pipeline',
  cycle: spatialCycleSimulator,
});
