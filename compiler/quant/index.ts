// Low-bit element formats and group quantisation, exactly (no hardware model here):
//   format.ts  intN/uintN and minifloats eXmY (OCP MX FP4/FP6/FP8 and any other), encode/decode, RNE
//              with saturation, packed sizes;
//   group.ts   group quantisation along a named axis (symmetric q·s, asymmetric q·s + z), exact
//              dequantisation, packed footprint with the scales;
//   kivi.ts    KIVI's KV-cache footprint (keys per channel, values per token, an fp16 residual).
//   native.ts  which (weight, activation) pairs a target's units execute natively (attr native, rate_<w>_<a>).
export { QuantError, decode, encode, floatFormat, intFormat, maxMagnitude, nonNegativeValues, packedBits, parseFormat, roundFloat, roundInt, roundToFormat, type ElementFormat, type FloatFormat, type IntFormat, type Specials } from './format';
export { axisOfRank, dequantise, quantiseGroups, quantisedSize, type GroupSpec, type QuantisedSize, type QuantisedTensor } from './group';
export { isSubByte, nativePairs, unitFor, unitPairs, type NativePair } from './native';
export { kiviFootprint, kvCacheBytes, type KiviSpec, type KvCacheShape, type KvFootprint } from './kivi';
