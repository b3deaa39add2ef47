// FlashAttention-2 and -3 as kernels on a GPU (forward, backward, or both).
// - Forward: one CTA per (batch, head, block of Br query rows) streams the KV sequence in blocks of
//   Bc rows; per block it runs two matmuls (S = Q K^T, O += P V: 4 Br Bc d FLOPs on the tensor cores)
//   and the online softmax (max, exp, rescale: Br Bc scores through the SFU at `sfu_per_sm` exp per
//   clock). FA2 runs the two one after the other inside a warp; FA3's producer/consumer warpgroups
//   ping-pong so one's softmax hides behind the other's matmuls: time per block = max + (1 -
//   overlap) min of the two, the overlap 0 for FA2 and fitted for FA3. A causal kernel's block
//   costs `causalFactor` times a full one's (its masked loop), fitted per kernel.
// - Backward: one CTA per (batch, head, block of Bc key rows) walks the query blocks: five matmuls
//   per block (S recomputed, dP, dV, dK, dQ: 10 Br Bc d FLOPs) and the softmax recomputed.
// - Causal: blocks wholly above the diagonal are skipped (query rows aligned to the end of KV).
// - CTAs are list-scheduled onto the SMs, longest first (FA2/FA3 order causal work that way); the
//   busiest SM sets the time, plus a per-CTA prologue/epilogue in 128-row block equivalents.
// - FA2 overlaps softmax with matmuls only across CTAs: when shared memory (the .arch's SMEM
//   capacity) holds two of its CTAs; at head dim 256 one fits, and the softmax is exposed.
// - Memory: Q and O once, K and V once per KV head (grouped-query and multi-query attention share
//   them), each query block re-reading K and V from L2; time = launch + max(compute, L2, HBM).
// - One-token decode with grouped-query heads packs a KV group's query heads into one CTA's rows.
// - Decode (too few query blocks to fill the SMs): the KV sequence is split across CTAs and a second
//   kernel combines the partial softmaxes (flash-decoding).
// Block sizes are the kernels' own (FlashAttention sources, launch templates), by head dim.
import { DTYPE_BYTES, peakOf, pipelineLatencySeconds } from './gemm';
import type { GpuHardware } from './hardware';
import type { AttentionKernel, AttentionPass, GpuModelParams } from './params';

export interface AttentionShape {
  batch: number;
  heads: number;
  /** K/V heads (grouped-query: fewer than heads; multi-query: 1); heads when absent */
  kvHeads?: number;
  seqQ: number;
  seqKV: number;
  headDim: number;
  causal: boolean;
  dtype: 'bf16' | 'fp16';
  /** fa2 when absent */
  kernel?: AttentionKernel;
  /** fwd when absent */
  pass?: AttentionPass;
}

type Blocks = readonly [number, number];
/** A CTA's prologue and epilogue (load Q, write O) are counted in blocks of this many KV rows. */
const OVERHEAD_BLOCK_KV = 128;
/** [Br, Bc] of the forward kernel by head dim (FA2: flash_fwd_launch_template.h, sm80/sm90; FA3:
 *  hopper/flash_fwd_launch_template.h, hdim128 causal uses 128 x 128). */
function fwdBlocks(kernel: AttentionKernel, d: number, causal: boolean): Blocks {
  if (kernel === 'fa3') return d <= 64 ? [192, 128] : d <= 128 ? [128, causal ? 128 : 176] : [128, 80];
  return d <= 64 ? [128, 128] : d <= 128 ? [128, 64] : [128, 64];
}
/** [Br, Bc] of the backward kernel (FA2 flash_bwd_launch_template.h, sm80/sm90). */
function bwdBlocks(d: number): Blocks {
  return d <= 64 ? [128, 128] : d <= 128 ? [64, 128] : [64, 64];
}

interface CriticalSm {
  blocks: number;
  ctas: number;
}
const criticalCache = new Map<string, CriticalSm>();
/** Most CTAs list-scheduled one by one (about 0.1 s); above it the balanced bound is used. */
const MAX_LISTED = 2 ** 22;

