// The walkthrough: register the roofline family, load a target that names it, and show what the
// mapper lowered and what each fidelity made of it. Run: npx tsx examples/engines/run.ts
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseCascade } from '../../api/index';
import { loadTarget } from '../../api/targets';
import './roofline';

export function walkthrough(): string {
  const dir = import.meta.dirname;
  const cascade = parseCascade(readFileSync(join(dir, 'gemm-square.ein'), 'utf8'), 'gemm-square.ein').cascade!;
  const target = loadTarget(join(dir, 'my-array.arch'));
  const m = target.map(cascade, undefined, {});
  const out = [`target ${target.name}: fidelities ${target.fidelities.join(', ')}`, 'lowered ops:'];
  for (const op of m.ops)
    out.push(`  ${op.name.padEnd(3)} ${op.kind.padEnd(12)} on ${op.units.join('+')}: ${op.shape.vars.map((v, i) => `${v}=${op.shape.sizes[i]}`).join(' ')}, binding ${op.binding.map((b) => `${b.var}->${b.dim}`).join(' ') || 'none'}, tiles ${Object.entries(op.tiles).map(([v, n]) => `${v}:${n}`).join(' ')}, levels ${op.levels.join(' ')}, ${Math.round(op.cost.latencyCycles)} cycles (analytic)`);
  for (const fidelity of ['analytic', 'cycle'] as const) {
    const r = target.simulate(m, { fidelity });
    out.push(`${fidelity}: ${r.latencyCycles} cycles (${r.einsums.map((e) => `${e.name} ${e.latencyCycles}`).join(', ')})`);
    for (const w of r.warnings.filter((x) => /engine/.test(x))) out.push(`  warning: ${w}`);
  }
  return out.join('\n') + '\n';
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].split('/').pop()!)) process.stdout.write(walkthrough());
