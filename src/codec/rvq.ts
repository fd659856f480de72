// Residual vector quantizer (SoundStream, Zeghidour et al. 2021, section 3.3): greedy residual coding with
// EMA codebooks (van den Oord et al. 2017, appendix), k-means initialisation, restarts of dead codes from the
// current batch, and quantizer dropout (a random number of levels per training batch, so every prefix of
// levels decodes). Latents are [B, D, T]; codes are int64 [B, K, T].

import { lloydSteps, nearestCentroid } from '../tokens/kmeans.js';
import {
  cat,
  F,
  nn,
  noGrad,
  ones,
  randint,
  randperm,
  stack,
  type Tensor,
  tensor,
  tidy,
  zeros,
} from '../torch/index.js';

export interface ResidualQuantizerConfig {
  /** Number of levels (codebooks). */
  readonly numCodebooks: number;
  /** Entries per codebook. */
  readonly codebookSize: number;
  /** Dimension of each latent vector. */
  readonly dim: number;
  /** EMA decay of the codebook statistics (0.99 as in SoundStream / EnCodec). */
  readonly emaDecay: number;
  /**
   * A code is dead when its EMA hit count per batch falls below this fraction of the mean hit count per code
   * (frames in the batch / codebookSize): the threshold scales with the batch (EnCodec's fixed 2 hits is
   * more than an 800-frame batch gives each of 1024 codes).
   */
  readonly deadCodeFraction: number;
}

export const defaultQuantizerTraining = { emaDecay: 0.99, deadCodeFraction: 0.05 } as const;

/** What one training pass through the quantizer gives. */
export interface QuantizerOutput {
  /** Straight-through quantized latents [B, D, T] (gradients flow to the encoder as if identity). */
  readonly quantized: Tensor;
  /** Codes int64 [B, numLevels, T]. */
  readonly codes: Tensor;
  /** mean ||z - sg(q)||^2 (scalar). */
  readonly commitLoss: Tensor;
}

export class ResidualVectorQuantizer extends nn.Module {
  /** Codebooks [K, N, D]. */
  readonly codebooks: Tensor;
  /** EMA hits per code per batch [K, N]. */
  readonly clusterSize: Tensor;
  /** EMA sum of the vectors assigned to each code [K, N, D]. */
  readonly embedSum: Tensor;
  /** Dead codes restarted so far, per level (for logs). */
  restarts: number[];

  constructor(readonly config: ResidualQuantizerConfig) {
    super();
    const { numCodebooks: k, codebookSize: n, dim: d } = config;
    this.codebooks = this.buffer(
      'codebooks',
      tidy(() => nn.normal([k, n, d], 1)),
    );
    this.clusterSize = this.buffer('clusterSize', ones([k, n]));
    this.embedSum = this.buffer('embedSum', this.codebooks.clone());
    this.restarts = new Array(k).fill(0);
  }

  /** Nearest code per row: residual [M, D], codebook [N, D] -> int64 [M] (src/tokens/kmeans.ts). */
  static nearest(residual: Tensor, codebook: Tensor): Tensor {
    return nearestCentroid(residual, codebook);
  }

  /** Greedy codes for latents [B, D, T] at `numLevels` levels (default all) -> int64 [B, numLevels, T]. */
  encode(latents: Tensor, numLevels = this.config.numCodebooks): Tensor {
    return noGrad(() =>
      tidy(() => {
        const [b, d, t] = latents.shape as [number, number, number];
        let residual = latents.permute([0, 2, 1]).reshape([b * t, d]);
        const codes: Tensor[] = [];
        for (let l = 0; l < numLevels; l++) {
          const codebook = this.codebooks.select(0, l);
          const code = ResidualVectorQuantizer.nearest(residual, codebook);
          residual = residual.sub(F.embedding(codebook, code));
          codes.push(code);
        }
        return stack(codes, 1).reshape([b, t, numLevels]).permute([0, 2, 1]).contiguous();
      }),
    );
  }

  /** Codes [B, k, T] (any k <= numCodebooks: a prefix of levels) -> latents [B, D, T]. */
  decode(codes: Tensor): Tensor {
    return tidy(() => {
      const levels = codes.size(1);
      let sum: Tensor | null = null;
      for (let l = 0; l < levels; l++) {
        const vectors = F.embedding(this.codebooks.select(0, l), codes.select(1, l)); // [B, T, D]
        sum = sum === null ? vectors : sum.add(vectors);
      }
      if (sum === null) return zeros([codes.size(0), this.config.dim, codes.size(2)]);
      return sum.permute([0, 2, 1]).contiguous();
    });
  }

  /**
   * Training pass: greedy quantization at `numLevels`, EMA updates of the used levels (when `update`), and
   * restarts of dead codes. Returns straight-through latents, codes and the commitment loss.
   */
  forward(latents: Tensor, numLevels = this.config.numCodebooks, update = this.training): QuantizerOutput {
    const codes = this.encode(latents, numLevels);
    if (update) noGrad(() => this.updateCodebooks(latents.detach(), codes));
    const quantized = noGrad(() => this.decode(codes));
    const commitLoss = F.mseLoss(latents, quantized);
    const straightThrough = latents.add(quantized.sub(latents).detach());
    return { quantized: straightThrough, codes, commitLoss };
  }

