// One LLaMA-style decode step on the FlightLLM-style overlay (level 2): every projection and the LM head run as
// GEMVs in matrix-vector mode on `cores` engines, attention's QK and SV over the KV length; each op streams its
// weights (packed bits plus the N:M index, log2(M) bits per kept weight) and KV cache from HBM. With
// always-on-chip decode, activations stay in URAM/BRAM and each op's transfer overlaps its compute (double
// buffering: max(T_mem, T_cmp)); without it, each op writes its output to HBM and the next reads it back across
// channels (0.35 efficiency) and the phases serialise (T_mem + T_cmp). Each weight has its own N:M pattern (or
// none): `repro flightllm` reads them from the cascade `lower --sparsity` makes.
// The special-function unit, as FlightLLM's artifact runs it in decode (profile/inst_gen): softmax, SiLU and the
// elementwise ops are fused into the attention and linear MV instructions they follow and overlap them, while
// each RMSNorm (two a block and the final one) is a MISC instruction of its own over the hidden row, 2 x hidden /
// LAYERNORM_PARALLEL_K cycles (inst_profiler.py time_MISC: the row is read twice), between the GEMVs: added in
// series.
import { gemmCycles, hbmSeconds, nonzerosAlongK, type EngineMode, type HbmConfig, type Sparsity } from './overlay';

export interface LlamaShape {
  layers: number;
  hidden: number;
  intermediate: number;
  heads: number;
  vocab: number;
}

/** The weights of a LLaMA decode step: a block's seven projections and the LM head. */
export const PROJECTIONS = ['q', 'k', 'v', 'o', 'gate', 'up', 'down', 'lmHead'] as const;
export type Projection = (typeof PROJECTIONS)[number];
/** The N:M pattern of each weight; absent: dense. */
export type ProjectionSparsity = Partial<Record<Projection, Sparsity>>;

export interface DecodeConfig {
  clockHz: number;
  cores: number;
  mv: EngineMode;
  hbm: HbmConfig;
  weightBits: number;
  sparsity: ProjectionSparsity;
  kvBits: number;
  actBits: number;
  alwaysOnChip: boolean;
  /** elements a cycle of the unit that runs an RMSNorm (FlightLLM artifact: LAYERNORM_PARALLEL_K) */
  normElementsPerCycle: number;
}

export interface DecodeStep {
  seconds: number;
  computeSeconds: number;
  memorySeconds: number;
  /** the RMSNorms' share of `seconds` (and of `computeSeconds`): 2 x layers + 1 norms in series */
  normSeconds: number;
  hbmBytes: number;
  /** MACs the DSP chains perform (kept weights only) */
  macs: number;
  /** bytes moved / (seconds x peak HBM bandwidth) */
  hbmUtilisation: number;
}

interface Op {
  rows: number;
  K: number;
  N: number;
  weightBytes: number;
  /** the weight's N:M pattern; absent: dense (the KV cache, or an unpruned weight) */
  sparsity?: Sparsity;
}

function ops(m: LlamaShape, kv: number, c: DecodeConfig): Op[] {
  const w = (K: number, N: number, p: Projection): Op => {
    const s = c.sparsity[p];
    // kept weights at their width plus a log2(M)-bit index each (compiler/ir/sparsity.ts)
    const bits = s ? (K * N * s.n * (c.weightBits + Math.log2(s.m))) / s.m : K * N * c.weightBits;
    return { rows: 1, K, N, weightBytes: bits / 8, ...(s ? { sparsity: s } : {}) };
  };
  const h = m.hidden;
  const kvOp = (K: number, N: number): Op => ({ rows: 1, K, N, weightBytes: (K * N * c.kvBits) / 8 });
  const layer: Op[] = [w(h, h, 'q'), w(h, h, 'k'), w(h, h, 'v'), kvOp(h, kv), kvOp(kv, h), w(h, h, 'o'), w(h, m.intermediate, 'gate'), w(h, m.intermediate, 'up'), w(m.intermediate, h, 'down')];
  const all: Op[] = [];
  for (let l = 0; l < m.layers; l++) all.push(...layer);
  all.push(w(h, m.vocab, 'lmHead'));
  return all;
}

export function decodeStep(m: LlamaShape, kv: number, c: DecodeConfig): DecodeStep {
  const dense: Sparsity = { n: 16, m: 16 };
  let seconds = 0;
  let computeSeconds = 0;
  let memorySeconds = 0;
  let hbmBytes = 0;
  let macs = 0;
  for (const op of ops(m, kv, c)) {
    macs += op.rows * op.N * nonzerosAlongK(op.K, op.sparsity ?? dense);
    // the N columns are split across the cores
    const cycles = gemmCycles(op.rows, op.K, Math.ceil(op.N / c.cores), c.mv, op.sparsity ?? dense);
    const tc = cycles / c.clockHz;
    let tm = hbmSeconds(op.weightBytes, c.hbm, false);
    let bytes = op.weightBytes;
    if (!c.alwaysOnChip) {
      const act = ((op.K + op.N) * c.actBits) / 8;
      tm += hbmSeconds(act, c.hbm, true);
      bytes += act;
    }
    seconds += c.alwaysOnChip ? Math.max(tc, tm) : tc + tm;
    computeSeconds += tc;
    memorySeconds += tm;
    hbmBytes += bytes;
  }
  const normSeconds = ((2 * m.layers + 1) * Math.ceil((2 * m.hidden) / c.normElementsPerCycle)) / c.clockHz;
  seconds += normSeconds;
  computeSeconds += normSeconds;
  const peak = c.hbm.channels * c.hbm.channelBytesPerSecond;
  return { seconds, computeSeconds, memorySeconds, normSeconds, hbmBytes, macs, hbmUtilisation: hbmBytes / (seconds * peak) };
}
