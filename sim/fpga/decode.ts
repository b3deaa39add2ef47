// One LLaMA-style decode step on the FlightLLM-style overlay (level 2): every projection and the LM head run as
// GEMVs in matrix-vector mode on `cores` engines, attention's QK and SV over the KV length; each op streams its
// weights (packed bits plus the N:M index, log2(M) bits per kept weight) and KV cache from HBM. With
// always-on-chip decode, activations stay in URAM/BRAM and each op's transfer overlaps its compute (double
// buffering: max(T_mem, T_cmp)); without it, each op writes its output to HBM and the next reads it back across
// channels (0.35 efficiency) and the phases serialise (T_mem + T_cmp).
import { gemmCycles, hbmSeconds, nonzerosAlongK, type EngineMode, type HbmConfig, type Sparsity } from './overlay';

export interface LlamaShape {
  layers: number;
  hidden: number;
  intermediate: number;
  heads: number;
  vocab: number;
}

export interface DecodeConfig {
  clockHz: number;
  cores: number;
  mv: EngineMode;
  hbm: HbmConfig;
  weightBits: number;
  sparsity: Sparsity;
  kvBits: number;
  actBits: number;
  alwaysOnChip: boolean;
}

export interface DecodeStep {
  seconds: number;
  computeSeconds: number;
  memorySeconds: number;
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
  sparse: boolean;
}

function ops(m: LlamaShape, kv: number, c: DecodeConfig): Op[] {
  const keep = c.sparsity.n / c.sparsity.m;
  const bitsPerKept = c.weightBits + (c.sparsity.n < c.sparsity.m ? Math.log2(c.sparsity.m) : 0);
  const w = (K: number, N: number): Op => ({ rows: 1, K, N, weightBytes: (K * N * keep * bitsPerKept) / 8, sparse: true });
  const h = m.hidden;
  const kvOp = (K: number, N: number): Op => ({ rows: 1, K, N, weightBytes: (K * N * c.kvBits) / 8, sparse: false });
  const layer: Op[] = [w(h, h), w(h, h), w(h, h), kvOp(h, kv), kvOp(kv, h), w(h, h), w(h, m.intermediate), w(h, m.intermediate), w(m.intermediate, h)];
  const all: Op[] = [];
  for (let l = 0; l < m.layers; l++) all.push(...layer);
  all.push(w(h, m.vocab));
  return all;
}

export function decodeStep(m: LlamaShape, kv: number, c: DecodeConfig): DecodeStep {
  const dense: Sparsity = { n: c.sparsity.m, m: c.sparsity.m };
  let seconds = 0;
  let computeSeconds = 0;
  let memorySeconds = 0;
  let hbmBytes = 0;
  let macs = 0;
  for (const op of ops(m, kv, c)) {
    macs += op.rows * op.N * nonzerosAlongK(op.K, op.sparse ? c.sparsity : dense);
    // the N columns are split across the cores
    const cycles = gemmCycles(op.rows, op.K, Math.ceil(op.N / c.cores), c.mv, op.sparse ? c.sparsity : dense);
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
  const peak = c.hbm.channels * c.hbm.channelBytesPerSecond;
  return { seconds, computeSeconds, memorySeconds, hbmBytes, macs, hbmUtilisation: hbmBytes / (seconds * peak) };
}
