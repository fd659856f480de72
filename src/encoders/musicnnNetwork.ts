// The MusiCNN network (Pons & Serra 2019, "musicnn: pre-trained convolutional neural networks for music
// audio tagging"; layer graph of the Keras port github.com/Quint-e/musicnn_keras tf_to_keras/keras_models.py,
// the same as jordipons/musicnn models.py) as a module of our libtorch engine, inference form: every batch
// normalisation is folded into a per-channel (scale, shift) at load time (see musicnnWeights.ts).
//
// Input: log-mel patches [B, T, 96] (T = 187 in training; any T >= 1 works). Per frame:
//   frontend  timbral convs (7 frames x 38 and 7 x 67 mel bands, 204 filters each, max over frequency) and
//             temporal convs (128, 64, 32 frames x 1 band, 51 filters each, 'same' padding, max over frequency)
//             -> 204 + 204 + 3 x 51 = 561 channels;
//   midend    three 1-D convs over time (7 frames, 64 filters), the 2nd and 3rd residual;
//   dense     concatenation of frontend + the three midend outputs = 753 channels per frame.
// Backend: max and mean over time (interleaved per channel as Keras flattens [753, 2]) -> 1506 -> dense 200
// (ReLU, BN: the `penultimate` embedding) -> dense 50 -> sigmoid tag probabilities.
// Conv order is Keras's: conv -> ReLU -> BN -> max over frequency; many folded BN scales are negative, so the
// max cannot simply move before the BN (see ConvReluNorm.pooledOverFrequency).
import { cat, ones, stack, where, zeros } from '../torch/create.js';
import * as F from '../torch/functional.js';
import { nn } from '../torch/index.js';
import type { Tensor } from '../torch/tensor.js';

export interface MusicnnNetworkConfig {
  /** Mel bands of the input. */
  readonly numMels: number;
  /** Frames per patch the model was trained on (187 = 3 s); forward accepts other lengths. */
  readonly patchFrames: number;
  /** Filters of each timbral conv: int(1.6 * 128) = 204. */
  readonly timbralFilters: number;
  /** Frequency extents of the timbral convs: int(0.4 * 96) = 38 and int(0.7 * 96) = 67 bands. */
  readonly timbralWidths: readonly number[];
  /** Time extent of the timbral convs in frames (zero-padded 3 + 3 so the output keeps T frames). */
  readonly timbralFrames: number;
  /** Filters of each temporal conv: int(1.6 * 32) = 51. */
  readonly temporalFilters: number;
  /** Time extents of the temporal convs in frames ('same' padding). */
  readonly temporalFrames: readonly number[];
  /** Filters of each midend conv. */
  readonly midendFilters: number;
  /** Time extent of the midend convs in frames (zero-padded 3 + 3). */
  readonly midendFrames: number;
  /** Units of the penultimate dense layer. */
  readonly backendUnits: number;
  /** Output tags. */
  readonly numTags: number;
  /** Batch-norm epsilon used when folding (Keras default 1e-3). */
  readonly batchNormEpsilon: number;
}

export const musicnnNetworkDefaults: MusicnnNetworkConfig = {
  numMels: 96,
  patchFrames: 187,
  timbralFilters: 204,
  timbralWidths: [38, 67],
  timbralFrames: 7,
  temporalFilters: 51,
  temporalFrames: [128, 64, 32],
  midendFilters: 64,
  midendFrames: 7,
  backendUnits: 200,
  numTags: 50,
  batchNormEpsilon: 1e-3,
};

/** `default` is the published model; `debug` is tiny (random weights) for shape and lifetime tests. */
export const musicnnNetworkPresets = {
  default: musicnnNetworkDefaults,
  debug: {
    ...musicnnNetworkDefaults,
    numMels: 16,
    patchFrames: 24,
    timbralFilters: 6,
    timbralWidths: [6, 11],
    temporalFilters: 3,
    temporalFrames: [16, 8, 4],
    midendFilters: 5,
    backendUnits: 7,
    numTags: 4,
  },
} as const satisfies Record<string, MusicnnNetworkConfig>;

/** Channels per frame of the frontend: timbral then temporal maps. */
export function frontendChannels(config: MusicnnNetworkConfig): number {
  return (
    config.timbralWidths.length * config.timbralFilters +
    config.temporalFrames.length * config.temporalFilters
  );
}

