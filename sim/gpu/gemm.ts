// A GEMM kernel on a GPU, C[m,n] = A[m,k] B[k,n] (times `batch`), as cuBLAS/CUTLASS run it:
// - the output is cut into CTA tiles of tm x tn; below one wave, K is also split (split-K, s slices)
//   so that idle SMs share the reduction; tiles x s CTAs go to the SMs in waves (one CTA per SM at a
//   time: ceil(tiles s / SMs) waves, the last one as long as the others);
// - a split-K GEMM is two kernels, as cuBLAS runs it: the GEMM writes its fp32 partial tiles to a
//   workspace and a second kernel adds them up and writes C (cuBLASLt's out-of-place reduction
//   schemes, `cublasLtReductionScheme_t` COMPUTE_TYPE: "stored in the compute type in the workspace
//   and reduced in a separate step"; the `splitKreduce_kernel` of profiler traces). The reduction
//   kernel pays a kernel's fixed time (`launchSeconds`) and moves the partials and C at the HBM rate;
//   a time summed over an op's kernels (Vidur's profiler: record_function_tracer.py) includes it;
// - one CTA tile costs 2 tm tn (ceil(k/s) + overheadK) FLOPs at efficiency x peak / SMs (the tensor
//   core computes whole tiles: a 1-row decode GEMM pays for tm rows);
// - memory: every CTA loads its A rows and B columns through L2 ((rows + cols) k bytes, bounded by
//   L2 bandwidth; on Hopper a 2-CTA cluster multicasts the shared B tile: cols / 2), and HBM sees each
//   operand once plus C (split-K adds fp32 partials written and read), plus the L2 misses of the
//   operand the raster order sweeps again every wave (`l2RereadBytes`);
// - time = launch + max(compute, L2, HBM) + (1 - overlap) min(compute, HBM) + one pass of the load
//   latencies: the multi-stage main loop (TMA / cp.async into shared memory) issues a tile's L2 loads
//   while its MMAs run, so L2 traffic only bounds the time; HBM misses stall it in part (the fitted
//   overlap); the prologue and epilogue do not overlap.
// - stream-K (Osama et al., "Stream-K: Work-centric Parallel Decomposition for Dense Matrix-Matrix
//   Multiplication on the GPU", PPoPP 2023; CUTLASS's persistent schedulers): when the tiles leave a
//   wave partly empty, the SMs share all tiles' K iterations evenly and the tiles cut between SMs
//   pay a fixup (a partial fp32 tile written and read), so the last wave is not wasted.
// The kernel picked is the candidate (tile, split or stream-K) with the least time, as cuBLAS's
// heuristics aim to; the breakdown says which. Plain number math, no allocation in the loop.
import type { GpuDType, GpuHardware } from './hardware';
import type { GpuModelParams } from './params';

export interface GemmShape {
  m: number;
  n: number;
  k: number;
  dtype: GpuDType;
  /** independent repetitions (batched GEMM); 1 when absent */
  batch?: number;
}

/** CTA tiles the kernel library offers (Hopper/Ampere cuBLAS and CUTLASS defaults). */
export const GEMM_TILES: readonly (readonly [number, number])[] = [
  [128, 256],
  [256, 128],
  [128, 128],
  [128, 64],
  [64, 128],
  [64, 64],
];
/** Smallest K slice of a split-K GEMM. */
const SPLIT_K_MIN_SLICE = 256;
const MAX_SPLIT = 32;

export const DTYPE_BYTES: Record<GpuDType, number> = { bf16: 2, fp16: 2, fp8e4m3: 1, tf32: 4, int8: 1, fp32: 4 };
/** fp8 and int8 GEMMs write a 16-bit result (the published kernels' convention) */
export function outputBytes(d: GpuDType): number {
  return d === 'fp8e4m3' || d === 'int8' ? 2 : DTYPE_BYTES[d];
}

export function peakOf(hw: GpuHardware, d: GpuDType): number {
  const p = hw.peakFlopsPerSecond[d];
  if (p === undefined) throw new Error(`${hw.name} has no ${d} tensor-core peak in ${hw.source}`);
  return p;
}

