// Target u280: its .arch file plus the analytical mapper; einsums are mapped one by one by the mapper search.
// A cycle-level engine plugs in by setting `cycle` below (see targets/target.ts).
import { join } from 'node:path';
import { defineAnalyticTarget } from '../target';

export const target = defineAnalyticTarget({
  name: 'u280',
  archPath: join(import.meta.dirname, 'u280.arch'),
  fusion: 'none',
});
