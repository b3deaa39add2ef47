// `tessera repro flightllm`: LLaMA2-7B decode on the FlightLLM-style overlay (sim/fpga) for u280 and vhk158,
// beside FlightLLM's figures (Zeng et al., FPGA 2024). Model shape, compression assumptions and the paper's
// figures live in repro-flightllm.json with their sources. The N:M pattern of every weight is not assumed here:
// the model is lowered with `--sparsity` (compiler/graph/sparsity.ts) and each projection's pattern read from
// its tensor (the LM head stays dense, as the lowering leaves it).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { loadBuiltinTarget } from '../../../targets/spec';
import { decodeStep, PROJECTIONS, type DecodeConfig, type LlamaShape, type Projection, type ProjectionSparsity } from '../../../sim/fpga/decode';
import { buildModel, parseModelConfig } from '../../graph';
import { pruneCascade } from '../../graph/sparsity';
import { gemmCycles } from '../../../sim/fpga/overlay';
import { overlayHardware } from '../../../sim/fpga/hardware';
import { dspSlices, fpgaDevice } from '../../../sim/fpga/resources';
import { flightllmResources, formatFlightllmResources, type FlightllmResources } from './repro-flightllm-resources';

interface Data {
  source: string;
  model: LlamaShape & { name: string };
  assumptions: { weightBits: number; sparsity: { n: number; m: number }; kvBits: number; actBits: number; [k: string]: unknown };
  points: { prefill: number[]; decode: number[] };
  paper: { u280TokensPerSecond: number; vhk158TokensPerSecond: [number, number]; u280Resources: Record<string, number>; hbmUtilisation: { off: number; on: number }; sparseChainGain: number };
}

export function loadFlightllmData(): Data {
  return JSON.parse(readFileSync(join(import.meta.dirname, 'repro-flightllm.json'), 'utf8')) as Data;
}

/** The weight each projection of block 0 (and the LM head) is stored in, as the LLaMA lowering names them. */
const WEIGHT: Record<Projection, string> = { q: 'L0_WQ', k: 'L0_WK', v: 'L0_WV', o: 'L0_WO', gate: 'L0_WG', up: 'L0_WU', down: 'L0_WD', lmHead: 'LM_HEAD' };

/**
 * Each weight's N:M pattern as `lower --sparsity N:M` declares it: the model (its shape from the data file, as a
 * config.json) lowered for one block (every block is the same) and pruned; a weight the lowering leaves dense
 * (the LM head) has none.
 */
export function loweredSparsity(d: Data): ProjectionSparsity {
  const m = d.model;
  const config = JSON.stringify({ model_type: 'llama', hidden_size: m.hidden, intermediate_size: m.intermediate, num_hidden_layers: m.layers, num_attention_heads: m.heads, vocab_size: m.vocab, torch_dtype: 'float16' });
  const c = pruneCascade(buildModel(parseModelConfig(config, 'llama-2-7b.json'), { kind: 'decode', batch: 1, kvLen: 128 }, { layers: 1 }), d.assumptions.sparsity).cascade;
  const out: ProjectionSparsity = {};
  for (const p of PROJECTIONS) {
    const t = c.tensors.find((x) => x.name === WEIGHT[p]);
    if (!t) throw new Error(`internal: the LLaMA lowering has no weight ${WEIGHT[p]}`);
    if (t.sparsity) out[p] = { n: t.sparsity.n, m: t.sparsity.m };
  }
  return out;
}

export function decodeConfig(target: string, d: Data, alwaysOnChip: boolean, sparsity: ProjectionSparsity = loweredSparsity(d)): DecodeConfig {
  const spec = loadBuiltinTarget(target);
  const h = overlayHardware(spec);
  if (typeof h === 'string') throw new Error(`internal: built-in target ${target}: ${h}`);
  // the RMSNorm's rate: FlightLLM's artifact's LAYERNORM_PARALLEL_K, on the SFU (hardware.ts checks it equals its lanes)
  const norm = spec.computes.find((u) => u.attrs.sfu === true)?.attrs.layernorm_parallel_k;
  if (typeof norm !== 'number') throw new Error(`internal: built-in target ${target} states no attr layernorm_parallel_k on its SFU`);
  return {
    clockHz: h.clockHz,
    cores: h.cores,
    mv: h.mv,
    hbm: h.hbm,
    weightBits: d.assumptions.weightBits,
    sparsity,
    kvBits: d.assumptions.kvBits,
    actBits: d.assumptions.actBits,
    alwaysOnChip,
    normElementsPerCycle: norm,
  };
}

