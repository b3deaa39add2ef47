// The calibrated GPU kernel model: GEMM with tile and wave quantisation over the SMs, and
// FlashAttention-style attention (query-block CTAs streaming KV blocks, causal block skipping,
// list-scheduled onto SMs), each bounded below by HBM traffic, plus a launch overhead.
// Hardware facts come from GpuHardware (the .arch file); the few free numbers are GpuModelParams,
// fitted by calibrate.ts on measurements.
import type { GpuDType, GpuHardware } from './hardware';

export interface GemmShape {
  m: number;
  n: number;
  k: number;
  dtype: GpuDType;
}

export interface AttentionShape {
  batch: number;
  heads: number;
  seqQ: number;
  seqKV: number;
  headDim: number;
  causal: boolean;
  dtype: 'bf16' | 'fp16';
}

export interface GpuModelParams {
  /** fraction of the dtype's tensor peak a GEMM main loop reaches on a full tile */
  gemmEfficiency: Partial<Record<GpuDType, number>>;
  /** per-tile pipeline fill and epilogue, in K elements added to every tile's reduction */
  gemmTileOverheadK: number;
  /** output tile (rows x cols) one SM computes */
  tileM: number;
  tileN: number;
  /** fraction of the bf16 peak attention's two matmuls reach */
  attentionEfficiency: number;
  /** softmax (exp, max, rescale) cost, in tensor-FLOP equivalents per score element */
  softmaxFlopsPerScore: number;
  /** per-CTA prologue/epilogue (load Q, write O), in KV-block equivalents */
  attentionCtaOverheadBlocks: number;
  /** fraction of HBM (and L2, when known) bandwidth a streaming kernel reaches */
  hbmEfficiency: number;
  launchSeconds: number;
}

/** Starting point of calibration; plain modelling guesses, replaced by fitted values. */
export const DEFAULT_PARAMS: GpuModelParams = {
  gemmEfficiency: { bf16: 0.7, fp16: 0.7, fp8e4m3: 0.6, tf32: 0.7, int8: 0.6, fp32: 0.7 },
  gemmTileOverheadK: 128,
  tileM: 128,
  tileN: 256,
  attentionEfficiency: 0.4,
  softmaxFlopsPerScore: 16,
  attentionCtaOverheadBlocks: 1,
  hbmEfficiency: 0.8,
  launchSeconds: 5e-6,
};

/** Smallest K slice a split-K GEMM hands one SM; a modelling choice, like cuBLAS's heuristics. */
const SPLIT_K_MIN_SLICE = 256;
/** Output tile edge used when M or N is at most this (see gemmBreakdown). */
const SKINNY_TILE = 64;
/** FlashAttention's query and KV block sizes (FA2 forward on Hopper/Ampere). */
const ATTN_BLOCK_Q = 128;
const ATTN_BLOCK_KV = 128;

const BYTES: Record<GpuDType, number> = { bf16: 2, fp16: 2, fp8e4m3: 1, tf32: 4, int8: 1, fp32: 4 };

function peakOf(hw: GpuHardware, d: GpuDType): number {
  const p = hw.peakFlopsPerSecond[d];
  if (p === undefined) throw new Error(`${hw.name} has no ${d} tensor-core peak in ${hw.source}`);
  return p;
}

export interface GemmBreakdown {
  seconds: number;
  computeSeconds: number;
  memorySeconds: number;
  tiles: number;
  splitK: number;
  waves: number;
}

