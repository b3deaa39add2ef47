// FlightLLM-style overlay, level 2 (per tile): the matrix engine's cycles for Y[m,n] = sum_k X[m,k] W[k,n] in
// matrix-matrix (N2 K16 M128) or matrix-vector (N64 K16 M1) mode, with N:M weight sparsity (M = 16) run on
// sparse DSP chains: a chain of pK DSP MACs consumes pK nonzero weights a cycle, so a K-long dot product of an
// n:16 pattern takes ceil(K*n/16 / pK) steps. Plus a chain-length pipeline fill per tile. HBM streams the
// weights (and, without always-on-chip decode, the activations) through `channels` pseudo-channels at the
// efficiencies FlightLLM's artifact states. Level 3 is overlay-chain.ts; they match exactly (test/fpga).
export interface EngineMode {
  n: number;
  k: number;
  m: number;
}

export interface Sparsity {
  n: number;
  m: number;
}

/** Supported N:M patterns: M = 16 and N in {2, 4, 8, 16} (N = 0 would prune everything). */
export function checkSparsity(s: Sparsity): string | undefined {
  if (s.m !== 16) return `N:M sparsity ${s.n}:${s.m}: the sparse DSP chain selects one of 16 inputs, so M must be 16`;
  if (![2, 4, 8, 16].includes(s.n)) return `N:M sparsity ${s.n}:${s.m}: the chain splits into 2, 4, 8 or 16 groups, so N must be one of them`;
  return undefined;
}

/** Nonzero weights along a K-long reduction under N:M sparsity (the last partial group keeps min(N, rest)). */
export function nonzerosAlongK(K: number, s: Sparsity): number {
  const full = Math.floor(K / s.m);
  return full * s.n + Math.min(s.n, K - full * s.m);
}

/** Level-2 cycles of one GEMM (rows x K) . (K x cols) in the given mode. */
export function gemmCycles(rows: number, K: number, cols: number, mode: EngineMode, s: Sparsity): number {
  const steps = Math.ceil(nonzerosAlongK(K, s) / mode.k);
  const tiles = Math.ceil(rows / mode.m) * Math.ceil(cols / mode.n);
  return tiles * (steps + mode.k);
}

export interface HbmConfig {
  channels: number;
  channelBytesPerSecond: number;
  efficiencyInChannel: number;
  efficiencyCrossChannel: number;
}

/**
 * Seconds to stream `bytes` from HBM. A tensor striped over all channels moves at the in-channel efficiency;
 * a transfer that must cross channels (an activation exchanged between SLRs when decode is not kept on chip)
 * moves at the cross-channel efficiency.
 */
export function hbmSeconds(bytes: number, hbm: HbmConfig, crossChannel: boolean): number {
  const eff = crossChannel ? hbm.efficiencyCrossChannel : hbm.efficiencyInChannel;
  return bytes / (hbm.channels * hbm.channelBytesPerSecond * eff);
}
