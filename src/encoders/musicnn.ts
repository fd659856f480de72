// MusiCNN music taggers (Pons & Serra 2019; weights of github.com/Quint-e/musicnn_keras) on our libtorch
// engine: the MagnaTagATune (MTT) and Million Song Dataset (MSD) models, 50 tags each.
// Contract: 16 kHz mono samples in [-1, 1] -> log-mel (62.5 frames/s, 96 bands) -> patches of 187 frames
// (2.992 s; hop one patch unless told) -> per patch 50 tag probabilities (sigmoid, independent) and the
// 200-d `penultimate` embedding; optionally per-frame 753-d features at 62.5 frames/s (the dense midend
// output the backend pools: frontend [0, 561) = timbral [0, 408) + temporal [408, 561), then cnn1, cnn2, cnn3
// of 64 each). The clip's tags are the mean of its patch probabilities, as musicnn's `top_tags`.
import { V2meowError } from '../errors.js';
import { noGrad } from '../torch/autograd.js';
import { tensor } from '../torch/create.js';
import { tidy } from '../torch/scope.js';
import { resolveModel } from '../weights/modelStore.js';
import { type LabelScore, meanRows, topK } from './classification.js';
import {
  type MusicnnMel,
  musicnnFrameRateHz,
  musicnnLogMel,
  musicnnSampleRateHz,
  patchBatch,
  patchStarts,
} from './musicnnFrontend.js';
import {
  frameFeatureChannels,
  MusicnnNetwork,
  type MusicnnNetworkConfig,
  musicnnNetworkPresets,
} from './musicnnNetwork.js';
import { loadMusicnnNetwork, readMusicnnLabels } from './musicnnWeights.js';

export type MusicnnDataset = 'mtt' | 'msd';

export interface MusicnnConfig {
  /** Training set of the tags: MagnaTagATune or the Million Song Dataset. */
  readonly dataset: MusicnnDataset;
  /** Manifest id of the Keras .h5 weights; null builds random weights (debug preset). */
  readonly modelId: string | null;
  /** Manifest id of configuration.py (the tag lists). */
  readonly labelsId: string;
  /** Input sample rate in Hz. */
  readonly sampleRateHz: number;
  /** Patches per forward pass (memory grows with it; 8 patches use about 200 MB). */
  readonly batchSize: number;
  readonly network: MusicnnNetworkConfig;
}

const mttConfig: MusicnnConfig = {
  dataset: 'mtt',
  modelId: 'musicnn-mtt',
  labelsId: 'musicnn-config',
  sampleRateHz: musicnnSampleRateHz,
  batchSize: 8,
  network: musicnnNetworkPresets.default,
};

/** `mtt` and `msd` are the published models; `debug` is a small random MTT-shaped network (fast tests). */
export const musicnnPresets = {
  mtt: mttConfig,
  msd: { ...mttConfig, dataset: 'msd', modelId: 'musicnn-msd' },
  debug: {
    ...mttConfig,
    modelId: null,
    network: {
      ...musicnnNetworkPresets.default,
      timbralFilters: 8,
      temporalFilters: 4,
      midendFilters: 8,
      backendUnits: 16,
    },
  },
} as const satisfies Record<string, MusicnnConfig>;

export interface MusicnnTagOptions {
  /** Seconds between patch starts, rounded to frames; default one patch (no overlap, as the reference). */
  readonly hopSeconds?: number;
  /** Add a last patch ending at the last frame when the regular patches leave a tail; default true. */
  readonly coverEnd?: boolean;
  /** Also return the per-frame features; default false. */
  readonly frameFeatures?: boolean;
  /** Progress after each batch. */
  readonly onProgress?: (patchesDone: number, numPatches: number) => void;
}

/** Per-frame features of a whole clip, overlapping patches averaged. */
export interface MusicnnFrameFeatures {
  readonly numFrames: number;
  /** 753 for the published models. */
  readonly channels: number;
  /** Frames per second (62.5); frame t is centred at t / frameRateHz seconds. */
  readonly frameRateHz: number;
  /** Row-major [numFrames, channels]. */
  readonly data: Float32Array;
}