/** Channels per frame of the dense midend output: frontend + 3 midend layers (753 for the default). */
export function frameFeatureChannels(config: MusicnnNetworkConfig): number {
  return frontendChannels(config) + 3 * config.midendFilters;
}

/** A batch norm in inference form: y = x * scale + shift per channel. */
class FoldedNorm extends nn.Module {
  readonly scale: Tensor;
  readonly shift: Tensor;
  constructor(readonly channels: number) {
    super();
    this.scale = this.buffer('scale', ones([channels]));
    this.shift = this.buffer('shift', zeros([channels]));
  }
  /** x with channels on `dim` (negative counts from the end). */
  forward(x: Tensor, dim: number): Tensor {
    const axis = dim < 0 ? x.rank + dim : dim;
    const shape = Array.from({ length: x.rank }, (_, k) => (k === axis ? this.channels : 1));
    return x.mul(this.scale.reshape(shape)).add(this.shift.reshape(shape));
  }
}

/** A conv (or dense) weight and bias, followed by ReLU and a folded norm. */
class ConvReluNorm extends nn.Module {
  readonly weight: Tensor;
  readonly bias: Tensor;
  readonly norm: FoldedNorm;
  constructor(weightShape: number[]) {
    super();
    const outChannels = weightShape[0]!;
    const fanIn = weightShape.slice(1).reduce((a, b) => a * b, 1);
    this.weight = this.param('weight', nn.fanInUniform(weightShape, fanIn));
    this.bias = this.param('bias', zeros([outChannels]));
    this.norm = this.child('norm', new FoldedNorm(outChannels));
  }

  /**
   * norm(relu(conv(x))) max-pooled over the frequency axis `dim` of the conv output, channels on dim 1.
   * Equal to pooling after the norm, in one pass over the large conv output: ReLU and the affine norm are
   * monotonic, rising where scale >= 0 and falling where scale < 0; for the falling channels the conv runs
   * with negated filters (exactly -conv, IEEE rounding being symmetric), so their max is minus the minimum.
   */
  pooledOverFrequency(convolve: (weight: Tensor, bias: Tensor) => Tensor, dim: number): Tensor {
    const sign = where(this.norm.scale.lt(0), -1, 1); // [C]
    const filterShape = this.weight.shape.map((size, k) => (k === 0 ? size : 1));
    const [flippedMax] = convolve(this.weight.mul(sign.reshape(filterShape)), this.bias.mul(sign)).maxDim(
      dim,
    );
    const channelShape = flippedMax.shape.map((size, k) => (k === 1 ? size : 1));
    return this.norm.forward(flippedMax.mul(sign.reshape(channelShape)).relu(), 1);
  }
}

/** Every output of one forward pass. */
export interface MusicnnOutputs {
  /** [B, numTags] pre-sigmoid scores. */
  readonly logits: Tensor;
  /** [B, numTags] tag probabilities. */
  readonly probabilities: Tensor;
  /** [B, backendUnits] the batch-normalised penultimate dense layer (musicnn's `penultimate`). */
  readonly penultimate: Tensor;
  /** [B, T, frameFeatureChannels] per-frame dense midend output (frontend, cnn1, cnn2, cnn3). */
  readonly frameFeatures: Tensor;
}

export class MusicnnNetwork extends nn.Module {
  readonly inputNorm: FoldedNorm;
  readonly timbral: ConvReluNorm[];
  readonly temporal: ConvReluNorm[];
  readonly midend: ConvReluNorm[];
  readonly poolNorm: FoldedNorm;
  readonly dense: ConvReluNorm;
  readonly output: nn.Linear;

