// The free numbers of the GPU kernel model: efficiencies and overheads, never a hardware figure
// (those come from the .arch file through GpuHardware). They are fitted by calibrate.ts on
// measurements and committed per GPU in native/calibration/<target>.json.

import type { GpuDType } from './hardware';

/** The attention kernels the model knows (FlashAttention-2 and -3). */
export const ATTENTION_KERNELS = ['fa2', 'fa3'] as const;
export type AttentionKernel = (typeof ATTENTION_KERNELS)[number];
export const ATTENTION_PASSES = ['fwd', 'bwd', 'fwd+bwd'] as const;
export type AttentionPass = (typeof ATTENTION_PASSES)[number];

export interface AttentionKernelParams {
  /** fraction of the tensor peak the forward matmuls (QK^T, PV) reach */
  fwdEfficiency: number;
  /** fraction of the tensor peak the backward matmuls (five per block) reach */
  bwdEfficiency: number;
  /** forward pass: fraction of the shorter of (matmul, softmax) hidden behind the longer, per block
   *  (FA3's producer/consumer ping-pong inside a CTA; FA2 only across two CTAs resident on an SM,
   *  since a warp runs them one after the other). Unfitted where no forward-only record exists. */
  overlap: number;
  /** block time of a causal kernel relative to a full one (the masked loop, its scheduling) */
  causalFactor: number;
}

export interface GpuModelParams {
  /** fraction of the dtype's tensor peak a GEMM main loop reaches on a full tile */
  gemmEfficiency: Partial<Record<GpuDType, number>>;
  /** per-tile pipeline fill and epilogue, in K elements added to every tile's reduction */
  gemmTileOverheadK: number;
  /** fraction of the shorter of (compute, HBM time) a GEMM hides behind the longer (1: a perfect max);
   *  L2-to-SMEM loads are always hidden behind the MMAs (they only bound the time, gemm.ts) */
  gemmOverlap: number;
  /** fraction of HBM bandwidth a kernel streams at */
  hbmEfficiency: number;
  /** fraction of L2-to-SM bandwidth tile loads reach; not fitted (it trades off against GEMM
   *  efficiency), a modelling choice: 0.8 of the .arch's 5120 B/clock */
  l2Efficiency: number;
  /** a kernel's fixed time: ramp-up, first loads, tail (kernel time, launch gaps excluded) */
  launchSeconds: number;
  attention: Record<AttentionKernel, AttentionKernelParams>;
  /** softmax work per score in SFU exp-equivalents: 1, one exp2 per score (max, scale and sum run
   *  on the FP32 cores beside it); kept as a parameter for kernels that do more */
  softmaxCostPerScore: number;
  /** per-CTA prologue/epilogue (load Q, write O), in equivalents of a 128-row KV block */
  attentionCtaOverheadBlocks: number;
}

/** Starting point of calibration; plain modelling guesses, replaced by fitted values. */
export const DEFAULT_PARAMS: GpuModelParams = {
  gemmEfficiency: { bf16: 0.75, fp16: 0.75, fp8e4m3: 0.65, tf32: 0.7, int8: 0.65, fp32: 0.7 },
  gemmTileOverheadK: 128,
  gemmOverlap: 0.8,
  hbmEfficiency: 0.85,
  l2Efficiency: 0.8,
  launchSeconds: 4e-6,
  attention: {
    fa2: { fwdEfficiency: 0.55, bwdEfficiency: 0.45, overlap: 0, causalFactor: 1 },
    fa3: { fwdEfficiency: 0.75, bwdEfficiency: 0.6, overlap: 0.8, causalFactor: 1 },
  },
  softmaxCostPerScore: 1,
  attentionCtaOverheadBlocks: 1,
};

export function cloneParams(p: GpuModelParams): GpuModelParams {
  return { ...p, gemmEfficiency: { ...p.gemmEfficiency }, attention: { fa2: { ...p.attention.fa2 }, fa3: { ...p.attention.fa3 } } };
}