export function gemmBreakdown(hw: GpuHardware, p: GpuModelParams, s: GemmShape): GemmBreakdown {
  const sms = hw.smCount;
  // Skinny GEMMs (decode) get a narrow tile, as libraries ship kernels for them: 64 is the smallest
  // M of a Hopper warpgroup MMA, and a multiple of Ampere's 16.
  const tileM = s.m <= SKINNY_TILE ? Math.min(p.tileM, SKINNY_TILE) : p.tileM;
  const tileN = s.n <= SKINNY_TILE ? Math.min(p.tileN, SKINNY_TILE) : p.tileN;
  const tiles = Math.ceil(s.m / tileM) * Math.ceil(s.n / tileN);
  // Below one wave, split K so that idle SMs share the reduction.
  const splitK = tiles >= sms ? 1 : Math.max(1, Math.min(Math.floor(sms / tiles), Math.floor(s.k / SPLIT_K_MIN_SLICE)));
  const work = tiles * splitK;
  const waves = Math.ceil(work / sms);
  const eff = p.gemmEfficiency[s.dtype] ?? p.gemmEfficiency.bf16!;
  const perSmFlops = (peakOf(hw, s.dtype) * eff) / sms;
  const tileSeconds = (2 * tileM * tileN * (Math.ceil(s.k / splitK) + p.gemmTileOverheadK)) / perSmFlops;
  const computeSeconds = waves * tileSeconds;
  const outBytes = s.dtype === 'fp8e4m3' || s.dtype === 'int8' ? 2 : BYTES[s.dtype];
  const bytes = (s.m * s.k + s.k * s.n) * BYTES[s.dtype] + s.m * s.n * outBytes * (splitK > 1 ? 2 : 1);
  // Every tile reads its A rows and B columns again: from L2, when the .arch says how fast L2 is.
  const l2Bytes = (s.m * s.k * Math.ceil(s.n / tileN) + s.k * s.n * Math.ceil(s.m / tileM)) * BYTES[s.dtype];
  const memorySeconds = Math.max(bytes / (hw.hbmBytesPerSecond * p.hbmEfficiency), hw.l2BytesPerSecond ? l2Bytes / (hw.l2BytesPerSecond * p.hbmEfficiency) : 0);
  return { seconds: p.launchSeconds + Math.max(computeSeconds, memorySeconds), computeSeconds, memorySeconds, tiles, splitK, waves };
}

export function predictGemmSeconds(hw: GpuHardware, p: GpuModelParams, s: GemmShape): number {
  return gemmBreakdown(hw, p, s).seconds;
}

/**
 * The busiest SM when the CTAs of one attention call are list-scheduled (longest first, as FA2 orders
 * causal CTAs) onto the SMs: its KV blocks and CTA count. Depends only on the shape, so it is cached.
 */
interface CriticalSm {
  blocks: number;
  ctas: number;
}
const criticalCache = new Map<string, CriticalSm>();

function criticalSm(sms: number, groups: number, nq: number, nk: number, causal: boolean, blockQ: number, blockKV: number, seqQ: number, seqKV: number): CriticalSm {
  const key = `${sms}/${groups}/${nq}/${nk}/${causal}/${seqQ}/${seqKV}`;
  const hit = criticalCache.get(key);
  if (hit) return hit;
  // KV blocks each query block visits; causal rows (aligned to the end of KV) skip blocks above the diagonal.
  const perQ = new Int32Array(nq);
  for (let i = 0; i < nq; i++) perQ[i] = causal ? Math.min(nk, Math.ceil((Math.min(seqQ, (i + 1) * blockQ) + seqKV - seqQ) / blockKV)) : nk;
  const order = Array.from(perQ).sort((a, b) => b - a);
  const loadBlocks = new Float64Array(sms);
  const loadCtas = new Int32Array(sms);
  // Min-heap of SMs by load; ties to the lower index for determinism.
  const heap = Int32Array.from({ length: sms }, (_, i) => i);
  const less = (a: number, b: number) => loadBlocks[a]! < loadBlocks[b]! || (loadBlocks[a] === loadBlocks[b] && a < b);
  const siftDown = (i: number) => {
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < sms && less(heap[l]!, heap[m]!)) m = l;
      if (r < sms && less(heap[r]!, heap[m]!)) m = r;
      if (m === i) return;
      const t = heap[i]!;
      heap[i] = heap[m]!;
      heap[m] = t;
      i = m;
    }
  };
  for (const w of order)
    for (let g = 0; g < groups; g++) {
      const sm = heap[0]!;
      loadBlocks[sm]! += w;
      loadCtas[sm]! += 1;
      siftDown(0);
    }
  let best = 0;
  for (let i = 1; i < sms; i++) if (loadBlocks[i]! > loadBlocks[best]!) best = i;
  const out = { blocks: loadBlocks[best]!, ctas: loadCtas[best]! };
  criticalCache.set(key, out);
  return out;
}

