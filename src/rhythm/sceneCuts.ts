// Scene cuts from gray-level histogram changes between consecutive frames: a cut is a change well above both
// an absolute threshold and the local median change (so fast motion inside a shot does not count).

export interface SceneCutOptions {
  /** Minimum half-L1 histogram distance (0..1) for a cut; default 0.35. */
  readonly threshold?: number;
  /** A cut must exceed this multiple of the median change in a +-8 frame neighbourhood; default 3. */
  readonly localRatio?: number;
}

/** Half L1 distance between two normalised histograms, in [0, 1]. */
export function histogramDistance(a: Float32Array, b: Float32Array): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += Math.abs(a[i]! - b[i]!);
  return sum / 2;
}

/**
 * Indices j (1..n-1) of frames that start a new shot, given per-frame histograms at a constant rate.
 * The cut time is j / fps.
 */
export function detectSceneCuts(
  histograms: readonly Float32Array[],
  options: SceneCutOptions = {},
): number[] {
  const threshold = options.threshold ?? 0.35;
  const localRatio = options.localRatio ?? 3;
  const changes = histograms.map((h, j) => (j === 0 ? 0 : histogramDistance(histograms[j - 1]!, h)));
  const cuts: number[] = [];
  for (let j = 1; j < changes.length; j++) {
    if (changes[j]! < threshold) continue;
    const neighbours = changes
      .slice(Math.max(1, j - 8), Math.min(changes.length, j + 9))
      .filter((_, k, all) => all[k] !== changes[j]);
    const sorted = [...neighbours].sort((a, b) => a - b);
    const median = sorted.length ? sorted[Math.floor(sorted.length / 2)]! : 0;
    if (changes[j]! >= localRatio * median && !(cuts.length && cuts.at(-1) === j - 1)) cuts.push(j);
  }
  return cuts;
}