  /** EMA update of levels 0..codes.size(1)-1 from latents [B, D, T] and their codes [B, k, T]. */
  private updateCodebooks(latents: Tensor, codes: Tensor): void {
    const { codebookSize: n, dim, emaDecay, deadCodeFraction } = this.config;
    tidy(() => {
      const [b, , t] = latents.shape as [number, number, number];
      const rows = b * t;
      let residual = latents.permute([0, 2, 1]).reshape([rows, dim]);
      const deadBelow = (deadCodeFraction * rows) / n;
      for (let l = 0; l < codes.size(1); l++) {
        tidy(() => {
          const code = codes.select(1, l).reshape([rows]);
          const counts = zeros([n]).indexAdd(0, code, ones([rows]));
          const sums = zeros([n, dim]).indexAdd(0, code, residual);
          const size = this.clusterSize.select(0, l);
          const embedSum = this.embedSum.select(0, l);
          size.copy_(size.mul(emaDecay).add(counts.mul(1 - emaDecay)));
          embedSum.copy_(embedSum.mul(emaDecay).add(sums.mul(1 - emaDecay)));
          // Laplace smoothing keeps every code's size positive.
          const total = size.sum();
          const smoothed = size
            .add(1e-5)
            .div(total.add(n * 1e-5))
            .mul(total);
          const codebook = this.codebooks.select(0, l);
          codebook.copy_(embedSum.div(smoothed.unsqueeze(1)));
          this.restartDeadCodes(l, residual, deadBelow);
        });
        residual = tidy(() =>
          residual.sub(F.embedding(this.codebooks.select(0, l), codes.select(1, l).reshape([rows]))),
        );
      }
    });
  }

  /** Replaces codes of level l whose EMA hits fall below `deadBelow` by random rows of `residual` [M, D]. */
  private restartDeadCodes(level: number, residual: Tensor, deadBelow: number): void {
    const size = this.clusterSize.select(0, level);
    const dead = size.lt(deadBelow).nonzero().reshape([-1]);
    const numDead = dead.size(0);
    if (numDead === 0) return;
    const rows = residual.size(0);
    const picks = numDead <= rows ? randperm(rows).narrow(0, 0, numDead) : randint(0, rows, [numDead]);
    const fresh = residual.indexSelect(0, picks);
    // Restarted codes get the mean size so they are not immediately dead again.
    const meanSize = rows / this.config.codebookSize;
    this.codebooks.select(0, level).indexCopy_(0, dead, fresh);
    this.embedSum.select(0, level).indexCopy_(0, dead, fresh.mul(meanSize));
    this.clusterSize.select(0, level).indexCopy_(0, dead, zeros([numDead]).add(meanSize));
    this.restarts[level] = (this.restarts[level] ?? 0) + numDead;
  }

  /** Sets codebooks [K, N, D] (e.g. Lyra's or k-means centres) and resets the EMA statistics to match. */
  setCodebooks(values: Float32Array, meanHitsPerBatch: number): void {
    noGrad(() =>
      tidy(() => {
        const { numCodebooks: k, codebookSize: n, dim } = this.config;
        const book = tensor(values, [k, n, dim]);
        this.codebooks.copy_(book);
        this.clusterSize.fill_(meanHitsPerBatch);
        this.embedSum.copy_(book.mul(meanHitsPerBatch));
      }),
    );
  }
}

/**
 * k-means (k-means++-free: random rows as seeds, `iterations` Lloyd steps) of the greedy residuals, level by
 * level: rows [M, D] -> codebooks [K, N, D]. Empty clusters are reseeded from random rows.
 */
export function fitResidualKMeans(
  rows: Tensor,
  numCodebooks: number,
  codebookSize: number,
  iterations: number,
  onLevel?: (level: number, relativeError: number) => void,
): Float32Array {
  return noGrad(() =>
    tidy(() => {
      const m = rows.size(0);
      let residual = rows;
      const books: Tensor[] = [];
      const energy = rows.square().sum().item();
      for (let l = 0; l < numCodebooks; l++) {
        const seeds =
          m >= codebookSize ? randperm(m).narrow(0, 0, codebookSize) : randint(0, m, [codebookSize]);
        const centres = lloydSteps(residual, residual.indexSelect(0, seeds), iterations);
        const code = ResidualVectorQuantizer.nearest(residual, centres);
        residual = residual.sub(F.embedding(centres, code));
        books.push(centres);
        onLevel?.(l, Math.sqrt(residual.square().sum().item() / energy));
      }
      return cat(
        books.map((b) => b.unsqueeze(0)),
        0,
      )
        .contiguous()
        .toFloat32Array();
    }),
  );
}
