// k-means (src/tokens/kmeans.ts): separable synthetic clusters are found (assignment purity), fits are
// deterministic given a seed, assignment matches brute force, and nothing leaks.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fitKMeans, KMeansCodebook, kMeansPlusPlus } from '../../src/tokens/kmeans.js';
import { liveTensorCount } from '../../src/torch/index.js';
import { createRandom } from '../../src/util/random.js';

/** `perCluster` rows around each of `numClusters` well-separated centres in `dim` dimensions. */
function blobs(numClusters: number, perCluster: number, dim: number, seed: number) {
  const random = createRandom(seed);
  const gaussian = () => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
  const centres = Array.from({ length: numClusters }, () =>
    Array.from({ length: dim }, () => 20 * gaussian()),
  );
  const rows = new Float32Array(numClusters * perCluster * dim);
  const labels = new Int32Array(numClusters * perCluster);
  // Interleave clusters so that no cluster owns a contiguous block.
  for (let i = 0; i < labels.length; i++) {
    const c = i % numClusters;
    labels[i] = c;
    for (let d = 0; d < dim; d++) rows[i * dim + d] = centres[c]![d]! + 0.5 * gaussian();
  }
  return { rows, labels };
}

/** Fraction of rows whose cluster's majority true label is their own. */
function purity(codes: Int32Array, labels: Int32Array, k: number, numLabels: number): number {
  const table = Array.from({ length: k }, () => new Int32Array(numLabels));
  for (let i = 0; i < codes.length; i++) table[codes[i]!]![labels[i]!]! += 1;
  let agree = 0;
  for (const row of table) agree += Math.max(...row);
  return agree / codes.length;
}

test('mini-batch k-means++ finds separable clusters', () => {
  const { rows, labels } = blobs(8, 200, 6, 3);
  const before = liveTensorCount();
  const fit = fitKMeans(rows, 6, { numClusters: 8, seed: 1, batchSize: 256, iterations: 50 });
  assert.equal(liveTensorCount(), before);
  const codes = fit.codebook.assign(rows);
  assert.equal(purity(codes, labels, 8, 8), 1);
  // Every centre holds one cluster: all 8 codes used, 200 rows each.
  assert.deepEqual([...fit.counts].sort(), new Array(8).fill(200));
  assert.ok(fit.inertia < 6 * 0.5 * 0.5 * 1.5, `inertia ${fit.inertia}`);
});

test('k-means is deterministic for a seed and changes with it', () => {
  const { rows } = blobs(5, 100, 4, 9);
  const a = fitKMeans(rows, 4, { numClusters: 16, seed: 7, batchSize: 64, iterations: 20 });
  const b = fitKMeans(rows, 4, { numClusters: 16, seed: 7, batchSize: 64, iterations: 20 });
  const c = fitKMeans(rows, 4, { numClusters: 16, seed: 8, batchSize: 64, iterations: 20 });
  assert.deepEqual(a.codebook.centroids, b.codebook.centroids);
  assert.notDeepEqual(a.codebook.centroids, c.codebook.centroids);
});

test('assign agrees with brute-force nearest centres and reports squared distances', () => {
  const random = createRandom(5);
  const dim = 3;
  const centroids = Float32Array.from({ length: 10 * dim }, () => random() * 4 - 2);
  const rows = Float32Array.from({ length: 300 * dim }, () => random() * 4 - 2);
  const { codes, squaredDistances } = new KMeansCodebook(centroids, dim).assignWithDistances(rows);
  for (let i = 0; i < 300; i++) {
    let best = -1;
    let bestDistance = Number.POSITIVE_INFINITY;
    for (let c = 0; c < 10; c++) {
      let d2 = 0;
      for (let d = 0; d < dim; d++) d2 += (rows[i * dim + d]! - centroids[c * dim + d]!) ** 2;
      if (d2 < bestDistance) [best, bestDistance] = [c, d2];
    }
    assert.equal(codes[i], best);
    assert.ok(Math.abs(squaredDistances[i]! - bestDistance) < 1e-4);
  }
});

test('k-means++ picks distinct rows of well-separated data', () => {
  const { rows } = blobs(4, 10, 2, 1);
  const centres = kMeansPlusPlus(rows, 2, 4, createRandom(2));
  const codes = new KMeansCodebook(centres, 2).assign(rows);
  assert.equal(new Set(codes).size, 4);
});

test('bad shapes and K larger than the data are errors', () => {
  assert.throws(() => fitKMeans(new Float32Array(10), 3, { numClusters: 2 }), /rows of 3/);
  assert.throws(() => fitKMeans(new Float32Array(6), 3, { numClusters: 4 }), /at least 4 rows/);
  assert.throws(() => new KMeansCodebook(new Float32Array(6), 4), /rows of 4/);
});