/** Tokens/s of `decode` tokens after a `prefill`-token prompt, and the mean HBM utilisation. */
export function decodeRun(d: Data, c: DecodeConfig, prefill: number, decode: number): { tokensPerSecond: number; hbmUtilisation: number } {
  let t = 0;
  let util = 0;
  for (let i = 0; i < decode; i++) {
    const s = decodeStep(d.model, prefill + i, c);
    t += s.seconds;
    util += s.hbmUtilisation * s.seconds;
  }
  return { tokensPerSecond: decode / t, hbmUtilisation: util / t };
}

export interface FlightllmRepro {
  tokensPerSecond: { target: string; prefill: number; decode: number; ours: number; paper: number | [number, number]; relError: number }[];
  hbmUtilisation: { off: number; on: number; paper: { off: number; on: number } };
  sparseChainGain: { ours: number; paper: number; relError: number };
  dsp: { ours: number; paper: number; relError: number; note: string };
  /** URAM, BRAM36, LUT and FF beside the paper's Table 3, the fabric logic component by component (repro-flightllm-resources.ts) */
  resources: FlightllmResources;
  /** per decode token at [prefill, decode] = [128, 512]: the device's power x the time (null where the .arch gives no power), and the activity's own share */
  energyPerToken: { target: string; joules: number | null; powerW: number | null; dynamicJoules: number; paperJoules: number | null; note: string }[];
  assumptions: Record<string, unknown>;
}

const rel = (ours: number, paper: number) => ours / paper - 1;

/**
 * Energy of one decode token: the board's measured power (`attr measured_power_w`) over the token's time,
 * and beside it the activity's dynamic energy (MACs x the MAC energy, HBM bytes x HBM energy per byte).
 */
function energyPerToken(target: string, d: Data, sp: ProjectionSparsity): FlightllmRepro['energyPerToken'][number] {
  const spec = loadBuiltinTarget(target);
  const c = decodeConfig(target, d, true, sp);
  let seconds = 0;
  let dynamicPj = 0;
  const mac = spec.computes.find((u) => u.kind === 'dsp')?.macEnergyPj ?? 0;
  const hbm = spec.memories.find((m) => m.kind === 'hbm')?.readEnergyPjPerByte ?? 0;
  for (let i = 0; i < 512; i++) {
    const s = decodeStep(d.model, 128 + i, c);
    seconds += s.seconds;
    dynamicPj += s.macs * mac + s.hbmBytes * hbm;
  }
  const p = spec.attrs.measured_power_w;
  const powerW = typeof p === 'number' ? p : null;
  const paperRate = target === 'u280' ? d.paper.u280TokensPerSecond : null;
  return {
    target,
    joules: powerW === null ? null : (powerW * seconds) / 512,
    powerW,
    dynamicJoules: dynamicPj / 1e12 / 512,
    paperJoules: powerW !== null && paperRate !== null ? powerW / paperRate : null,
    note: powerW === null ? `${target}: no measured board power in its .arch (energy not modelled)` : `${powerW} W measured on the board (FlightLLM) x the time per token`,
  };
}

