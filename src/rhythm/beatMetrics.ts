// Beat-alignment metrics between a soundtrack's beats and reference beats (e.g. music beats vs visual beats):
// Beat Coverage Score (BCS), Beat Hit Score (BHS) and their F1, as adjusted by Yu et al. 2023 ("Long-Term
// Rhythmic Video Soundtracker", LORIS). D2M-GAN's original BCS = generated/reference beat counts can exceed 1;
// LORIS counts a beat as aligned only when it falls within a tolerance of a reference beat, and reports
// BCS = aligned / generated, BHS = aligned / reference, and F1 = 2 BCS BHS / (BCS + BHS).
// Matching here is one-to-one (each reference beat absorbs at most one generated beat), nearest first.

export interface BeatAlignment {
  /** Aligned beats / generated beats (precision-like), in [0, 1]. */
  readonly beatCoverageScore: number;
  /** Aligned beats / reference beats (recall-like), in [0, 1]. */
  readonly beatHitScore: number;
  /** Harmonic mean of the two. */
  readonly f1: number;
  readonly numAligned: number;
  readonly numGenerated: number;
  readonly numReference: number;
  readonly toleranceSec: number;
}

/** Default tolerance: +-70 ms, the MIREX beat F-measure window. */
export const defaultBeatToleranceSec = 0.07;

/**
 * Number of one-to-one pairs (generated, reference) with |difference| <= toleranceSec. Greedy over candidate
 * pairs sorted by distance, which is optimal for 1-D intervals narrower than the beat spacing.
 */
export function countAlignedBeats(
  generatedSec: readonly number[],
  referenceSec: readonly number[],
  toleranceSec: number,
): number {
  const pairs: { distance: number; g: number; r: number }[] = [];
  const reference = [...referenceSec].sort((a, b) => a - b);
  generatedSec.forEach((time, g) => {
    // Binary search for the first reference >= time - tolerance.
    let lo = 0;
    let hi = reference.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (reference[mid]! < time - toleranceSec) lo = mid + 1;
      else hi = mid;
    }
    for (let r = lo; r < reference.length && reference[r]! <= time + toleranceSec; r++)
      pairs.push({ distance: Math.abs(reference[r]! - time), g, r });
  });
  pairs.sort((a, b) => a.distance - b.distance);
  const usedGenerated = new Set<number>();
  const usedReference = new Set<number>();
  for (const pair of pairs) {
    if (usedGenerated.has(pair.g) || usedReference.has(pair.r)) continue;
    usedGenerated.add(pair.g);
    usedReference.add(pair.r);
  }
  return usedGenerated.size;
}

/** BCS, BHS and F1 of generated beat times against reference beat times (seconds). */
export function beatAlignmentScores(
  generatedSec: readonly number[],
  referenceSec: readonly number[],
  toleranceSec: number = defaultBeatToleranceSec,
): BeatAlignment {
  const numAligned = countAlignedBeats(generatedSec, referenceSec, toleranceSec);
  const beatCoverageScore = generatedSec.length ? numAligned / generatedSec.length : 0;
  const beatHitScore = referenceSec.length ? numAligned / referenceSec.length : 0;
  const sum = beatCoverageScore + beatHitScore;
  return {
    beatCoverageScore,
    beatHitScore,
    f1: sum > 0 ? (2 * beatCoverageScore * beatHitScore) / sum : 0,
    numAligned,
    numGenerated: generatedSec.length,
    numReference: referenceSec.length,
    toleranceSec,
  };
}

/** Beat F-measure: the F1 of beatAlignmentScores (identical to MIREX F-measure with one-to-one matching). */
export function beatF1(
  estimatedSec: readonly number[],
  referenceSec: readonly number[],
  toleranceSec = defaultBeatToleranceSec,
): number {
  return beatAlignmentScores(estimatedSec, referenceSec, toleranceSec).f1;
}
