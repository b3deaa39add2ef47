// KIVI's KV cache (Liu et al., ICML 2024, arXiv 2402.02750): keys quantised per channel (a group runs
// along the tokens of one channel), values per token (a group runs along the channels of one token),
// both asymmetric (uintN with an fp16 scale and minimum per group); the most recent R tokens stay in
// fp16 (the residual) until a whole group of them can be quantised. Footprint of one cache, exactly.
import { parseFormat, type FloatFormat } from './format';
import { quantisedSize } from './group';

export interface KvCacheShape {
  batch: number;
  layers: number;
  /** key/value heads times head dimension (channels per token, for K and for V) */
  channels: number;
  /** tokens held */
  tokens: number;
}

export interface KiviSpec {
  bits: number;
  group: number;
  /** tokens kept in full precision */
  residual: number;
  /** the residual's and the scales' format (fp16) */
  fullFormat?: FloatFormat;
}

export interface KvFootprint {
  keysBits: number;
  valuesBits: number;
  residualBits: number;
  bytes: number;
}

/** The whole cache (K and V, every layer) in full precision (fp16 unless given), in bytes. */
export function kvCacheBytes(s: KvCacheShape, bitsPerElement = 16): number {
  return (2 * s.batch * s.layers * s.channels * s.tokens * bitsPerElement) / 8;
}

/** The whole cache quantised KIVI's way, in bits per part and bytes. */
export function kiviFootprint(s: KvCacheShape, k: KiviSpec): KvFootprint {
  const full = k.fullFormat ?? (parseFormat('fp16') as FloatFormat);
  const residual = Math.min(k.residual, s.tokens);
  const quantised = s.tokens - residual;
  const format = parseFormat(`uint${k.bits}`);
  const perLayer = (axis: number) => (quantised > 0 ? quantisedSize([s.batch, quantised, s.channels], { format, group: k.group, axis, offset: true, scaleFormat: full }).totalBits : 0);
  const keysBits = perLayer(1) * s.layers;
  const valuesBits = perLayer(2) * s.layers;
  const residualBits = 2 * s.batch * s.layers * s.channels * residual * full.bits;
  return { keysBits, valuesBits, residualBits, bytes: (keysBits + valuesBits + residualBits) / 8 };
}
