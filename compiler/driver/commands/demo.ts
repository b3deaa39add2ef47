// `tessera demo`: the main job on the built-in attention example, end to end. It parses the 3-, 2- and
// 1-pass softmax cascades, counts their passes over M, runs each in the interpreter on the same
// seeded inputs to show they compute the same AV, then maps the 3-pass cascade onto FLAT and the
// 1-pass cascade onto FuseMax and compares latency, utilization and energy.
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import { countPasses } from '../../analysis';
import { compareTensors, interpret, randomInputs } from '../../interp';
import { loadCascadeFile } from '../../lang';
import { formatResult, simulateCascade } from '../pipeline';

const EXAMPLES = join(dirname(fileURLToPath(import.meta.url)), '../../../examples/attention');
const VARIANTS = [
  { file: 'attention-3pass.ein', target: 'flat' },
  { file: 'attention-2pass.ein', target: undefined },
  { file: 'attention-1pass.ein', target: 'fusemax' },
] as const;

export function register(program: Command): void {
  program
    .command('demo')
    .description('run the built-in attention example end to end: passes, interpreter agreement, FLAT vs FuseMax')
    .option('--seed <n>', 'seed for the random inputs', '1')
    .option('--json', 'print the figures as JSON (docs/schema/demo.schema.json)')
    .action((o: { seed: string; json?: boolean }) => {
      const seed = Number(o.seed);
      process.stdout.write(o.json ? JSON.stringify(demoData(seed), null, 2) + '\n' : demo(seed));
    });
}

/** The demo's figures: each variant's passes, their agreement in the interpreter, FLAT against FuseMax. */
export function demoData(seed: number) {
  // Loaded by a path relative to the working directory, so reports name the files as a user would.
  const cascades = VARIANTS.map((v) => ({ ...v, cascade: loadCascadeFile(relative(process.cwd(), join(EXAMPLES, v.file))) }));
  const inputs = randomInputs(cascades[0]!.cascade, seed);
  const av = cascades.map((v) => interpret(v.cascade, inputs).get('AV')!);
  const agreement = cascades.slice(1).map((v, i) => {
    const cmp = compareTensors(av[i + 1]!, av[0]!);
    return { file: v.file, maxAbsError: cmp.maxAbsError, maxRelError: cmp.maxRelError };
  });
  const results = cascades.filter((v) => v.target !== undefined).map((v) => simulateCascade(v.cascade, { target: v.target!, seed }));
  const [flat, fusemax] = results;
  const energyRatio = fusemax!.energyPj !== null && flat!.energyPj !== null ? fusemax!.energyPj / flat!.energyPj : null;
  return {
    seed,
    variants: cascades.map((v) => ({ file: v.file, einsums: v.cascade.einsums.length, passes: countPasses(v.cascade, 'M') })),
    agreement,
    results,
    fusemaxSpeedup: flat!.latencyCycles / fusemax!.latencyCycles,
    fusemaxEnergyRatio: energyRatio,
  };
}

export function demo(seed: number): string {
  const d = demoData(seed);
  const out: string[] = [];
  out.push('1. Three softmax cascades for the same attention, and their passes over M (FuseMax, MICRO 2024):');
  for (const v of d.variants) out.push(`   ${v.file.padEnd(22)} ${String(v.einsums).padStart(2)} einsums, ${v.passes} pass(es)`);

  out.push('', `2. The interpreter runs each on the same random Q, K, V (seed ${seed}); AV agrees with the 3-pass result:`);
  for (const a of d.agreement) out.push(`   ${a.file.padEnd(22)} max abs error ${a.maxAbsError.toExponential(2)}, max rel error ${a.maxRelError.toExponential(2)}`);

  out.push('', '3. Mapped onto the accelerators they were designed for (analytic model):');
  for (const r of d.results) out.push(...formatResult(r).trimEnd().split('\n').map((l) => `   ${l}`));
  out.push('', `   FuseMax runs this attention ${d.fusemaxSpeedup.toFixed(2)}x faster than FLAT, using ${((d.fusemaxEnergyRatio ?? NaN) * 100).toFixed(0)}% of its energy.`);
  out.push('', `Next: tessera repro fusemax (the paper's table), tessera run ${relative(process.cwd(), join(EXAMPLES, 'attention-1pass.ein'))} --target fusemax --json`);
  return out.join('\n') + '\n';
}
