// `tessera repro <paper>`: reruns a published comparison with Tessera's own models and prints our
// figures beside the paper's. `repro fusemax`: FuseMax vs FLAT attention (Nayak et al., MICRO 2024),
// both designs mapped analytically from their .arch files and the 1-/3-pass cascades in
// examples/fusemax/. Other papers add a subcommand below (one `.command(...)` block each).
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import cliProgress from 'cli-progress';
import type { Command } from 'commander';
import { parseCascade } from '../../lang';
import { DiagnosticError } from '../../ir';
import { simulateCascade } from '../pipeline';
import type { Result } from '../../../sim/core/result';
import { registerCosma } from './repro-cosma';
import { registerLut } from './repro-lut';
import { registerFlightllm } from './repro-flightllm';

const ROOT = resolve(import.meta.dirname, '../../..');
const DATA = join(ROOT, 'compiler/map/data/fusemax-workloads.json');
const EXAMPLES = join(ROOT, 'examples/fusemax');

interface PaperPoint {
  model: string;
  seq: string;
  flatLatencySeconds: number;
  fusemaxLatencySeconds: number;
  speedup: number;
  energyRatio: number;
  flatUtil2d: number;
  fusemaxUtil2d: number;
}

interface Workloads {
  batch: number;
  seqLens: Record<string, number>;
  models: { name: string; hidden: number; heads: number; headDim: number; source: string }[];
  paper: { source: string; meanSpeedup: number; meanEnergyRatio: number; points: PaperPoint[] };
}

export interface FusemaxRow {
  model: string;
  seq: string;
  tokens: number;
  fusemaxSeconds: number;
  flatSeconds: number;
  speedup: number;
  energyRatio: number;
  fusemaxUtil2d: number;
  flatUtil2d: number;
  fusemaxUtil1d: number;
  flatUtil1d: number;
  paper: { speedup: number; energyRatio: number; fusemaxUtil2d: number; flatUtil2d: number };
}

export interface FusemaxRepro {
  rows: FusemaxRow[];
  meanSpeedup: number;
  meanEnergyRatio: number;
  paper: { meanSpeedup: number; meanEnergyRatio: number; source: string };
  bert1k: { flatUtil2d: number; fusemaxUtil2d: number };
}

/** One head of attention at `tokens` (queries = keys = tokens), head dim `e`, from the example cascades. */
export function attentionCascade(passes: 1 | 3, tokens: number, e: number, m0: number) {
  const file = join(EXAMPLES, passes === 1 ? 'attention-1pass.ein' : 'attention-3pass.ein');
  const text = readFileSync(file, 'utf8')
    .replace(/^rank E = \d+, F = \d+, M = \d+, P = \d+$/m, `rank E = ${e}, F = ${e}, M = ${tokens}, P = ${tokens}`)
    .replace(/^rank M -> M1, M0 = \d+$/m, `rank M -> M1, M0 = ${m0}`);
  const r = parseCascade(text, file);
  if (!r.cascade) throw new DiagnosticError(r.diagnostics, text);
  r.cascade.name = `attention ${passes}-pass, ${tokens} tokens, head dim ${e}`;
  return r.cascade;
}

export function loadWorkloads(): Workloads {
  return JSON.parse(readFileSync(DATA, 'utf8')) as Workloads;
}

export function runFusemaxPoint(model: Workloads['models'][number], seq: string, w: Workloads): { fusemax: Result; flat: Result } {
  const tokens = w.seqLens[seq]!;
  const batch = w.batch * model.heads;
  const fusemax = simulateCascade(attentionCascade(1, tokens, model.headDim, 256), { target: 'fusemax', batch });
  const flat = simulateCascade(attentionCascade(3, tokens, model.headDim, 256), { target: 'flat', batch });
  return { fusemax, flat };
}