export function reproFlightllm(): FlightllmRepro {
  const d = loadFlightllmData();
  const sp = loweredSparsity(d);
  const rows: FlightllmRepro['tokensPerSecond'] = [];
  for (const target of ['u280', 'vhk158']) {
    const c = decodeConfig(target, d, true, sp);
    for (const p of d.points.prefill)
      for (const n of d.points.decode) {
        const ours = decodeRun(d, c, p, n).tokensPerSecond;
        const paper = target === 'u280' ? d.paper.u280TokensPerSecond : d.paper.vhk158TokensPerSecond;
        // against a range: the error to its nearest end (0 inside)
        const err = typeof paper === 'number' ? rel(ours, paper) : ours < paper[0] ? rel(ours, paper[0]) : ours > paper[1] ? rel(ours, paper[1]) : 0;
        rows.push({ target, prefill: p, decode: n, ours, paper, relError: err });
      }
  }
  const on = decodeRun(d, decodeConfig('u280', d, true, sp), 128, 512).hbmUtilisation;
  const off = decodeRun(d, decodeConfig('u280', d, false, sp), 128, 512).hbmUtilisation;
  // sparse chain: compute cycles of the 4096x11008 GEMV (gate, up), dense against the pattern the lowering gave it
  const c = decodeConfig('u280', d, true, sp);
  const gain = gemmCycles(1, 4096, 11008, c.mv, { n: 16, m: 16 }) / gemmCycles(1, 4096, 11008, c.mv, sp.up ?? { n: 16, m: 16 });
  const dev = fpgaDevice(loadBuiltinTarget('u280'));
  const dsp = c.cores * dspSlices(dev.dspKind, 4096, 8, 8);
  return {
    tokensPerSecond: rows,
    hbmUtilisation: { off, on, paper: d.paper.hbmUtilisation },
    sparseChainGain: { ours: gain, paper: d.paper.sparseChainGain, relError: rel(gain, d.paper.sparseChainGain) },
    dsp: { ours: dsp, paper: d.paper.u280Resources.dsp, relError: rel(dsp, d.paper.u280Resources.dsp), note: 'matrix engines only (cores x 4096 INT8 MACs at 2 per DSP48E2); the vector unit and SFU DSPs are not modelled' },
    // the SFU's longest row: an RMSNorm over the hidden size (the artifact's LAYERNORM MISC instruction)
    resources: flightllmResources(d.paper.u280Resources, d.model.intermediate, d.model.hidden),
    energyPerToken: ['u280', 'vhk158'].map((t) => energyPerToken(t, d, sp)),
    assumptions: d.assumptions,
  };
}

const pct = (x: number) => `${(x * 100).toFixed(1)}%`;

export function formatFlightllm(r: FlightllmRepro): string {
  const out = ['FlightLLM (Zeng et al., FPGA 2024): LLaMA2-7B decode, batch 1', '', 'target   prefill  decode  ours tok/s  paper     rel. error'];
  for (const x of r.tokensPerSecond) out.push(`${x.target.padEnd(8)} ${String(x.prefill).padStart(7)} ${String(x.decode).padStart(7)} ${x.ours.toFixed(1).padStart(11)}  ${(typeof x.paper === 'number' ? String(x.paper) : x.paper.join('-')).padEnd(9)} ${pct(x.relError).padStart(8)}`);
  out.push('', `HBM utilisation (u280, 128+512): ${pct(r.hbmUtilisation.off)} without always-on-chip decode, ${pct(r.hbmUtilisation.on)} with (paper ${pct(r.hbmUtilisation.paper.off)} -> ${pct(r.hbmUtilisation.paper.on)})`);
  out.push(`Sparse DSP chain compute gain: ${r.sparseChainGain.ours.toFixed(2)}x (paper ${r.sparseChainGain.paper}x, ${pct(r.sparseChainGain.relError)})`);
  out.push(`U280 DSP48E2: ${r.dsp.ours} (paper ${r.dsp.paper}, ${pct(r.dsp.relError)}): ${r.dsp.note}`);
  out.push(...formatFlightllmResources(r.resources));
  for (const e of r.energyPerToken)
    out.push(
      `Energy per token (${e.target}, 128+512): ${e.joules === null ? 'not modelled' : `${e.joules.toFixed(3)} J`}${e.paperJoules !== null ? ` (paper's rate at the same power: ${e.paperJoules.toFixed(3)} J)` : ''}; dynamic (MACs + HBM) ${(e.dynamicJoules * 1e3).toFixed(1)} mJ; ${e.note}`,
    );
  out.push('', `Assumptions: ${JSON.stringify(r.assumptions)}`, '');
  return out.join('\n');
}

export function registerFlightllm(repro: Command): void {
  repro
    .command('flightllm')
    .description('FlightLLM (FPGA 2024): LLaMA2-7B decode tokens/s on u280 and vhk158, HBM utilisation, sparse DSP chain gain, DSP, URAM, BRAM, LUT, FF')
    .option('--json', 'print a deterministic JSON document instead of the table')
    .action((opts: { json?: boolean }) => {
      const r = reproFlightllm();
      process.stdout.write(opts.json ? JSON.stringify(r, null, 2) + '\n' : formatFlightllm(r));
    });
}
