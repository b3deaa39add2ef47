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

/** The powers of two from 2 to M: the groups a chain of M DSPs splits into (FlightLLM: 2, 4, 8, 16). */
const chainGroups = (M: number) => Array.from({ length: Math.max(0, Math.floor(Math.log2(M))) }, (_, i) => 2 ** (i + 1));

/** Supported N:M patterns: M equal to the chain's (16, `attr sparse_nm_m`) and N in {2, 4, 8, 16} (N = 0 would prune everything). */
export function checkSparsity(s: Sparsity, M = 16): string | undefined {
  if (s.m !== M) return `N:M sparsity ${s.n}:${s.m}: the sparse DSP chain selects one of ${M} inputs, so M must be ${M}`;
  const groups = chainGroups(M);
  if (!groups.includes(s.n)) return `N:M sparsity ${s.n}:${s.m}: the chain splits into ${groups.slice(0, -1).join(', ')} or ${groups[groups.length - 1]} groups, so N must be one of them`;
  return undefined;
}

/** Nonzero weights along a K-long reduction under N:M sparsity (the last partial group keeps min(N, rest)). */
export function nonzerosAlongK(K: number, s: Sparsity): number {
  const full = Math.floor(K / s.m);
  return full * s.n + Math.min(s.n, K - full * s.m);
}

/** Level-2 cycles of one GEMM (rows x K) . (K x cols) in the given mode. */
export function gemmCycles(rows: number, K: number, cols: number, mode: EngineMode, s: Sparsity): number {
  return gemmCyclesKept(rows, nonzerosAlongK(K, s), cols, mode);
}

/** Level-2 cycles when each output's reduction holds `kept` weights (the chain consumes mode.k of them a cycle). */
export function gemmCyclesKept(rows: number, kept: number, cols: number, mode: EngineMode): number {
  const steps = Math.ceil(kept / mode.k);
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
