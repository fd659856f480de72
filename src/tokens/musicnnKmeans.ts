// The semantic tokenizer of v2meow (the role of w2v-BERT + k-means in V2Meow / AudioLM, section 3.1): MusiCNN
// frame features of one layer, pooled to 25 Hz (musicnnFeatures.ts), standardised with the mean and standard
// deviation of the fitting corpus, and quantised to the nearest of K k-means centres (kmeans.ts).
// A fitted tokenizer is a folder: semantic.safetensors (v2meow model file: mean, std and float16 centres, the
// config and provenance in its metadata) and semantic.json (the same config and provenance, for people).
// The centres are rounded to float16 when fitted, so the file holds exactly the codebook that tokenized
// during the fit and a saved and reloaded tokenizer gives identical tokens.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { MusicnnTagger, musicnnPresets } from '../encoders/musicnn.js';
import { musicnnFrameRateHz, musicnnPatchFrames, roundToFloat16 } from '../encoders/musicnnFrontend.js';
import { V2meowError } from '../errors.js';
import { semanticRateHz } from '../features/timeline.js';
import { temporaryPathFor } from '../media/atomicFile.js';
import {
  loadModelWeights,
  nn,
  readModelInfo,
  saveModel,
  type Tensor,
  tensor,
  zeros,
} from '../torch/index.js';
import { fitKMeans, KMeansCodebook, type KMeansFit, type KMeansOptions } from './kmeans.js';
import {
  type FeaturePooling,
  type MusicnnLayer,
  parseLayer,
  parsePooling,
  pooledDim,
  semanticFeatures,
} from './musicnnFeatures.js';
import type { SemanticTokenizer } from './semantic.js';

export interface MusicnnKmeansConfig {
  /** MusiCNN model whose frame features are tokenized (`debug`: random weights, for tests). */
  readonly musicnn: keyof typeof musicnnPresets;
  /** Channels of the frame features (musicnnFeatures.ts). */
  readonly layer: MusicnnLayer;
  /** How the 2-3 MusiCNN frames of a semantic frame are pooled. */
  readonly pooling: FeaturePooling;
  /** Seconds between MusiCNN patch starts (patches are 2.992 s; overlapping frames are averaged). */
  readonly patchHopSeconds: number;
  /** Vocabulary size K. */
  readonly numClusters: number;
  /** Dimension of the pooled features (checked against the model file). */
  readonly featureDim: number;
}

/** The model file kind and the version of this tokenizer's config/format. */
export const semanticModelKind = 'semantic-musicnn-kmeans';
export const semanticFormatVersion = 1;
/** File names inside a tokenizer folder. */
export const semanticWeightsFile = 'semantic.safetensors';
export const semanticInfoFile = 'semantic.json';

/** Default settings of a fit (the layer, pooling and K chosen in docs/tokens.md). */
export const defaultSemanticSettings = {
  musicnn: 'mtt',
  layer: 'midend',
  pooling: 'mean',
  patchHopSeconds: musicnnPatchFrames / musicnnFrameRateHz,
  numClusters: 1024,
} as const satisfies Omit<MusicnnKmeansConfig, 'featureDim'>;

/** Per-dimension standardisation x -> (x - mean) / std fitted with the codebook. */
export interface Standardizer {
  /** [dim] */
  readonly mean: Float32Array;
  /** [dim], > 0 (dimensions that never vary get 1). */
  readonly std: Float32Array;
}

/** Mean and standard deviation of rows [N, dim]. */
export function fitStandardizer(rows: Float32Array, dim: number): Standardizer {
  const n = rows.length / dim;
  const sum = new Float64Array(dim);
  const sumSquares = new Float64Array(dim);
  for (let i = 0; i < n; i++)
    for (let d = 0; d < dim; d++) {
      const v = rows[i * dim + d]!;
      sum[d]! += v;
      sumSquares[d]! += v * v;
    }
  const mean = new Float32Array(dim);
  const std = new Float32Array(dim);
  for (let d = 0; d < dim; d++) {
    const m = sum[d]! / n;
    const variance = Math.max(0, sumSquares[d]! / n - m * m);
    mean[d] = m;
    std[d] = variance > 1e-12 ? Math.sqrt(variance) : 1;
  }
  return { mean, std };
}

