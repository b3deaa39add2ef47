// The one seeded generator every stage uses (random inputs, mapper search, fuzzing, random graphs), so a
// seed means the same stream everywhere and on every platform.

/** mulberry32: a small, fast 32-bit generator, fully specified here. Returns uint32 values. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
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
