// The execution order of a cascade: einsums in program order, except that the members of a
// recurrence group run as one loop over their iterative variable, at the position of the last member.
import { DiagnosticError, error, einsumName, iterationVars, iterativeVars, rankOfVar, type Cascade } from '../ir';

export type Unit =
  | { kind: 'einsum'; index: number }
  /** members in program order; `reducesIter[k]` when member k reduces over `iterVar` (accumulates across steps) */
  | { kind: 'group'; iterVar: string; steps: number; members: number[] };

export function executionPlan(c: Cascade): Unit[] {
  const iter = new Set(iterativeVars(c));
  const groupVar = c.einsums.map((e, i) => {
    if (e.init) return null;
    const vs = iterationVars(e).filter((v) => iter.has(v));
    if (vs.length > 1)
      throw new DiagnosticError([
        error('unsupported', `${einsumName(c, i)} iterates over two iterative variables (${vs.join(', ')}); the interpreter runs one recurrence loop per einsum`, e.loc),
      ]);
    return vs[0] ?? null;
  });
  const units: Unit[] = [];
  c.einsums.forEach((_, i) => {
    const v = groupVar[i];
    if (v === null || v === undefined) {
      units.push({ kind: 'einsum', index: i });
      return;
    }
    const members = groupVar.map((g, j) => (g === v ? j : -1)).filter((j) => j >= 0);
    if (members[members.length - 1] !== i) return;
    units.push({ kind: 'group', iterVar: v, steps: rankOfVar(c, v)!.size, members });
  });
  return units;
}
