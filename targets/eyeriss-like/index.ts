// Target eyeriss-like: its .arch file plus the analytical mapper; einsums are mapped one by one by the mapper search.
// A cycle-level engine plugs in by setting `cycle` below (see targets/target.ts).
import { join } from 'node:path';
import { defineAnalyticTarget } from '../target';
import { spatialCycleSimulator } from '../spatial-cycle';

export const target = defineAnalyticTarget({
  name: 'eyeriss-like',
  archPath: join(import.meta.dirname, 'eyeriss-like.arch'),
  fusion: 'none',
  cycle: spatialCycleSimulator,
});
