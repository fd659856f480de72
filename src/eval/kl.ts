// KL divergence between the AudioSet class distributions of a generated clip and its reference, the "KLD" of
// MusicLM / V2Meow (there from a LEAF AudioSet classifier, here from YAMNet). YAMNet's scores are independent
// sigmoids, so a clip's distribution is its window-averaged scores normalized to sum to 1 (over all 521
// classes, or over a subset such as the 145 music classes, renormalized). Direction as in MusicLM / AudioLDM:
// KL(reference || generated) = sum_c p_ref(c) log(p_ref(c) / p_gen(c)), with a small floor on both
// distributions so a class the generated clip misses costs a finite amount.

/** Probability floor added before normalizing (keeps log finite). */
export const klEpsilon = 1e-6;

/** Scores restricted to `indices` (all when omitted), floored by klEpsilon and normalized to sum 1. */
export function classDistribution(scores: ArrayLike<number>, indices?: readonly number[]): Float64Array {
  const length = indices ? indices.length : scores.length;
  const out = new Float64Array(length);
  let sum = 0;
  for (let i = 0; i < length; i++) {
    const value = Math.max(0, scores[indices ? indices[i]! : i]!) + klEpsilon;
    out[i] = value;
    sum += value;
  }
  for (let i = 0; i < length; i++) out[i]! /= sum;
  return out;
}

/** KL(p || q) in nats for two distributions of equal length (both strictly positive). */
export function klDivergence(p: ArrayLike<number>, q: ArrayLike<number>): number {
  if (p.length !== q.length) throw new RangeError(`distribution lengths differ: ${p.length} vs ${q.length}`);
  let kl = 0;
  for (let i = 0; i < p.length; i++) if (p[i]! > 0) kl += p[i]! * Math.log(p[i]! / q[i]!);
  return Math.max(0, kl);
}

/** KL(reference || generated) between two clips' class scores, over `indices` (all when omitted). */
export function clipKl(
  referenceScores: ArrayLike<number>,
  generatedScores: ArrayLike<number>,
  indices?: readonly number[],
): number {
  return klDivergence(classDistribution(referenceScores, indices), classDistribution(generatedScores, indices));
}