export interface AttentionBreakdown {
  seconds: number;
  computeSeconds: number;
  memorySeconds: number;
  ctas: number;
}

export function attentionBreakdown(hw: GpuHardware, p: GpuModelParams, s: AttentionShape): AttentionBreakdown {
  const sms = hw.smCount;
  const nq = Math.ceil(s.seqQ / ATTN_BLOCK_Q);
  const nk = Math.ceil(s.seqKV / ATTN_BLOCK_KV);
  const groups = s.batch * s.heads;
  // Few query blocks (decode): split the KV sequence across CTAs until the SMs are covered.
  const split = groups * nq >= sms ? 1 : Math.max(1, Math.min(nk, Math.ceil(sms / (groups * nq))));
  const nkPerCta = Math.ceil(nk / split);
  const crit = criticalSm(sms, groups * split, nq, nkPerCta, s.causal && split === 1, ATTN_BLOCK_Q, ATTN_BLOCK_KV, s.seqQ, s.seqKV);
  const rowsQ = Math.min(ATTN_BLOCK_Q, s.seqQ);
  const blockFlops = rowsQ * ATTN_BLOCK_KV * (4 * s.headDim + p.softmaxFlopsPerScore);
  const perSmFlops = (peakOf(hw, s.dtype) * p.attentionEfficiency) / sms;
  const computeSeconds = ((crit.blocks + crit.ctas * p.attentionCtaOverheadBlocks) * blockFlops) / perSmFlops;
  const bytes = 2 * groups * (2 * s.seqQ * s.headDim + 2 * s.seqKV * s.headDim);
  // Each query block streams all of K and V (bf16/fp16: 2 bytes): from L2 after the first, when L2's bandwidth is known.
  const l2Bytes = 2 * groups * nq * 2 * s.seqKV * s.headDim;
  const memorySeconds = Math.max(bytes / (hw.hbmBytesPerSecond * p.hbmEfficiency), hw.l2BytesPerSecond ? l2Bytes / (hw.l2BytesPerSecond * p.hbmEfficiency) : 0);
  // A split KV sequence needs a second kernel that combines the partial softmaxes (flash-decoding).
  const launches = split > 1 ? 2 : 1;
  return { seconds: launches * p.launchSeconds + Math.max(computeSeconds, memorySeconds), computeSeconds, memorySeconds, ctas: groups * nq * split };
}

export function predictAttentionSeconds(hw: GpuHardware, p: GpuModelParams, s: AttentionShape): number {
  return attentionBreakdown(hw, p, s).seconds;
}

// ---- roofline baseline: no quantisation, no efficiencies, no launch cost

export function rooflineGemmSeconds(hw: GpuHardware, s: GemmShape): number {
  const outBytes = s.dtype === 'fp8e4m3' || s.dtype === 'int8' ? 2 : BYTES[s.dtype];
  const bytes = (s.m * s.k + s.k * s.n) * BYTES[s.dtype] + s.m * s.n * outBytes;
  return Math.max((2 * s.m * s.n * s.k) / peakOf(hw, s.dtype), bytes / hw.hbmBytesPerSecond);
}

export function attentionFlops(s: AttentionShape): number {
  const full = 4 * s.batch * s.heads * s.seqQ * s.seqKV * s.headDim;
  return s.causal ? full / 2 : full;
}

export function rooflineAttentionSeconds(hw: GpuHardware, s: AttentionShape): number {
  const bytes = 2 * s.batch * s.heads * (2 * s.seqQ * s.headDim + 2 * s.seqKV * s.headDim);
  return Math.max(attentionFlops(s) / peakOf(hw, s.dtype), bytes / hw.hbmBytesPerSecond);
}
