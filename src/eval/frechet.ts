// Gaussian statistics of a set of feature vectors and the Fréchet distance between two Gaussians, the core of
// the Fréchet Audio Distance (Kilgour et al. 2019, "Fréchet Audio Distance: A Metric for Evaluating Music
// Enhancement Algorithms"):
//   FD = |mu1 - mu2|^2 + tr(S1) + tr(S2) - 2 tr((S1^1/2 S2 S1^1/2)^1/2).
// The trace term uses the symmetric form: S1^1/2 S2 S1^1/2 is symmetric positive semi-definite, so both square
// roots come from symmetric eigendecompositions (libtorch eigh, float64) with negative round-off eigenvalues
// clamped to 0. Unlike scipy.linalg.sqrtm on the non-symmetric S1 S2, this never returns complex parts and
// stays stable for rank-deficient covariances (fewer samples than dimensions).
import { V2meowError } from '../errors.js';
import { eigh, noGrad, type Tensor, tensor, tidy } from '../torch/index.js';

/** Mean and covariance of a set of feature vectors. */
export interface GaussianStatistics {
  /** Feature dimension D. */
  readonly dim: number;
  /** Number of vectors the statistics came from. */
  readonly count: number;
  /** [D] mean. */
  readonly mean: Float64Array;
  /** [D, D] row-major covariance (unbiased, divided by count - 1; zero when count is 1). */
  readonly covariance: Float64Array;
}

/**
 * Mean and covariance of `count` row vectors of length `dim` stored row-major in `rows` ([count, dim]).
 * Computed in float64.
 */
export function gaussianStatistics(
  rows: Float32Array | Float64Array,
  count: number,
  dim: number,
): GaussianStatistics {
  if (count < 1 || rows.length !== count * dim)
    throw new V2meowError('SHAPE_MISMATCH', `expected ${count} x ${dim} values, got ${rows.length}`);
  return noGrad(() =>
    tidy(() => {
      const x = tensor(rows, [count, dim], { dtype: 'float64' });
      const mean = x.mean(0);
      const centered = x.sub(mean);
      const covariance =
        count > 1
          ? centered
              .t()
              .matmul(centered)
              .div(count - 1)
          : centered.t().matmul(centered);
      return {
        dim,
        count,
        mean: mean.data() as Float64Array,
        covariance: covariance.data() as Float64Array,
      };
    }),
  );
}

/** Symmetric square root of a symmetric PSD matrix [D, D] via eigh; tiny negative eigenvalues clamp to 0. */
function symmetricSqrt(matrix: Tensor): Tensor {
  const [values, vectors] = eigh(matrix);
  return vectors.mul(values.clamp(0, Number.POSITIVE_INFINITY).sqrt().unsqueeze(0)).matmul(vectors.t());
}

/** Trace of the square root of a symmetric PSD matrix: sum of sqrt(max(eigenvalue, 0)). */
function traceSqrt(matrix: Tensor): number {
  const [values] = eigh(matrix);
  return values.clamp(0, Number.POSITIVE_INFINITY).sqrt().sum().item();
}

/**
 * Fréchet distance between N(mu1, S1) and N(mu2, S2); >= 0 up to round-off (clamped to 0).
 * Throws SHAPE_MISMATCH when the dimensions differ.
 */
export function frechetDistance(a: GaussianStatistics, b: GaussianStatistics): number {
  if (a.dim !== b.dim)
    throw new V2meowError('SHAPE_MISMATCH', `feature dimensions differ: ${a.dim} vs ${b.dim}`);
  const dim = a.dim;
  let meanTerm = 0;
  let traces = 0;
  for (let i = 0; i < dim; i++) {
    meanTerm += (a.mean[i]! - b.mean[i]!) ** 2;
    traces += a.covariance[i * dim + i]! + b.covariance[i * dim + i]!;
  }
  const distance = noGrad(() =>
    tidy(() => {
      const s1 = tensor(a.covariance, [dim, dim], { dtype: 'float64' });
      const s2 = tensor(b.covariance, [dim, dim], { dtype: 'float64' });
      const root1 = symmetricSqrt(s1);
      const middle = root1.matmul(s2).matmul(root1);
      // Symmetrize away round-off so eigh sees an exactly symmetric matrix.
      const symmetric = middle.add(middle.t()).mul(0.5);
      return meanTerm + traces - 2 * traceSqrt(symmetric);
    }),
  );
  return Math.max(0, distance);
}
