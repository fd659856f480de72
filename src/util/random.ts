// Small seeded pseudo-random tools shared by the corpus builder, the evaluation baselines and tests: a 32-bit
// mixing hash, the mulberry32 generator, and a Fisher-Yates shuffle. Not cryptographic; chosen for speed and
// stable output across platforms and Node versions (Math.random cannot be seeded).

/** A generator of uniform floats in [0, 1). */
export type RandomSource = () => number;

/** Mixes a seed and a label into a 32-bit unsigned integer (FNV-1a over the label, then a murmur finaliser). */
export function mixSeed(seed: number, label: string): number {
  let hash = (2166136261 ^ (seed >>> 0)) >>> 0;
  for (let i = 0; i < label.length; i++) {
    hash ^= label.charCodeAt(i);
    hash = Math.imul(hash, 16777619) >>> 0;
  }
  hash ^= hash >>> 16;
  hash = Math.imul(hash, 0x85ebca6b) >>> 0;
  hash ^= hash >>> 13;
  hash = Math.imul(hash, 0xc2b2ae35) >>> 0;
  return (hash ^ (hash >>> 16)) >>> 0;
}

/** mulberry32: a fast 32-bit state generator, deterministic for a given seed. */
export function createRandom(seed: number): RandomSource {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Shuffles `items` in place (Fisher-Yates) and returns it. */
export function shuffleInPlace<T>(items: T[], random: RandomSource): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    const swap = items[i]!;
    items[i] = items[j]!;
    items[j] = swap;
  }
  return items;
}

/** Uniform integer in [0, count). */
export function randomInt(random: RandomSource, count: number): number {
  return Math.floor(random() * count);
}