/** Standardises rows [N, dim] in place and returns them. */
export function standardize(rows: Float32Array, s: Standardizer): Float32Array {
  const dim = s.mean.length;
  for (let i = 0; i < rows.length; i += dim)
    for (let d = 0; d < dim; d++) rows[i + d] = (rows[i + d]! - s.mean[d]!) / s.std[d]!;
  return rows;
}

/** The tensors of a tokenizer file, as a module so that saveModel / loadModelWeights check names and shapes. */
class SemanticCodebookWeights extends nn.Module {
  readonly featureMean: Tensor;
  readonly featureStd: Tensor;
  readonly centroids: Tensor;
  constructor(numClusters: number, dim: number) {
    super();
    this.featureMean = this.buffer('featureMean', zeros([dim]));
    this.featureStd = this.buffer('featureStd', zeros([dim]));
    this.centroids = this.buffer('centroids', zeros([numClusters, dim], { dtype: 'float16' }));
  }
}

/** Provenance stored with a fitted tokenizer (corpus, hours, command, date...). */
export type SemanticProvenance = Record<string, unknown>;

export class MusicnnKmeansTokenizer implements SemanticTokenizer {
  readonly frameRateHz = semanticRateHz;
  readonly id: string;

  constructor(
    readonly config: MusicnnKmeansConfig,
    readonly tagger: MusicnnTagger,
    readonly standardizer: Standardizer,
    readonly codebook: KMeansCodebook,
    readonly provenance: SemanticProvenance = {},
  ) {
    if (codebook.numClusters !== config.numClusters || codebook.dim !== config.featureDim)
      throw new V2meowError(
        'SHAPE_MISMATCH',
        `codebook ${codebook.numClusters} x ${codebook.dim}, config says ${config.numClusters} x ${config.featureDim}`,
      );
    const expected = pooledDim(tagger.config.network, config.layer, config.pooling);
    if (expected !== config.featureDim)
      throw new V2meowError(
        'SHAPE_MISMATCH',
        `${config.layer}/${config.pooling} gives ${expected}-d features, config says ${config.featureDim}`,
      );
    const digest = createHash('sha256');
    for (const a of [standardizer.mean, standardizer.std, codebook.centroids])
      digest.update(new Uint8Array(a.buffer, a.byteOffset, a.byteLength));
    this.id = `musicnn-kmeans-${config.musicnn}-${config.layer}-${config.pooling}-k${config.numClusters}-${digest.digest('hex').slice(0, 10)}`;
  }

  get vocabularySize(): number {
    return this.config.numClusters;
  }

  /** Standardised features [semanticFramesOf(n), featureDim] of a 16 kHz clip. */
  features(samples16k: Float32Array): Float32Array {
    return standardize(semanticFeatures(this.tagger, samples16k, this.config), this.standardizer);
  }

  tokenize(samples16k: Float32Array): Int32Array {
    return this.codebook.assign(this.features(samples16k));
  }

  /** Writes the tokenizer folder (`dir`/semantic.safetensors and semantic.json), each file atomically. */
  save(dir: string): void {
    mkdirSync(dir, { recursive: true });
    const { numClusters, featureDim } = this.config;
    const weights = new SemanticCodebookWeights(numClusters, featureDim);
    try {
      const centroids = tensor(this.codebook.centroids, [numClusters, featureDim]);
      weights.centroids.copy_(centroids);
      centroids.dispose();
      const mean = tensor(this.standardizer.mean);
      const std = tensor(this.standardizer.std);
      weights.featureMean.copy_(mean);
      weights.featureStd.copy_(std);
      mean.dispose();
      std.dispose();
      const extra = { ...this.provenance, formatVersion: semanticFormatVersion, id: this.id };
      saveModel(join(dir, semanticWeightsFile), weights, {
        kind: semanticModelKind,
        config: this.config,
        extra,
      });
      const infoPath = join(dir, semanticInfoFile);
      const tmp = temporaryPathFor(infoPath);
      writeFileSync(
        tmp,
        `${JSON.stringify({ kind: semanticModelKind, config: this.config, ...extra }, null, 2)}\n`,
      );
      renameSync(tmp, infoPath);
    } finally {
      weights.dispose();
    }
  }

