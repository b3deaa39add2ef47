// Tessera counts cycles, bytes and operations as exact integers in doubles: up to 2^53. A workload
// whose analytic estimate is already beyond that (a 1e9-cubed GEMM, --batch 2^53) is refused after
// mapping and before any engine runs, with the estimate; a Result that still carries a number beyond
// it is refused the same way rather than failing the schema as an internal error.
import type { Mapping } from '../../map';
import { UserError } from '../user-error';

const LIMIT = Number.MAX_SAFE_INTEGER;

/** Refuses a mapping whose analytic latency (all einsums and groups, all batch instances) is not exact. */
export function checkMappingExact(m: Mapping): void {
  const costs = [...m.einsums.filter((e) => e.group === undefined).map((e) => e.cost), ...m.groups.map((g) => g.cost)];
  const cycles = costs.reduce((s, c) => s + c.latencyCycles, 0);
  if (Number.isFinite(cycles) && cycles <= LIMIT) return;
  throw new UserError(`${m.workload} needs about ${cycles.toExponential(2)} cycles on ${m.target} (analytic estimate${m.batch && m.batch > 1 ? `, batch ${m.batch}` : ''}), beyond the 2^53 that Tessera counts exactly; use smaller shapes or a smaller --batch`);
}

/** The first field of a Result (or any JSON value) holding a number beyond 2^53, as a path, or undefined. */
export function inexactField(v: unknown, path = ''): string | undefined {
  if (typeof v === 'number') return Number.isFinite(v) && Math.abs(v) <= LIMIT ? undefined : path || '(value)';
  if (v === null || typeof v !== 'object') return undefined;
  for (const [k, x] of Object.entries(v)) {
    if (k === 'cascade') continue;
    const p = inexactField(x, path ? `${path}.${k}` : k);
    if (p !== undefined) return p;
  }
  return undefined;
}