export interface MusicnnTagResult {
  readonly numPatches: number;
  /** Start of each patch in seconds. */
  readonly patchStartSec: readonly number[];
  /** Length of a patch in seconds (2.992). */
  readonly patchSec: number;
  /** Row-major [numPatches, numTags] tag probabilities. */
  readonly probabilities: Float32Array;
  /** [numTags] mean of the patch probabilities. */
  readonly clipProbabilities: Float32Array;
  /** Row-major [numPatches, backendUnits] penultimate embeddings. */
  readonly penultimate: Float32Array;
  /** Present when asked for with `frameFeatures: true`. */
  readonly frameFeatures: MusicnnFrameFeatures | null;
}

export class MusicnnTagger {
  private constructor(
    readonly config: MusicnnConfig,
    /** Tag names in output order. */
    readonly labels: readonly string[],
    readonly network: MusicnnNetwork,
  ) {}

  /** Loads a model through the model store; `debug` builds random weights with the MTT tag names. */
  static async fromPretrained(
    preset: keyof typeof musicnnPresets = 'mtt',
    overrides: Partial<MusicnnConfig> = {},
  ): Promise<MusicnnTagger> {
    const config: MusicnnConfig = { ...musicnnPresets[preset], ...overrides };
    const lists = readMusicnnLabels(config.labelsId);
    const labels = config.dataset === 'mtt' ? lists.mtt : lists.msd;
    if (labels.length !== config.network.numTags)
      throw new V2meowError(
        'BAD_FORMAT',
        `expected ${config.network.numTags} ${config.dataset.toUpperCase()} tags, found ${labels.length}`,
        resolveModel(config.labelsId),
      );
    const network =
      config.modelId === null
        ? new MusicnnNetwork(config.network)
        : await loadMusicnnNetwork(resolveModel(config.modelId), config.network);
    return new MusicnnTagger(config, labels, network);
  }

  /** Tags a 16 kHz mono waveform. */
  tag(samples16k: Float32Array, options: MusicnnTagOptions = {}): MusicnnTagResult {
    return this.tagMel(musicnnLogMel(samples16k), options);
  }

  /** Tags a precomputed MusiCNN log-mel spectrogram (share one between the MTT and MSD taggers). */
  tagMel(mel: MusicnnMel, options: MusicnnTagOptions = {}): MusicnnTagResult {
    const { patchFrames, numTags, backendUnits, numMels } = this.config.network;
    if (mel.numMels !== numMels)
      throw new V2meowError('SHAPE_MISMATCH', `mel has ${mel.numMels} bands, the model takes ${numMels}`);
    const hopFrames =
      options.hopSeconds === undefined
        ? patchFrames
        : Math.max(1, Math.round(options.hopSeconds * musicnnFrameRateHz));
    const starts = patchStarts(mel.numFrames, patchFrames, hopFrames, options.coverEnd ?? true);
    const probabilities = new Float32Array(starts.length * numTags);
    const penultimate = new Float32Array(starts.length * backendUnits);
    const channels = frameFeatureChannels(this.config.network);
    const stitch = options.frameFeatures ? new FrameStitcher(mel.numFrames, channels) : null;
    for (let first = 0; first < starts.length; first += this.config.batchSize) {
      const batchStarts = starts.slice(first, first + this.config.batchSize);
      const batch = patchBatch(mel, batchStarts, patchFrames);
      noGrad(() =>
        tidy(() => {
          const out = this.network.forward(tensor(batch, [batchStarts.length, patchFrames, numMels]));
          probabilities.set(out.probabilities.data() as Float32Array, first * numTags);
          penultimate.set(out.penultimate.data() as Float32Array, first * backendUnits);
          if (stitch) {
            const frames = out.frameFeatures.contiguous().data() as Float32Array;
            for (const [p, start] of batchStarts.entries())
              stitch.add(
                frames.subarray(p * patchFrames * channels, (p + 1) * patchFrames * channels),
                start,
              );
          }
        }),
      );
      options.onProgress?.(Math.min(first + this.config.batchSize, starts.length), starts.length);
    }
    return {
      numPatches: starts.length,
      patchStartSec: starts.map((s) => s / musicnnFrameRateHz),
      patchSec: patchFrames / musicnnFrameRateHz,
      probabilities,
      clipProbabilities: meanRows(probabilities, starts.length, numTags),
      penultimate,
      frameFeatures: stitch?.result() ?? null,
    };
  }