export interface GemmBreakdown {
  seconds: number;
  computeSeconds: number;
  memorySeconds: number;
  /** the kernel picked */
  tileM: number;
  tileN: number;
  splitK: number;
  /** a persistent stream-K kernel: the SMs share the tiles' K iterations evenly (waves fractional) */
  streamK: boolean;
  tiles: number;
  waves: number;
  /** bytes moved per level: HBM (compulsory, plus partial tiles), L2 -> SMEM (tile loads) */
  hbmBytes: number;
  /** fp32 partial tiles of split-K or stream-K, written once and read once (inside hbmBytes, twice) */
  partialBytes: number;
  /** split-K's separate reduction kernel (partials read, C written; 0 without split-K), seconds, inside `seconds` */
  reductionSeconds: number;
  /** operand bytes read again from HBM because they did not stay in L2 between waves (inside hbmBytes) */
  rereadBytes: number;
  l2Bytes: number;
  /** what sets the time */
  bound: 'compute' | 'l2' | 'hbm';
}

/** The one-time latency of a kernel's first loads (HBM, L2, shared memory), seconds. */
export function pipelineLatencySeconds(hw: GpuHardware): number {
  const l = hw.latencyCycles;
  return ((l.hbm ?? 0) + (l.l2 ?? 0) + (l.smem ?? 0)) / hw.clockHz;
}

export function gemmBreakdown(hw: GpuHardware, p: GpuModelParams, s: GemmShape): GemmBreakdown {
  const batch = s.batch ?? 1;
  const sms = hw.smCount;
  const B = DTYPE_BYTES[s.dtype];
  const eff = p.gemmEfficiency[s.dtype] ?? p.gemmEfficiency.bf16 ?? 0.7;
  const perSmFlops = (peakOf(hw, s.dtype) * eff) / sms;
  const hbmBw = hw.hbmBytesPerSecond * p.hbmEfficiency;
  const l2Bw = hw.l2BytesPerSecond ? hw.l2BytesPerSecond * p.l2Efficiency : 0;
  const fixed = p.launchSeconds + pipelineLatencySeconds(hw);
  const baseBytes = gemmCompulsoryBytes(s);
  let best: GemmBreakdown | undefined;
  const cBytes = batch * s.m * s.n * outputBytes(s.dtype);
  /**
   * One candidate kernel: its time (launch, the longest of compute, L2 and HBM, the HBM part not
   * overlapped), plus split-K's reduction kernel (`reduceBytes`: the partials read and C written,
   * which the GEMM kernel itself does not move); kept if fastest.
   */
  const consider = (k: Omit<GemmBreakdown, 'seconds' | 'memorySeconds' | 'bound' | 'reductionSeconds'>, reduceBytes = 0): void => {
    const hbmT = (k.hbmBytes - reduceBytes) / hbmBw;
    const l2T = l2Bw > 0 ? k.l2Bytes / l2Bw : 0;
    const mem = Math.max(hbmT, l2T);
    const reductionSeconds = reduceBytes > 0 ? p.launchSeconds + reduceBytes / hbmBw : 0;
    const t = fixed + Math.max(k.computeSeconds, mem) + (1 - p.gemmOverlap) * Math.min(k.computeSeconds, hbmT) + reductionSeconds;
    if (best && t >= best.seconds - 1e-15) return;
    const { computeSeconds, tileM, tileN, splitK, streamK, tiles, waves, hbmBytes, partialBytes, rereadBytes, l2Bytes } = k;
    best = { seconds: t, computeSeconds, memorySeconds: mem, tileM, tileN, splitK, streamK, tiles, waves, hbmBytes, partialBytes, reductionSeconds, rereadBytes, l2Bytes, bound: computeSeconds >= mem ? 'compute' : l2T > hbmT ? 'l2' : 'hbm' };
  };
  for (const [tm, tn] of GEMM_TILES) {
    const tiles = Math.ceil(s.m / tm) * Math.ceil(s.n / tn) * batch;
    const maxSplit = tiles >= sms ? 1 : Math.max(1, Math.min(MAX_SPLIT, Math.floor(s.k / SPLIT_K_MIN_SLICE), Math.ceil(sms / tiles)));
    // a cluster's CTAs share their B columns: one L2 load multicast to all of them (Hopper TMA)
    const tileLoadBytes = (Math.min(tm, s.m) + Math.min(tn, s.n) / hw.clusterMulticast) * B;
    const rereadBytes = batch * l2RereadBytes(hw, s, Math.ceil(s.m / tm), Math.ceil(s.n / tn));
    for (let split = 1; split <= maxSplit; split++) {
      // split-K: the GEMM kernel writes fp32 partials instead of C; the reduction kernel reads them
      // and writes C (hbmBytes counts both kernels: C once, the partials twice)
      const kSlice = Math.ceil(s.k / split);
      const waves = Math.ceil((tiles * split) / sms);
      const partialBytes = split > 1 ? batch * s.m * s.n * 4 * split : 0;
      consider(
        {
          computeSeconds: (waves * 2 * tm * tn * (kSlice + p.gemmTileOverheadK)) / perSmFlops,
          tileM: tm, tileN: tn, splitK: split, streamK: false, tiles, waves,
          hbmBytes: baseBytes + rereadBytes + 2 * partialBytes, partialBytes, rereadBytes, l2Bytes: tiles * split * tileLoadBytes * kSlice,
        },
        split > 1 ? partialBytes + cBytes : 0,
      );
    }
    if (tiles > sms && tiles % sms !== 0) {
      // stream-K: the SMs share the tiles' K iterations evenly (a persistent kernel); the tiles split
      // across SMs pay a fixup, their fp32 partial tile written and read once
      const partialBytes = sms * tm * tn * 4;
      consider({
        computeSeconds: (tiles * 2 * tm * tn * (s.k + p.gemmTileOverheadK)) / (sms * perSmFlops) + (2 * tm * tn * p.gemmTileOverheadK) / perSmFlops,
        tileM: tm, tileN: tn, splitK: 1, streamK: true, tiles, waves: tiles / sms,
        hbmBytes: baseBytes + rereadBytes + 2 * partialBytes, partialBytes, rereadBytes, l2Bytes: tiles * tileLoadBytes * s.k,
      });
    }
  }
  return best!;
}

