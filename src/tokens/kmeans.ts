// k-means over float rows, shared by the semantic tokenizer, the visual-token codebook and the codec's RVQ
// initialisation: nearest-centroid assignment by one matmul (||x - c||^2 = ||x||^2 - 2 x.c + ||c||^2), Lloyd
// steps (Lloyd 1982), k-means++ seeding (Arthur & Vassilvitskii 2007) and mini-batch updates with per-centre
// learning rates 1 / count (Sculley 2010, "Web-scale k-means clustering"). Row sampling uses the seeded
// mulberry32 generator of src/util/random.ts, so a fit is a pure function of (rows, options).
import { V2meowError } from '../errors.js';
import { noGrad, ones, randint, type Tensor, tensor, tidy, zeros } from '../torch/index.js';
import { createRandom, mixSeed, type RandomSource } from '../util/random.js';

/** Index of the nearest centre per row: rows [M, D], centres [K, D] -> int64 [M]. */
export function nearestCentroid(rows: Tensor, centres: Tensor): Tensor {
  return tidy(() => {
    // The ||x||^2 term does not change the argmin.
    const scores = rows.matmul(centres.t()).mul(-2).add(centres.square().sum(1).unsqueeze(0));
    return scores.argmin(1);
  });
}

/**
 * `iterations` full Lloyd steps from `centres` [K, D] over rows [M, D] -> new centres [K, D]. A centre that
 * gets no row is reseeded from a random row (engine RNG: seed it with manualSeed for repeatable fits).
 */
export function lloydSteps(rows: Tensor, centres: Tensor, iterations: number): Tensor {
  return noGrad(() =>
    tidy(() => {
      const [m, dim] = rows.shape as [number, number];
      const k = centres.size(0);
      let current = centres;
      for (let it = 0; it < iterations; it++) {
        current = tidy(() => {
          const code = nearestCentroid(rows, current);
          const counts = zeros([k]).indexAdd(0, code, ones([m]));
          const sums = zeros([k, dim]).indexAdd(0, code, rows);
          const empty = counts.eq(0).unsqueeze(1);
          const reseed = rows.indexSelect(0, randint(0, m, [k]));
          return sums
            .div(counts.clamp(1).unsqueeze(1))
            .mul(empty.logicalNot().float())
            .add(reseed.mul(empty.float()));
        });
      }
      return current;
    }),
  );
}

export interface KMeansOptions {
  /** Number of centres K. */
  readonly numClusters: number;
  /** Seed of the k-means++ picks and the mini-batch draws (default 0). */
  readonly seed?: number;
  /** Rows per mini-batch (default 4096). */
  readonly batchSize?: number;
  /** Mini-batch steps (default 200). */
  readonly iterations?: number;
  /** Rows drawn for the k-means++ start (default max(16384, 8 K), at most all rows). */
  readonly initRows?: number;
  /**
   * During the first half of the steps, every this many steps, centres that no row of those steps chose are
   * moved to random rows of the current batch (sklearn's reassignment; default 10; 0 turns it off).
   */
  readonly reassignEvery?: number;
  /** Called after each step with the batch's mean squared distance to its nearest centre. */
  readonly onStep?: (step: number, numSteps: number, batchInertia: number) => void;
}

/** What a fit gives beside the centres. */
export interface KMeansFit {
  readonly codebook: KMeansCodebook;
  /** Mean squared distance of all rows to their nearest centre. */
  readonly inertia: number;
  /** Rows per centre in the final assignment of all rows [K]. */
  readonly counts: Int32Array;
  /** Centres moved by reassignment. */
  readonly reassigned: number;
}

/** Rows per assignment chunk: bounds the [chunk, K] score matrix. */
const assignChunkRows = 8192;

/** K centres of dimension D and nearest-centre assignment of new rows. */
export class KMeansCodebook {
  readonly numClusters: number;
  constructor(
    /** Row-major [numClusters, dim]. */
    readonly centroids: Float32Array,
    readonly dim: number,
  ) {
    if (!Number.isInteger(dim) || dim < 1 || centroids.length % dim !== 0 || centroids.length === 0)
      throw new V2meowError('SHAPE_MISMATCH', `${centroids.length} centroid values are not rows of ${dim}`);
    this.numClusters = centroids.length / dim;
  }

