// Confidence intervals for win rates: the exact (Clopper-Pearson) binomial interval, found by bisection on the
// binomial tail probabilities (Clopper & Pearson 1934). Exact intervals are conservative (coverage >= 95%) and
// stay inside [0, 1] for the small counts a 3-raters-per-pair study produces, where normal approximations fail.

/** log(n choose k) via log-gamma-free summation of logs (n is at most a few thousand ratings). */
function logChoose(n: number, k: number): number {
  let result = 0;
  const smaller = Math.min(k, n - k);
  for (let index = 1; index <= smaller; index++) result += Math.log(n - smaller + index) - Math.log(index);
  return result;
}

/** P(X <= k) for X ~ Binomial(n, p). */
export function binomialCdf(k: number, n: number, p: number): number {
  if (k < 0) return 0;
  if (k >= n) return 1;
  if (p <= 0) return 1;
  if (p >= 1) return 0;
  let sum = 0;
  for (let index = 0; index <= k; index++)
    sum += Math.exp(logChoose(n, index) + index * Math.log(p) + (n - index) * Math.log1p(-p));
  return Math.min(1, sum);
}

/** Finds p in [0, 1] where the decreasing function `f(p)` crosses `target`. */
function bisect(f: (p: number) => number, target: number): number {
  let low = 0;
  let high = 1;
  for (let iteration = 0; iteration < 60; iteration++) {
    const middle = (low + high) / 2;
    if (f(middle) > target) low = middle;
    else high = middle;
  }
  return (low + high) / 2;
}

export interface Interval {
  readonly low: number;
  readonly high: number;
}

/**
 * Two-sided Clopper-Pearson interval for a proportion with `successes` of `trials` at `confidence` (0.95).
 * For trials = 0 returns [0, 1].
 */
export function clopperPearson(successes: number, trials: number, confidence = 0.95): Interval {
  if (!Number.isInteger(successes) || !Number.isInteger(trials) || successes < 0 || successes > trials)
    throw new RangeError(`bad counts: ${successes} of ${trials}`);
  if (trials === 0) return { low: 0, high: 1 };
  const tail = (1 - confidence) / 2;
  // Lower bound: P(X >= successes | p) = tail; P(X >= k) increases with p, so bisect on P(X <= k - 1).
  const low = successes === 0 ? 0 : bisect((p) => binomialCdf(successes - 1, trials, p), 1 - tail);
  // Upper bound: P(X <= successes | p) = tail; decreasing in p.
  const high = successes === trials ? 1 : bisect((p) => binomialCdf(successes, trials, p), tail);
  return { low, high };
}