/**
 * HBM bytes read beyond the compulsory ones (one batch) because an operand does not stay in L2 from
 * one wave to the next. The CTA tiles of a gm x gn grid run in raster order; CUTLASS's heuristic
 * rasters along M when the grid has more N blocks than M blocks, else along N (`RasterOrderOptions::
 * Heuristic`, cutlass/gemm/kernel/sm90_tile_scheduler.hpp). Along M every column of tiles needs all
 * of A, so each wave sweeps A again (at most once per column) while a B panel serves one column; along
 * N the same holds for B. The L2 is split into partitions that each cache what their own SMs read
 * (`partitions` on the .arch's L2, from the NVIDIA whitepapers), so an operand that every SM reads
 * has one partition's share of the capacity; of a larger operand, a cyclic sweep finds about
 * share / size of it still there, and the rest comes from HBM again.
 */
export function l2RereadBytes(hw: GpuHardware, s: GemmShape, gm: number, gn: number): number {
  if (hw.l2Bytes === undefined) return 0;
  const share = hw.l2Bytes / hw.l2Partitions;
  const alongM = gn > gm;
  const operand = (alongM ? s.m : s.n) * s.k * DTYPE_BYTES[s.dtype];
  if (operand <= share) return 0;
  const sweeps = Math.min(alongM ? gn : gm, Math.max(1, Math.ceil((gm * gn) / hw.smCount)));
  return operand * (sweeps - 1) * (1 - share / operand);
}

export function predictGemmSeconds(hw: GpuHardware, p: GpuModelParams, s: GemmShape): number {
  return gemmBreakdown(hw, p, s).seconds;
}

export function gemmFlops(s: GemmShape): number {
  return 2 * s.m * s.n * s.k * (s.batch ?? 1);
}

/** Compulsory HBM bytes: A, B and C once. */
export function gemmCompulsoryBytes(s: GemmShape): number {
  return (s.batch ?? 1) * ((s.m * s.k + s.k * s.n) * DTYPE_BYTES[s.dtype] + s.m * s.n * outputBytes(s.dtype));
}

/** Roofline baseline: max(FLOPs / peak, compulsory bytes / HBM bandwidth); no tiles, no overheads. */
export function rooflineGemmSeconds(hw: GpuHardware, s: GemmShape): number {
  return Math.max(gemmFlops(s) / peakOf(hw, s.dtype), gemmCompulsoryBytes(s) / hw.hbmBytesPerSecond);
}
