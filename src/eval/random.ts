// Seeded randomness for the baselines: the same seed gives the same shuffle on every machine.

/** mulberry32: a small, fast 32-bit PRNG; returns uniform numbers in [0, 1). */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * A random permutation of 0..n-1 with no fixed point (n >= 2): a random order read as one cycle, so element
 * order[k] maps to order[k + 1]. Used by the shuffle baseline: clip i is scored against another clip's reference.
 */
export function derangement(n: number, seed: number): number[] {
  if (n < 2) throw new RangeError(`a derangement needs at least 2 elements, got ${n}`);
  const random = seededRandom(seed);
  const order = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  const mapping = new Array<number>(n);
  for (let k = 0; k < n; k++) mapping[order[k]!] = order[(k + 1) % n]!;
  return mapping;
}
