// The walkthrough: register the roofline family, load a target that names it, and show what the
// mapper lowered and what each fidelity made of it. Run: npx tsx examples/engines/run.mjs
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseCascade } from '../../api/index.ts';
import { loadTarget } from '../../api/targets.ts';
import './roofline.mjs';

const dir = dirname(fileURLToPath(import.meta.url));

/** @returns {string} what `npx tsx examples/engines/run.mjs` prints */
export function walkthrough() {
  const cascade = parseCascade(readFileSync(join(dir, 'gemm-square.ein'), 'utf8'), 'gemm-square.ein').cascade;
  const target = loadTarget(join(dir, 'my-array.arch'));
  const m = target.map(cascade, undefined, {});
  const out = [`target ${target.name}: fidelities ${target.fidelities.join(', ')}`, 'lowered ops:'];
  for (const op of m.ops) {
    const shape = op.shape.vars.map((v, i) => `${v}=${op.shape.sizes[i]}`).join(' ');
    const binding = op.binding.map((b) => `${b.var}->${b.dim}`).join(' ') || 'none';
    const tiles = Object.entries(op.tiles).map(([v, n]) => `${v}:${n}`).join(' ');
    out.push(`  ${op.name.padEnd(3)} ${op.kind.padEnd(12)} on ${op.units.join('+')}: ${shape}, binding ${binding}, tiles ${tiles}, levels ${op.levels.join(' ')}, ${Math.round(op.cost.latencyCycles)} cycles (analytic)`);
  }
  for (const fidelity of ['analytic', 'cycle']) {
    const r = target.simulate(m, { fidelity });
    out.push(`${fidelity}: ${r.latencyCycles} cycles (${r.einsums.map((e) => `${e.name} ${e.latencyCycles}`).join(', ')})`);
    for (const w of r.warnings.filter((x) => /engine/.test(x))) out.push(`  warning: ${w}`);
  }
  return out.join('\n') + '\n';
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) process.stdout.write(walkthrough());
