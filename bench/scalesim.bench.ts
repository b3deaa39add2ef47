// Benchmark: SCALE-Sim's gpt2.csv on a 256×256 weight-stationary array with google.cfg's memory
// settings (the same run as `tessera scalesim --config google.cfg --topology gpt2.csv`). Each case
// runs the front end as the command does (.cfg -> target, topology -> cascade, simulateCascade at
// cycle fidelity: mapper + scalesim engine) and, for comparison, the fold-level engine alone on the
// same layers (the direct path the front end replaced). Prints wall time, peak RSS and simulated
// cycles per second. Targets (issue): under 2 s wall, under 500 MB RSS.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { simulateCascade } from '../compiler/driver/pipeline';
import { parseScaleSimConfig, parseTopology, scaleSimCascade, scaleSimSpec, systolicConfigFromScaleSim, type ScaleSimConfig, type TopologyLayer } from '../sim/spatial/scalesim';
import { simulateSystolic } from '../sim/spatial/systolic';
import { targetFromSpec } from '../targets/target';

const data = join(dirname(fileURLToPath(import.meta.url)), '../data/scalesim');

function load(cfgName: string, topoName: string, override?: { rows: number; cols: number; user?: boolean }) {
  const cfgPath = join(data, cfgName);
  const topoPath = join(data, topoName);
  const cfg = parseScaleSimConfig(readFileSync(cfgPath, 'utf8'), cfgPath).config!;
  const topo = parseTopology(readFileSync(topoPath, 'utf8'), topoPath);
  const config = override ? { ...cfg, arrayHeight: override.rows, arrayWidth: override.cols, interfaceBandwidth: override.user ? ('USER' as const) : cfg.interfaceBandwidth } : cfg;
  return { config, layers: topo.layers };
}

function median(f: () => void): { median: number; min: number } {
  const times: number[] = [];
  for (let i = 0; i < 7; i++) {
    const t0 = performance.now();
    f();
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  return { median: times[Math.floor(times.length / 2)]!, min: times[0]! };
}

/** the front end, as `tessera scalesim` runs it */
function frontEnd(config: ScaleSimConfig, layers: TopologyLayer[], workload: string) {
  const spec = scaleSimSpec(config);
  const { cascade } = scaleSimCascade(layers, workload);
  return simulateCascade(cascade, { target: targetFromSpec(spec), fidelity: 'cycle' });
}

function bench(label: string, cfgName: string, topoName: string, override?: { rows: number; cols: number; user?: boolean }): void {
  const { config, layers } = load(cfgName, topoName, override);
  let cycles = 0;
  let folds = 0;
  const pipe = median(() => {
    const r = frontEnd(config, layers, topoName);
    cycles = r.latencyCycles;
    folds = r.einsums.reduce((s, e) => s + (e as { folds?: number }).folds!, 0);
  });
  const sys = systolicConfigFromScaleSim(config);
  const direct = median(() => {
    for (const l of layers) simulateSystolic(l, sys);
  });
  console.log(
    `${label}: ${layers.length} layers, ${folds} folds, ${cycles} simulated cycles; wall median ${pipe.median.toFixed(2)} ms (min ${pipe.min.toFixed(2)}); ` +
      `${(cycles / (pipe.median / 1000)).toExponential(3)} simulated cycles/s; engine alone ${direct.median.toFixed(2)} ms`,
  );
}

const t0 = performance.now();
bench('gpt2.csv on google.cfg (256x256 ws, CALC)', 'google.cfg', 'gpt2.csv');
bench('gpt2.csv on google.cfg memory, USER bandwidth 10 words/cycle', 'google.cfg', 'gpt2.csv', { rows: 256, cols: 256, user: true });
bench('gpt2.csv on an 8x8 ws array (many folds), USER 10 words/cycle', 'google.cfg', 'gpt2.csv', { rows: 8, cols: 8, user: true });
bench('alexnet.csv on scale.cfg (32x32 os)', 'scale.cfg', 'alexnet.csv');
const rss = process.resourceUsage().maxRSS / 1024;
console.log(`total bench wall ${(performance.now() - t0).toFixed(0)} ms; peak RSS ${rss.toFixed(1)} MB (process, including the Node runtime)`);
