// Target flat: its .arch file plus the analytical mapper; FLAT fuses attention over blocks of query rows,
// all passes on chip (FuseMax's baseline); its 1-deep registers rule out the FuseMax binding.
// A cycle-level engine plugs in by setting `cycle` below (see targets/target.ts).
import { join } from 'node:path';
import { defineAnalyticTarget } from '../target';
import { spatialCycleSimulator } from '../spatial-cycle';

export const target = defineAnalyticTarget({
  name: 'flat',
  archPath: join(import.meta.dirname, 'flat.arch'),
  fusion: 'auto',
  cycle: spatialCycleSimulator,
});