  /** Nearest centre of each row of `rows` (row-major [N, dim]) -> [N] in 0..numClusters-1. */
  assign(rows: Float32Array): Int32Array {
    return this.assignWithDistances(rows).codes;
  }

  /** Nearest centres and the squared distances to them. */
  assignWithDistances(rows: Float32Array): { codes: Int32Array; squaredDistances: Float32Array } {
    if (rows.length % this.dim !== 0)
      throw new V2meowError('SHAPE_MISMATCH', `${rows.length} values are not rows of ${this.dim}`);
    const n = rows.length / this.dim;
    const codes = new Int32Array(n);
    const squaredDistances = new Float32Array(n);
    noGrad(() =>
      tidy(() => {
        const centres = tensor(this.centroids, [this.numClusters, this.dim]);
        const centreNorms = centres.square().sum(1).unsqueeze(0);
        for (let first = 0; first < n; first += assignChunkRows) {
          const count = Math.min(assignChunkRows, n - first);
          tidy(() => {
            const x = tensor(rows.subarray(first * this.dim, (first + count) * this.dim), [count, this.dim]);
            const scores = x.matmul(centres.t()).mul(-2).add(centreNorms);
            const [best, index] = scores.minDim(1);
            codes.set(index.cast('int32').data() as Int32Array, first);
            const distances = best.add(x.square().sum(1)).clamp(0);
            squaredDistances.set(distances.data() as Float32Array, first);
          });
        }
      }),
    );
    return { codes, squaredDistances };
  }
}

/** Copies rows `indices` of `rows` ([N, dim]) into a new [indices.length, dim] array. */
function gatherRows(rows: Float32Array, dim: number, indices: ArrayLike<number>): Float32Array {
  const out = new Float32Array(indices.length * dim);
  for (let i = 0; i < indices.length; i++) {
    const r = indices[i]!;
    out.set(rows.subarray(r * dim, (r + 1) * dim), i * dim);
  }
  return out;
}

/** `count` distinct indices of 0..n-1 (partial Fisher-Yates), or all of them in order when count >= n. */
function sampleIndices(n: number, count: number, random: RandomSource): Int32Array {
  const all = Int32Array.from({ length: n }, (_, i) => i);
  if (count >= n) return all;
  for (let i = 0; i < count; i++) {
    const j = i + Math.floor(random() * (n - i));
    const swap = all[i]!;
    all[i] = all[j]!;
    all[j] = swap;
  }
  return all.slice(0, count);
}

/**
 * k-means++ start: K rows of `sample` ([S, dim]) picked one by one with probability proportional to the
 * squared distance to the nearest centre picked so far -> row-major [K, dim].
 */
export function kMeansPlusPlus(
  sample: Float32Array,
  dim: number,
  numClusters: number,
  random: RandomSource,
): Float32Array {
  const s = sample.length / dim;
  if (s < numClusters)
    throw new V2meowError('BAD_ARGUMENT', `k-means++ needs at least ${numClusters} rows, got ${s}`);
  const centres = new Float32Array(numClusters * dim);
  let pick = Math.floor(random() * s);
  noGrad(() =>
    tidy(() => {
      const x = tensor(sample, [s, dim]);
      const norms = x.square().sum(1);
      let nearest: Tensor | null = null;
      for (let c = 0; c < numClusters; c++) {
        const row = sample.subarray(pick * dim, (pick + 1) * dim);
        centres.set(row, c * dim);
        if (c === numClusters - 1) break;
        const next: Tensor = tidy(() => {
          const centre = tensor(row, [dim, 1]);
          const distances = norms
            .sub(x.matmul(centre).reshape([s]).mul(2))
            .add(centre.square().sum())
            .clamp(0);
          return nearest === null ? distances : nearest.minimum(distances);
        });
        nearest?.dispose();
        nearest = next;
        const weights = nearest.data() as Float32Array;
        let total = 0;
        for (let i = 0; i < s; i++) total += weights[i]!;
        // Duplicate rows everywhere (total 0): fall back to a uniform pick.
        let target = random() * total;
        pick = total > 0 ? -1 : Math.floor(random() * s);
        if (pick < 0) {
          for (let i = 0; i < s; i++) {
            target -= weights[i]!;
            if (target < 0 && weights[i]! > 0) {
              pick = i;
              break;
            }
          }
          for (let i = s - 1; pick < 0 && i >= 0; i--) if (weights[i]! > 0) pick = i;
        }
      }
    }),
  );
  return centres;
}