/**
 * The busiest SM when `groups` copies of CTAs with `perCta[i]` blocks each are list-scheduled
 * (longest first) onto `sms` SMs. Depends only on the shape, so it is cached.
 */
function criticalSm(key: string, sms: number, groups: number, perCta: Int32Array): CriticalSm {
  const hit = criticalCache.get(key);
  if (hit) return hit;
  const order = Int32Array.from(perCta).sort().reverse();
  let out: CriticalSm;
  if (groups * order.length > MAX_LISTED) {
    // Too many CTAs to list one by one (beyond any measured kernel): the balanced load, which list
    // scheduling approaches within one CTA's blocks, a vanishing share at this count.
    let total = 0;
    for (let i = 0; i < order.length; i++) total += order[i]!;
    out = { blocks: Math.ceil((total * groups) / sms), ctas: Math.ceil((groups * order.length) / sms) };
  } else if (order[0] === order[order.length - 1]) {
    // uniform CTAs: waves
    const ctas = Math.ceil((groups * order.length) / sms);
    out = { blocks: ctas * order[0]!, ctas };
  } else {
    const loadBlocks = new Float64Array(sms);
    const loadCtas = new Int32Array(sms);
    const heap = Int32Array.from({ length: sms }, (_, i) => i);
    const less = (a: number, b: number) => loadBlocks[a]! < loadBlocks[b]! || (loadBlocks[a] === loadBlocks[b] && a < b);
    const siftDown = () => {
      let i = 0;
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
    for (let w = 0; w < order.length; w++)
      for (let g = 0; g < groups; g++) {
        const sm = heap[0]!;
        loadBlocks[sm]! += order[w]!;
        loadCtas[sm]! += 1;
        siftDown();
      }
    let best = 0;
    for (let i = 1; i < sms; i++) if (loadBlocks[i]! > loadBlocks[best]!) best = i;
    out = { blocks: loadBlocks[best]!, ctas: loadCtas[best]! };
  }
  if (criticalCache.size > 4096) criticalCache.clear();
  criticalCache.set(key, out);
  return out;
}

export interface AttentionBreakdown {
  seconds: number;
  computeSeconds: number;
  memorySeconds: number;
  ctas: number;
  blockQ: number;
  blockKV: number;
  hbmBytes: number;
  l2Bytes: number;
  /** matmul FLOPs executed (skipped causal blocks excluded, diagonal blocks whole) */
  mmaFlops: number;
}

interface PassTime {
  compute: number;
  hbmBytes: number;
  l2Bytes: number;
  ctas: number;
  mmaFlops: number;
  launches: number;
  br: number;
  bc: number;
}

/** FA2 CTAs resident on one SM, by shared memory (the Q tile and one K and one V tile, 2 bytes an
 *  element), at most two (4-warp CTAs at 255 registers a thread fill half the register file). */
export function residentCtas(hw: GpuHardware, br: number, bc: number, d: number): number {
  const smem = (br * d + 2 * bc * d) * 2;
  return Math.max(1, Math.min(2, hw.smemBytesPerSm ? Math.floor(hw.smemBytesPerSm / smem) : 1));
}

/** One block's time on an SM: matmuls and softmax overlapped by the kernel's `overlap`. */
function blockSeconds(hw: GpuHardware, p: GpuModelParams, s: AttentionShape, br: number, bc: number, flopsPerScore: number, eff: number): number {
  const k = s.kernel ?? 'fa2';
  const kernel = p.attention[k];
  // FA2 issues Ampere's synchronous mma.sync, which reaches only part of Hopper's tensor peak (the
  // .arch's sync_mma_fraction); FA3 issues wgmma, the whole peak
  const rate = k === 'fa2' ? hw.syncMmaFraction : 1;
  const mma = (br * bc * flopsPerScore * s.headDim) / ((peakOf(hw, s.dtype) * rate * eff) / hw.smCount);
  const sfu = hw.sfuPerSmPerClock ?? 16;
  const soft = (br * bc * p.softmaxCostPerScore) / (sfu * hw.clockHz);
  // FA3 overlaps inside its CTA (ping-pong warpgroups); FA2 only across CTAs, when two are resident
  // on the SM; the backward pass recomputes P and then dS from it, one after the other: no overlap
  const across = k === 'fa3' || residentCtas(hw, br, bc, s.headDim) > 1;
  const overlap = flopsPerScore === 4 && across ? kernel.overlap : 0;
  const t = Math.max(mma, soft) + (1 - overlap) * Math.min(mma, soft);
  return s.causal ? t * kernel.causalFactor : t;
}

function forwardPass(hw: GpuHardware, p: GpuModelParams, s0: AttentionShape): PassTime {
  const kernel = s0.kernel ?? 'fa2';
  // one-token decode with grouped-query heads: the kernel packs a KV group's query heads into the
  // query rows of one CTA (FA2's seqlenq_ngroups_swapped), so K and V are streamed once per KV head
  const kvh = s0.kvHeads ?? s0.heads;
  const s = s0.seqQ === 1 && kvh < s0.heads ? { ...s0, heads: kvh, seqQ: s0.heads / kvh } : s0;
  const [br0, bc] = fwdBlocks(kernel, s.headDim, s.causal);
  const br = Math.min(br0, s.seqQ);
  const nq = Math.ceil(s.seqQ / br);
  const nk = Math.ceil(s.seqKV / bc);
  const groups = s.batch * s.heads;
  const split = groups * nq >= hw.smCount ? 1 : Math.max(1, Math.min(nk, Math.ceil(hw.smCount / (groups * nq))));
  const nkPer = Math.ceil(nk / split);
  const causal = s.causal && split === 1;
  const perQ = new Int32Array(nq);
  let visited = 0;
  for (let i = 0; i < nq; i++) {
    perQ[i] = causal ? Math.max(1, Math.min(nkPer, Math.ceil((Math.min(s.seqQ, (i + 1) * br) + s.seqKV - s.seqQ) / bc))) : nkPer;
    visited += perQ[i]!;
  }
  const crit = criticalSm(`f/${hw.smCount}/${groups * split}/${nq}/${nkPer}/${causal}/${s.seqQ}/${s.seqKV}/${br}/${bc}`, hw.smCount, groups * split, perQ);
  const tBlock = blockSeconds(hw, p, s, br, bc, 4, p.attention[kernel].fwdEfficiency);
  const compute = (crit.blocks + (crit.ctas * p.attentionCtaOverheadBlocks * OVERHEAD_BLOCK_KV) / bc) * tBlock;
  const kvHeads = s.kvHeads ?? s.heads;
  const B = DTYPE_BYTES[s.dtype];
  const hbmBytes = B * s.batch * (2 * s.heads * s.seqQ * s.headDim + 2 * kvHeads * s.seqKV * s.headDim);
  const l2Bytes = B * groups * split * visited * bc * 2 * s.headDim;
  return { compute, hbmBytes, l2Bytes, ctas: groups * nq * split, mmaFlops: 4 * groups * split * visited * br * bc * s.headDim, launches: split > 1 ? 2 : 1, br, bc };
}

function backwardPass(hw: GpuHardware, p: GpuModelParams, s: AttentionShape): PassTime {
  const [br0, bc0] = bwdBlocks(s.headDim);
  const br = Math.min(br0, s.seqQ);
  const bc = Math.min(bc0, s.seqKV);
  const nq = Math.ceil(s.seqQ / br);
  const nk = Math.ceil(s.seqKV / bc);
  const groups = s.batch * s.heads;
  // per key block j: the query blocks at or below the diagonal
  const perK = new Int32Array(nk);
  let visited = 0;
  for (let j = 0; j < nk; j++) {
    perK[j] = s.causal ? Math.max(1, nq - Math.floor(Math.max(0, j * bc - (s.seqKV - s.seqQ)) / br)) : nq;
    visited += perK[j]!;
  }
  const crit = criticalSm(`b/${hw.smCount}/${groups}/${nk}/${nq}/${s.causal}/${s.seqQ}/${s.seqKV}/${br}/${bc}`, hw.smCount, groups, perK);
  const tBlock = blockSeconds(hw, p, s, br, bc, 10, p.attention[s.kernel ?? 'fa2'].bwdEfficiency);
  const compute = (crit.blocks + (crit.ctas * p.attentionCtaOverheadBlocks * OVERHEAD_BLOCK_KV) / bc) * tBlock;
  const kvHeads = s.kvHeads ?? s.heads;
  const B = DTYPE_BYTES[s.dtype];
  // reads Q, K, V, O, dO; writes dQ, dK, dV; dQ accumulated in fp32 (read and written)
  const hbmBytes = B * s.batch * (4 * s.heads * s.seqQ * s.headDim + 4 * kvHeads * s.seqKV * s.headDim) + 8 * groups * s.seqQ * s.headDim;
  const l2Bytes = B * groups * visited * br * 4 * s.headDim;
  // FA2's backward: a preprocessing kernel (rowsum dO o O), the main kernel, the dQ conversion
  return { compute, hbmBytes, l2Bytes, ctas: groups * nk, mmaFlops: 10 * groups * visited * br * bc * s.headDim, launches: 3, br, bc };
}

export function attentionBreakdown(hw: GpuHardware, p: GpuModelParams, s: AttentionShape): AttentionBreakdown {
  const pass = s.pass ?? 'fwd';
  const parts: PassTime[] = [];
  if (pass !== 'bwd') parts.push(forwardPass(hw, p, s));
  if (pass !== 'fwd') parts.push(backwardPass(hw, p, s));
  const hbmBw = hw.hbmBytesPerSecond * p.hbmEfficiency;
  const l2Bw = hw.l2BytesPerSecond ? hw.l2BytesPerSecond * p.l2Efficiency : 0;
  let seconds = 0, compute = 0, memory = 0, hbmBytes = 0, l2Bytes = 0, ctas = 0, mmaFlops = 0;
  for (const x of parts) {
    const mem = Math.max(x.hbmBytes / hbmBw, l2Bw > 0 ? x.l2Bytes / l2Bw : 0);
    seconds += x.launches * p.launchSeconds + pipelineLatencySeconds(hw) + Math.max(x.compute, mem);
    compute += x.compute;
    memory += mem;
    hbmBytes += x.hbmBytes;
    l2Bytes += x.l2Bytes;
    ctas += x.ctas;
    mmaFlops += x.mmaFlops;
  }
  return { seconds, computeSeconds: compute, memorySeconds: memory, ctas, blockQ: parts[0]!.br, blockKV: parts[0]!.bc, hbmBytes, l2Bytes, mmaFlops };
}

export function predictAttentionSeconds(hw: GpuHardware, p: GpuModelParams, s: AttentionShape): number {
  return attentionBreakdown(hw, p, s).seconds;
}

/** FLOPs by the FlashAttention convention: forward 4 b h sq skv d (halved when causal), backward 2.5x. */
export function attentionFlops(s: AttentionShape): number {
  const fwd = (4 * s.batch * s.heads * s.seqQ * s.seqKV * s.headDim) / (s.causal ? 2 : 1);
  const pass = s.pass ?? 'fwd';
  return pass === 'fwd' ? fwd : pass === 'bwd' ? 2.5 * fwd : 3.5 * fwd;
}

/** Compulsory HBM bytes of the pass(es): Q, O (and dQ, dO) once, K and V (and dK, dV) once per KV head. */
export function attentionCompulsoryBytes(s: AttentionShape): number {
  const q = s.batch * s.heads * s.seqQ * s.headDim * DTYPE_BYTES[s.dtype];
  const kv = s.batch * (s.kvHeads ?? s.heads) * s.seqKV * s.headDim * DTYPE_BYTES[s.dtype];
  const pass = s.pass ?? 'fwd';
  const fwd = 2 * q + 2 * kv;
  const bwd = 4 * q + 4 * kv;
  return pass === 'fwd' ? fwd : pass === 'bwd' ? bwd : fwd + bwd;
}

export function rooflineAttentionSeconds(hw: GpuHardware, s: AttentionShape): number {
  return Math.max(attentionFlops(s) / peakOf(hw, s.dtype), attentionCompulsoryBytes(s) / hw.hbmBytesPerSecond);
}
