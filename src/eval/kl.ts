// KL divergence between the AudioSet class distributions of a generated clip and its reference, the "KLD" of
// MusicLM / V2Meow (there from a LEAF AudioSet classifier, here from YAMNet). YAMNet's scores are independent
// sigmoids, so a clip's distribution is its window-averaged scores normalized to sum to 1. The music-only
// variant keeps the 145 music classes and lumps every other class into one "not music" bin (146 bins): a plain
// renormalization over music classes would map a speech clip's near-zero music scores to a flat distribution
// and score it closer to a music reference than another piece of music is. Direction as in MusicLM / AudioLDM:
// KL(reference || generated) = sum_c p_ref(c) log(p_ref(c) / p_gen(c)), with a small floor on both
// distributions so a class the generated clip misses costs a finite amount.

/** Probability floor added before normalizing (keeps log finite). */
export const klEpsilon = 1e-6;

/**
 * Class distribution of clip scores [numClasses]: each score floored at 0, plus klEpsilon, normalized to sum 1.
 * With `indices`: [indices.length + 1], the selected classes followed by one bin holding all other classes.
 */
export function classDistribution(scores: ArrayLike<number>, indices?: readonly number[]): Float64Array {
  const values = Float64Array.from({ length: scores.length }, (_, i) => Math.max(0, scores[i]!) + klEpsilon);
  let out = values;
  if (indices) {
    out = new Float64Array(indices.length + 1);
    const selected = new Set(indices);
    indices.forEach((index, i) => {
      out[i] = values[index]!;
    });
    for (let c = 0; c < values.length; c++) if (!selected.has(c)) out[indices.length]! += values[c]!;
  }
  const sum = out.reduce((a, b) => a + b, 0);
  for (let i = 0; i < out.length; i++) out[i]! /= sum;
  return out;
}

/** KL(p || q) in nats for two distributions of equal length (both strictly positive). */
export function klDivergence(p: ArrayLike<number>, q: ArrayLike<number>): number {
  if (p.length !== q.length) throw new RangeError(`distribution lengths differ: ${p.length} vs ${q.length}`);
  let kl = 0;
  for (let i = 0; i < p.length; i++) if (p[i]! > 0) kl += p[i]! * Math.log(p[i]! / q[i]!);
  return Math.max(0, kl);
}

/** KL(reference || generated) between two clips' class scores, over `indices` + the rest (all when omitted). */
export function clipKl(
  referenceScores: ArrayLike<number>,
  generatedScores: ArrayLike<number>,
  indices?: readonly number[],
): number {
  return klDivergence(
    classDistribution(referenceScores, indices),
    classDistribution(generatedScores, indices),
  );
}
