// The order a cascade's einsums run in on a GPU: program order, except that each recurrence group
// (the non-init einsums iterating an iterative variable) runs as one host loop over that variable,
// members in program order at every step, at the position of the group's last member.
import { iterationVars, iterativeVars, rankOfVar, type Cascade } from '../../ir';

/** A cascade the WGSL back end cannot run, or a device that cannot hold it: a user-facing message. */
export class WgslError extends Error {
  override name = 'WgslError';
}

export type Step = { kind: 'einsum'; einsum: number } | { kind: 'loop'; variable: string; steps: number; members: number[] };

export function executionSteps(c: Cascade): Step[] {
  const iter = iterativeVars(c);
  const groupVar = new Map<number, string>();
  c.einsums.forEach((e, i) => {
    if (e.init) return;
    const vs = iterationVars(e).filter((v) => iter.includes(v));
    if (vs.length > 1) throw new WgslError(`einsum ${e.output.tensor} iterates over two iterative variables (${vs.join(', ')}); nested recurrences are not supported by the WGSL back end`);
    if (vs.length === 1) groupVar.set(i, vs[0]!);
  });
  const members = new Map<string, number[]>();
  for (const [i, v] of [...groupVar].sort((a, b) => a[0] - b[0])) members.set(v, [...(members.get(v) ?? []), i]);
  const out: Step[] = [];
  c.einsums.forEach((_, i) => {
    const v = groupVar.get(i);
    if (v === undefined) return void out.push({ kind: 'einsum', einsum: i });
    const ms = members.get(v)!;
    if (ms[ms.length - 1] !== i) return;
    const rank = rankOfVar(c, v);
    if (!rank) throw new Error(`iterative variable ${v} has no rank`);
    out.push({ kind: 'loop', variable: v, steps: rank.size, members: ms });
  });
  return out;
}
