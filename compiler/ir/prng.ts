// The one seeded generator every stage uses (random inputs, mapper search, fuzzing, random graphs), so a
// seed means the same stream everywhere and on every platform.

/** mulberry32: a small, fast 32-bit generator, fully specified here. Returns uint32 values. */
export function mulberry32(seed: number): () => number {
  // the state lives in a typed array: a closure variable holding a uint32 above 2^31 is a heap number,
  // and every step allocated one (10 MB of garbage in one LLaMA-2-7B mapping)
  const state = new Uint32Array([seed >>> 0]);
  return () => {
    state[0] = state[0]! + 0x6d2b79f5; // stored modulo 2^32, as `>>> 0`
    let t = state[0]!;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  };
}

/** A uniform stream in [0, 1) from mulberry32. */
export function uniformRng(seed: number): () => number {
  const next = mulberry32(seed);
  return () => next() / 4294967296;
}