  /** The k best tags of a probability vector, highest first. */
  top(probabilities: ArrayLike<number>, k: number): LabelScore[] {
    return topK(probabilities, this.labels, k);
  }

  dispose(): void {
    this.network.dispose();
  }
}

/** Averages per-patch frame features onto the clip's frame timeline. */
class FrameStitcher {
  private readonly sum: Float32Array;
  private readonly count: Uint16Array;
  constructor(
    private readonly numFrames: number,
    private readonly channels: number,
  ) {
    this.sum = new Float32Array(numFrames * channels);
    this.count = new Uint16Array(numFrames);
  }
  /** patch [patchFrames, channels] starting at frame `start`; frames past the clip (padding) are dropped. */
  add(patch: Float32Array, start: number): void {
    const frames = Math.min(patch.length / this.channels, this.numFrames - start);
    for (let t = 0; t < frames; t++) {
      const row = (start + t) * this.channels;
      for (let c = 0; c < this.channels; c++) this.sum[row + c]! += patch[t * this.channels + c]!;
      this.count[start + t]! += 1;
    }
  }
  result(): MusicnnFrameFeatures {
    for (let t = 0; t < this.numFrames; t++) {
      const n = this.count[t]!;
      if (n > 1) for (let c = 0; c < this.channels; c++) this.sum[t * this.channels + c]! /= n;
    }
    return {
      numFrames: this.numFrames,
      channels: this.channels,
      frameRateHz: musicnnFrameRateHz,
      data: this.sum,
    };
  }
}

/** Both taggers' results for one clip (the log-mel is computed once). */
export interface MusicnnPairResult {
  readonly mtt: MusicnnTagResult;
  readonly msd: MusicnnTagResult;
}

/**
 * The audio style space of the evaluation toolkit (MuLan's role): MTT + MSD clip-mean tag probabilities
 * concatenated, 100-d (MTT tags first). Fits the StyleEncoder interface of src/eval/style.ts.
 */
export class MusicnnStyleEncoder {
  readonly id = 'musicnn-mtt-msd';
  readonly dim: number;
  private constructor(
    readonly mtt: MusicnnTagger,
    readonly msd: MusicnnTagger,
  ) {
    this.dim = mtt.labels.length + msd.labels.length;
  }

  static async fromPretrained(): Promise<MusicnnStyleEncoder> {
    const mtt = await MusicnnTagger.fromPretrained('mtt');
    try {
      return new MusicnnStyleEncoder(mtt, await MusicnnTagger.fromPretrained('msd'));
    } catch (error) {
      mtt.dispose();
      throw error;
    }
  }

  /** Tags a 16 kHz mono waveform with both models. */
  tagBoth(samples16k: Float32Array, options: MusicnnTagOptions = {}): MusicnnPairResult {
    const mel = musicnnLogMel(samples16k);
    return { mtt: this.mtt.tagMel(mel, options), msd: this.msd.tagMel(mel, options) };
  }

  /** [dim] style embedding: MTT then MSD clip-mean tag probabilities. */
  styleEmbedding(samples16k: Float32Array): Float32Array {
    return styleVector(this.tagBoth(samples16k));
  }

  /** StyleEncoder.embed: the style embedding. */
  embed(samples16k: Float32Array): Float32Array {
    return this.styleEmbedding(samples16k);
  }

  /** Labels of the style vector's dimensions (`mtt:` / `msd:` prefixed). */
  get labels(): string[] {
    return [...this.mtt.labels.map((l) => `mtt:${l}`), ...this.msd.labels.map((l) => `msd:${l}`)];
  }

  dispose(): void {
    this.mtt.dispose();
    this.msd.dispose();
  }
}

/** MTT then MSD clip probabilities as one vector. */
export function styleVector(pair: MusicnnPairResult): Float32Array {
  const out = new Float32Array(pair.mtt.clipProbabilities.length + pair.msd.clipProbabilities.length);
  out.set(pair.mtt.clipProbabilities);
  out.set(pair.msd.clipProbabilities, pair.mtt.clipProbabilities.length);
  return out;
}
