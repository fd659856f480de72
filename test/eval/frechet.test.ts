// Fréchet distance: zero for a set against itself, monotone in added noise, equal to the closed forms for
// Gaussians, finite for rank-deficient covariances, and a typed error for mismatched dimensions.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { V2meowError } from '../../src/errors.js';
import { frechetDistance, type GaussianStatistics, gaussianStatistics } from '../../src/eval/frechet.js';
import { liveTensorCount } from '../../src/torch/index.js';
import { createRandom as seededRandom } from '../../src/util/random.js';

/** Standard normal samples (Box-Muller) from a seeded generator. */
function normals(count: number, seed: number): Float32Array {
  const random = seededRandom(seed);
  const out = new Float32Array(count);
  for (let i = 0; i < count; i++)
    out[i] = Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
  return out;
}

/** Correlated features: x = z A with a fixed random mixing matrix, plus a per-dimension offset. */
function features(rows: number, dim: number, seed: number): Float32Array {
  const z = normals(rows * dim, seed);
  const mixing = normals(dim * dim, 99);
  const out = new Float32Array(rows * dim);
  for (let r = 0; r < rows; r++)
    for (let c = 0; c < dim; c++) {
      let sum = c * 0.1;
      for (let k = 0; k < dim; k++) sum += (z[r * dim + k]! * mixing[k * dim + c]!) / Math.sqrt(dim);
      out[r * dim + c] = sum;
    }
  return out;
}

function gaussian(mean: number[], covariance: number[]): GaussianStatistics {
  return {
    dim: mean.length,
    count: 1000,
    mean: Float64Array.from(mean),
    covariance: Float64Array.from(covariance),
  };
}

test('gaussianStatistics: mean and unbiased covariance of a tiny set', () => {
  const stats = gaussianStatistics(Float32Array.from([1, 2, 3, 6, 5, 10]), 3, 2);
  assert.deepEqual([...stats.mean], [3, 6]);
  // x: 1 3 5 (var 4); y: 2 6 10 (var 16); cov 8.
  assert.deepEqual([...stats.covariance], [4, 8, 8, 16]);
});

test('FD of a set against itself is < 1e-3 (1024-d, more windows than dimensions) and no tensor leaks', () => {
  const before = liveTensorCount();
  const dim = 1024;
  const rows = 1200;
  const z = normals(rows * dim, 3);
  const stats = gaussianStatistics(z, rows, dim);
  const distance = frechetDistance(stats, stats);
  assert.ok(distance < 1e-3, `self FD ${distance}`);
  assert.equal(liveTensorCount(), before);
});

test('FD grows monotonically with the level of added noise', () => {
  const dim = 32;
  const rows = 800;
  const clean = features(rows, dim, 5);
  const reference = gaussianStatistics(clean, rows, dim);
  const noise = normals(rows * dim, 6);
  const distances = [0, 0.1, 0.3, 1, 3].map((level) => {
    const noisy = clean.map((v, i) => v + level * noise[i]!);
    return frechetDistance(gaussianStatistics(noisy, rows, dim), reference);
  });
  assert.ok(distances[0]! < 1e-9, `zero noise ${distances[0]}`);
  for (let i = 1; i < distances.length; i++)
    assert.ok(distances[i]! > distances[i - 1]!, `not increasing: ${distances.join(', ')}`);
});

test('closed forms: 1-D, diagonal, and S2 = c^2 S1 with a full covariance', () => {
  // 1-D: (m1 - m2)^2 + (s1 - s2)^2 with standard deviations 2 and 3.
  assert.ok(Math.abs(frechetDistance(gaussian([1], [4]), gaussian([4], [9])) - (9 + 1)) < 1e-9);
  // Diagonal: |dmu|^2 + sum (sqrt(a_i) - sqrt(b_i))^2.
  const diagonal = frechetDistance(
    gaussian([0, 1, 2], [1, 0, 0, 0, 4, 0, 0, 0, 9]),
    gaussian([1, 1, 0], [4, 0, 0, 0, 4, 0, 0, 0, 1]),
  );
  assert.ok(Math.abs(diagonal - (1 + 0 + 4 + 1 + 0 + 4)) < 1e-9, `diagonal ${diagonal}`);
  // Full covariance A and c^2 A: tr sqrt(A^1/2 c^2 A A^1/2) = c tr A, so FD = |dmu|^2 + (1 - c)^2 tr A.
  const a = [4, 1.5, 0.5, 1.5, 3, -1, 0.5, -1, 2];
  const c = 1.7;
  const full = frechetDistance(
    gaussian([0, 0, 0], a),
    gaussian(
      [0.5, -0.5, 1],
      a.map((v) => v * c * c),
    ),
  );
  const expected = 0.25 + 0.25 + 1 + (1 - c) ** 2 * (4 + 3 + 2);
  assert.ok(Math.abs(full - expected) < 1e-9, `full ${full} vs ${expected}`);
});

test('sample FD of two Gaussians approaches the closed form as the sample grows', () => {
  const dim = 4;
  const rows = 20000;
  const z1 = normals(rows * dim, 11);
  const z2 = normals(rows * dim, 12);
  const scales = [1, 2, 0.5, 1.5];
  // Set 1: N(0, I); set 2: N(mu, diag(scales^2)); FD = |mu|^2 + sum (1 - scale)^2 = 1 + 0 + 1 + 0.25 + 0.25 = 2.5.
  const shifted = z2.map((v, i) => v * scales[i % dim]! + (i % dim === 0 ? 1 : 0));
  const distance = frechetDistance(gaussianStatistics(z1, rows, dim), gaussianStatistics(shifted, rows, dim));
  assert.ok(Math.abs(distance - 2.5) < 0.08, `sample FD ${distance}`);
});

test('rank-deficient covariances (fewer samples than dimensions) give a finite FD, ~0 against itself', () => {
  const stats = gaussianStatistics(normals(10 * 64, 21), 10, 64);
  const other = gaussianStatistics(normals(10 * 64, 22), 10, 64);
  assert.ok(frechetDistance(stats, stats) < 1e-6);
  const distance = frechetDistance(stats, other);
  assert.ok(Number.isFinite(distance) && distance > 0);
});

test('mismatched dimensions and shapes are typed errors', () => {
  assert.throws(
    () => frechetDistance(gaussian([0], [1]), gaussian([0, 0], [1, 0, 0, 1])),
    (e: unknown) => e instanceof V2meowError && e.code === 'SHAPE_MISMATCH',
  );
  assert.throws(
    () => gaussianStatistics(new Float32Array(5), 2, 3),
    (e: unknown) => e instanceof V2meowError && e.code === 'SHAPE_MISMATCH',
  );
});
