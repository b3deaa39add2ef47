// Target fusemax: its .arch file plus the analytical mapper; FuseMax pipelines a 1-pass cascade across
// its 2D and 1D arrays (REFERENCES.md, FuseMax binding) and fuses other chains over row blocks.
// A cycle-level engine plugs in by setting `cycle` below (see targets/target.ts).
import { join } from 'node:path';
import { defineAnalyticTarget } from '../target';
import { spatialCycleSimulator } from '../spatial-cycle';

export const target = defineAnalyticTarget({
  name: 'fusemax',
  archPath: join(import.meta.dirname, 'fusemax.arch'),
  fusion: 'auto',
  cycle: spatialCycleSimulator,
});