export function reproFusemax(onPoint?: (done: number, total: number) => void): FusemaxRepro {
  const w = loadWorkloads();
  const rows: FusemaxRow[] = [];
  const seqs = Object.keys(w.seqLens);
  const total = w.models.length * seqs.length;
  for (const model of w.models)
    for (const seq of seqs) {
      const { fusemax, flat } = runFusemaxPoint(model, seq, w);
      const p = w.paper.points.find((x) => x.model === model.name && x.seq === seq)!;
      rows.push({
        model: model.name,
        seq,
        tokens: w.seqLens[seq]!,
        fusemaxSeconds: fusemax.latencySeconds,
        flatSeconds: flat.latencySeconds,
        speedup: flat.latencySeconds / fusemax.latencySeconds,
        energyRatio: (fusemax.energyPj ?? NaN) / (flat.energyPj ?? NaN),
        fusemaxUtil2d: fusemax.utilization['PE2D'] ?? 0,
        flatUtil2d: flat.utilization['PE2D'] ?? 0,
        fusemaxUtil1d: fusemax.utilization['PE1D'] ?? 0,
        flatUtil1d: flat.utilization['PE1D'] ?? 0,
        paper: { speedup: p.speedup, energyRatio: p.energyRatio, fusemaxUtil2d: p.fusemaxUtil2d, flatUtil2d: p.flatUtil2d },
      });
      onPoint?.(rows.length, total);
    }
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  const bert = rows.find((r) => r.model === 'BERT' && r.seq === '1K')!;
  return {
    rows,
    meanSpeedup: mean(rows.map((r) => r.speedup)),
    meanEnergyRatio: mean(rows.map((r) => r.energyRatio)),
    paper: { meanSpeedup: w.paper.meanSpeedup, meanEnergyRatio: w.paper.meanEnergyRatio, source: w.paper.source },
    bert1k: { flatUtil2d: bert.flatUtil2d, fusemaxUtil2d: bert.fusemaxUtil2d },
  };
}

export function formatFusemax(r: FusemaxRepro): string {
  const f2 = (x: number) => x.toFixed(2);
  const f3 = (x: number) => x.toFixed(3);
  const lines = [
    'FuseMax vs FLAT, attention, batch 64, analytic (ours | paper)',
    'model  seq    speedup         energy ratio    2D util FuseMax   2D util FLAT     1D util FuseMax/FLAT',
  ];
  for (const x of r.rows)
    lines.push(
      `${x.model.padEnd(6)} ${x.seq.padEnd(5)}  ${f2(x.speedup).padStart(6)} | ${f2(x.paper.speedup).padEnd(5)}  ${f3(x.energyRatio).padStart(6)} | ${f3(x.paper.energyRatio).padEnd(5)}  ${f3(x.fusemaxUtil2d).padStart(6)} | ${f3(x.paper.fusemaxUtil2d).padEnd(5)}   ${f3(x.flatUtil2d).padStart(6)} | ${f3(x.paper.flatUtil2d).padEnd(5)}   ${f3(x.fusemaxUtil1d)} / ${f3(x.flatUtil1d)}`,
    );
  lines.push(`mean   all    ${f2(r.meanSpeedup).padStart(6)} | ${f2(r.paper.meanSpeedup).padEnd(5)}  ${f3(r.meanEnergyRatio).padStart(6)} | ${f3(r.paper.meanEnergyRatio)}`);
  lines.push(`paper figures: ${r.paper.source}`);
  return lines.join('\n') + '\n';
}

export function register(program: Command): void {
  const repro = program.command('repro').description('reproduce a published comparison with Tessera\'s models, beside the paper\'s figures');
  repro
    .command('fusemax')
    .description('FuseMax vs FLAT attention (MICRO 2024): speedup, energy and 2D utilization per model and sequence length')
    .option('--json', 'print a deterministic JSON document instead of the table')
    .action((opts: { json?: boolean }) => {
      // 48 fused mappings take a few seconds: a progress bar on a terminal, nothing with --json
      const bar = !opts.json && process.stderr.isTTY ? new cliProgress.SingleBar({ format: 'repro fusemax [{bar}] {value}/{total} points', clearOnComplete: true }, cliProgress.Presets.shades_classic) : undefined;
      let r: FusemaxRepro;
      try {
        r = reproFusemax((done, total) => (done === 1 ? bar?.start(total, done) : bar?.update(done)));
      } finally {
        bar?.stop();
      }
      process.stdout.write(opts.json ? JSON.stringify(r, null, 2) + '\n' : formatFusemax(r));
    });
  registerCosma(repro);
  registerLut(repro);
  registerFlightllm(repro);
}