  constructor(readonly config: MusicnnNetworkConfig = musicnnNetworkDefaults) {
    super();
    const c = config;
    this.inputNorm = this.child('inputNorm', new FoldedNorm(1));
    // Timbral conv weights are [filters, timbralFrames, width]: the time taps become input channels of a conv1d
    // that slides over frequency (measured faster in libtorch than a 1-channel conv2d).
    this.timbral = c.timbralWidths.map((width, k) =>
      this.child(`timbral${k}`, new ConvReluNorm([c.timbralFilters, c.timbralFrames, width])),
    );
    this.temporal = c.temporalFrames.map((frames, k) =>
      this.child(`temporal${k}`, new ConvReluNorm([c.temporalFilters, 1, frames, 1])),
    );
    const inputs = [frontendChannels(c), c.midendFilters, c.midendFilters];
    this.midend = inputs.map((channels, k) =>
      this.child(`midend${k}`, new ConvReluNorm([c.midendFilters, channels, c.midendFrames])),
    );
    const pooled = 2 * frameFeatureChannels(c);
    this.poolNorm = this.child('poolNorm', new FoldedNorm(pooled));
    this.dense = this.child('dense', new ConvReluNorm([c.backendUnits, pooled]));
    this.output = this.child('output', new nn.Linear(c.backendUnits, c.numTags));
    this.eval();
  }

  /** Frontend: normalised mel [B, T, F] -> [B, T, frontendChannels]. */
  private frontend(x: Tensor): Tensor {
    const [batch, frames, bands] = x.shape as [number, number, number];
    const c = this.config;
    const before = Math.floor((c.timbralFrames - 1) / 2);
    const padded = F.pad(x, [0, 0, before, c.timbralFrames - 1 - before]);
    // [B * T, timbralFrames, F]: row (b, t) holds frames t - 3 .. t + 3 of the zero-padded input.
    const taps = stack(
      Array.from({ length: c.timbralFrames }, (_, k) => padded.narrow(1, k, frames)),
      2,
    ).reshape([batch * frames, c.timbralFrames, bands]);
    const maps: Tensor[] = this.timbral.map((layer) =>
      layer
        .pooledOverFrequency((weight, bias) => F.conv1d(taps, weight, bias), 2) // [B * T, filters]
        .reshape([batch, frames, c.timbralFilters]),
    );
    const image = x.unsqueeze(1); // [B, 1, T, F]
    for (const [k, length] of c.temporalFrames.entries()) {
      const layer = this.temporal[k]!;
      // TensorFlow 'same': the extra pad frame of an even kernel goes after.
      const front = Math.floor((length - 1) / 2);
      const input = F.pad(image, [0, 0, front, length - 1 - front]);
      const pooled = layer.pooledOverFrequency((weight, bias) => F.conv2d(input, weight, bias), 3); // [B, filters, T]
      maps.push(pooled.transpose(1, 2));
    }
    return cat(maps, 2);
  }

  /** Midend: frontend [B, C, T] -> dense features [B, C + 3 * midendFilters, T]. */
  private midendForward(front: Tensor): Tensor {
    const pad = Math.floor((this.config.midendFrames - 1) / 2);
    const convolve = (layer: ConvReluNorm, x: Tensor) =>
      layer.norm.forward(F.conv1d(x, layer.weight, layer.bias, { padding: pad }).relu(), 1);
    const [first, second, third] = this.midend as [ConvReluNorm, ConvReluNorm, ConvReluNorm];
    const cnn1 = convolve(first, front);
    const cnn2 = convolve(second, cnn1).add(cnn1);
    const cnn3 = convolve(third, cnn2).add(cnn2);
    return cat([front, cnn1, cnn2, cnn3], 1);
  }

  /** mel patches [B, T, numMels] (log-compressed, see musicnnFrontend.ts) -> every output. */
  forward(mel: Tensor): MusicnnOutputs {
    const x = this.inputNorm.forward(mel, -1); // one scalar normaliser: scale and shift are [1]
    const front = this.frontend(x).transpose(1, 2); // [B, C, T]
    const features = this.midendForward(front); // [B, D, T]
    const [maxPool] = features.maxDim(2);
    const meanPool = features.mean(2);
    const batch = mel.size(0);
    // Keras flattens [D, 2] (max, mean) row-major: max_0, mean_0, max_1, mean_1, ...
    const pooled = this.poolNorm.forward(stack([maxPool, meanPool], 2).reshape([batch, -1]), 1);
    const penultimate = this.dense.norm.forward(
      F.linear(pooled, this.dense.weight, this.dense.bias).relu(),
      1,
    );
    const logits = this.output.forward(penultimate);
    return {
      logits,
      probabilities: logits.sigmoid(),
      penultimate,
      frameFeatures: features.transpose(1, 2),
    };
  }
}