  /**
   * Loads a tokenizer folder written by `save`, and its MusiCNN model through the model store unless `tagger`
   * is given (one already loaded, shared with another encoder; it must be the preset config.musicnn names,
   * which the feature dimension check catches only in part). The tokenizer owns the tagger either way.
   */
  static async load(dir: string, tagger?: MusicnnTagger): Promise<MusicnnKmeansTokenizer> {
    const path = join(dir, semanticWeightsFile);
    const info = readModelInfo<MusicnnKmeansConfig>(path, semanticModelKind);
    const config = checkConfig(info.config, path);
    if (info.extra.formatVersion !== semanticFormatVersion)
      throw new V2meowError(
        'VERSION_MISMATCH',
        `semantic tokenizer format ${String(info.extra.formatVersion)}, this v2meow reads ${semanticFormatVersion}`,
        path,
      );
    const weights = new SemanticCodebookWeights(config.numClusters, config.featureDim);
    let standardizer: Standardizer;
    let codebook: KMeansCodebook;
    try {
      loadModelWeights(path, weights);
      standardizer = {
        mean: weights.featureMean.toFloat32Array().slice(),
        std: weights.featureStd.toFloat32Array().slice(),
      };
      codebook = new KMeansCodebook(weights.centroids.toFloat32Array().slice(), config.featureDim);
    } finally {
      weights.dispose();
    }
    const { formatVersion: _v, id: _id, ...provenance } = info.extra;
    if (tagger && tagger.config.modelId !== musicnnPresets[config.musicnn].modelId)
      throw new V2meowError(
        'BAD_ARGUMENT',
        `tokenizer wants MusiCNN '${config.musicnn}', got model ${tagger.config.modelId}`,
        path,
      );
    const musicnn = tagger ?? (await MusicnnTagger.fromPretrained(config.musicnn));
    return new MusicnnKmeansTokenizer(config, musicnn, standardizer, codebook, provenance);
  }

  dispose(): void {
    this.tagger.dispose();
  }
}

/** Validates a config read from a file. */
function checkConfig(config: MusicnnKmeansConfig, path: string): MusicnnKmeansConfig {
  try {
    parseLayer(config.layer);
    parsePooling(config.pooling);
  } catch (error) {
    throw new V2meowError('BAD_FORMAT', (error as Error).message, path);
  }
  for (const key of ['numClusters', 'featureDim'] as const)
    if (!Number.isInteger(config[key]) || config[key] < 1)
      throw new V2meowError('BAD_FORMAT', `config.${key} = ${config[key]}: want a positive integer`, path);
  if (!(config.patchHopSeconds > 0))
    throw new V2meowError('BAD_FORMAT', `config.patchHopSeconds = ${config.patchHopSeconds}`, path);
  return config;
}

/** A codebook whose centres are rounded to float16 (what the model file stores). */
export function float16Codebook(codebook: KMeansCodebook): KMeansCodebook {
  return new KMeansCodebook(codebook.centroids.map(roundToFloat16), codebook.dim);
}

/**
 * The standardiser and float16 k-means codebook of standardised copies of `rows` [N, featureDim], and the
 * fraction of rows whose nearest centre is the same with the float16 centres as with the float32 ones.
 */
export function fitSemanticCodebook(
  rows: Float32Array,
  featureDim: number,
  kmeans: KMeansOptions,
): { standardizer: Standardizer; codebook: KMeansCodebook; fit: KMeansFit; float16Agreement: number } {
  const standardizer = fitStandardizer(rows, featureDim);
  const scaled = standardize(rows.slice(), standardizer);
  const fit = fitKMeans(scaled, featureDim, kmeans);
  const codebook = float16Codebook(fit.codebook);
  const exact = fit.codebook.assign(scaled);
  const rounded = codebook.assign(scaled);
  const same = exact.filter((code, i) => code === rounded[i]).length;
  return { standardizer, codebook, fit, float16Agreement: same / exact.length };
}

/** weights/semantic in the package: the committed tokenizer. */
export function defaultSemanticDir(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json')) && dirname(dir) !== dir) dir = dirname(dir);
  return join(dir, 'weights', 'semantic');
}

/** Loads a semantic tokenizer folder (default: the committed weights/semantic). */
export async function loadSemanticTokenizer(
  dir: string = defaultSemanticDir(),
  tagger?: MusicnnTagger,
): Promise<MusicnnKmeansTokenizer> {
  if (!existsSync(join(dir, semanticWeightsFile)))
    throw new V2meowError(
      'FILE_NOT_FOUND',
      'no semantic tokenizer here (fit one with `v2meow tokens fit`)',
      resolve(dir, semanticWeightsFile),
    );
  return MusicnnKmeansTokenizer.load(dir, tagger);
}
