// Seeded randomness for the baselines: the same seed gives the same shuffle on every machine.
import { createRandom, shuffleInPlace } from '../util/random.js';

/**
 * A random permutation of 0..n-1 with no fixed point (n >= 2): a random order read as one cycle, so element
 * order[k] maps to order[k + 1]. Used by the shuffle baseline: clip i is scored against another clip's reference.
 */
export function derangement(n: number, seed: number): number[] {
  if (n < 2) throw new RangeError(`a derangement needs at least 2 elements, got ${n}`);
  const order = shuffleInPlace(
    Array.from({ length: n }, (_, i) => i),
    createRandom(seed),
  );
  const mapping = new Array<number>(n);
  for (let k = 0; k < n; k++) mapping[order[k]!] = order[(k + 1) % n]!;
  return mapping;
}