/**
 * Mini-batch k-means with a k-means++ start over rows [N, dim] (row-major Float32Array). Deterministic: the
 * same rows and options give the same centres.
 */
export function fitKMeans(rows: Float32Array, dim: number, o: KMeansOptions): KMeansFit {
  const k = o.numClusters;
  if (!Number.isInteger(dim) || dim < 1 || rows.length % dim !== 0)
    throw new V2meowError('SHAPE_MISMATCH', `${rows.length} values are not rows of ${dim}`);
  const n = rows.length / dim;
  if (!Number.isInteger(k) || k < 1) throw new V2meowError('BAD_ARGUMENT', `k-means K = ${k}: want >= 1`);
  if (n < k)
    throw new V2meowError('BAD_ARGUMENT', `k-means with K = ${k} needs at least ${k} rows, got ${n}`);
  const seed = o.seed ?? 0;
  const batchSize = Math.min(o.batchSize ?? 4096, n);
  const steps = o.iterations ?? 200;
  const reassignEvery = o.reassignEvery ?? 10;
  const initRandom = createRandom(mixSeed(seed, 'kmeans++'));
  const initSample = gatherRows(
    rows,
    dim,
    sampleIndices(n, Math.max(o.initRows ?? Math.max(16384, 8 * k), k), initRandom),
  );
  const centroids = kMeansPlusPlus(initSample, dim, k, initRandom);
  const batchRandom = createRandom(mixSeed(seed, 'minibatch'));
  const counts = new Float64Array(k);
  const windowHits = new Float64Array(k);
  let reassigned = 0;
  for (let step = 0; step < steps; step++) {
    const batch = gatherRows(rows, dim, sampleIndices(n, batchSize, batchRandom));
    const { codes, squaredDistances } = new KMeansCodebook(centroids, dim).assignWithDistances(batch);
    const batchCounts = new Float64Array(k);
    const batchSums = new Float64Array(k * dim);
    let inertia = 0;
    for (let i = 0; i < batchSize; i++) {
      const c = codes[i]!;
      batchCounts[c]! += 1;
      inertia += squaredDistances[i]!;
      const base = c * dim;
      const rowBase = i * dim;
      for (let d = 0; d < dim; d++) batchSums[base + d]! += batch[rowBase + d]!;
    }
    // c <- c + (S_c - b_c c) / (N_c + b_c): the running mean of every row the centre has taken.
    for (let c = 0; c < k; c++) {
      const b = batchCounts[c]!;
      if (b === 0) continue;
      counts[c]! += b;
      windowHits[c]! += b;
      const rate = 1 / counts[c]!;
      const base = c * dim;
      for (let d = 0; d < dim; d++)
        centroids[base + d] = centroids[base + d]! + (batchSums[base + d]! - b * centroids[base + d]!) * rate;
    }
    if (reassignEvery > 0 && (step + 1) % reassignEvery === 0 && step < steps / 2) {
      for (let c = 0; c < k; c++) {
        if (windowHits[c]! > 0) continue;
        const r = Math.floor(batchRandom() * batchSize);
        centroids.set(batch.subarray(r * dim, (r + 1) * dim), c * dim);
        counts[c] = 0;
        reassigned++;
      }
      windowHits.fill(0);
    }
    o.onStep?.(step + 1, steps, inertia / batchSize);
  }
  const codebook = new KMeansCodebook(centroids, dim);
  const { codes, squaredDistances } = codebook.assignWithDistances(rows);
  const finalCounts = new Int32Array(k);
  let total = 0;
  for (let i = 0; i < n; i++) {
    finalCounts[codes[i]!]! += 1;
    total += squaredDistances[i]!;
  }
  return { codebook, inertia: total / n, counts: finalCounts, reassigned };
}
