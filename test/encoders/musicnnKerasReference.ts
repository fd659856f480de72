// A deliberately naive MusiCNN forward pass written straight from the Keras graph (channels-last loops over
// the Keras kernels [kh, kw, in, out], unfolded batch norms with epsilon 1e-3, TensorFlow 'same' padding), used
// as the independent reference for MusicnnNetwork: no golden outputs exist for MusiCNN. One patch at a time.
import {
  frameFeatureChannels,
  frontendChannels,
  type MusicnnNetworkConfig,
} from '../../src/encoders/musicnnNetwork.js';
import { type KerasWeight, type KerasWeights, kerasWeight } from '../../src/weights/kerasHdf5.js';

export interface ReferenceOutputs {
  /** [numTags] */
  readonly probabilities: Float32Array;
  /** [backendUnits] */
  readonly penultimate: Float32Array;
  /** [numFrames, channels] the concatenated frontend + midend features. */
  readonly frameFeatures: Float32Array;
  readonly channels: number;
}

const epsilon = 1e-3;

type Get = (layer: string, name: string) => { values: Float32Array; shape: readonly number[] };

/** Applies Keras BatchNormalization (inference) in place on x[..., c] with `channels` channels. */
function batchNorm(get: Get, layer: string, x: Float32Array, channels: number): void {
  const gamma = get(layer, 'gamma').values;
  const beta = get(layer, 'beta').values;
  const mean = get(layer, 'moving_mean').values;
  const variance = get(layer, 'moving_variance').values;
  for (let i = 0; i < x.length; i++) {
    const c = i % channels;
    x[i] = ((x[i]! - mean[c]!) / Math.sqrt(variance[c]! + epsilon)) * gamma[c]! + beta[c]!;
  }
}

/**
 * Conv2D with a [kh, kw, 1, out] kernel over a one-channel image [height, width], stride 1, 'valid' after
 * padding `top` / `bottom` rows of zeros; ReLU. Output [outHeight, outWidth, out].
 */
function conv2dOneChannel(
  get: Get,
  layer: string,
  image: Float32Array,
  height: number,
  width: number,
  top: number,
  bottom: number,
): { data: Float32Array; outHeight: number; outWidth: number; filters: number } {
  const kernel = get(layer, 'kernel');
  const bias = get(layer, 'bias').values;
  const [kh, kw, , filters] = kernel.shape as [number, number, number, number];
  const outHeight = height + top + bottom - kh + 1;
  const outWidth = width - kw + 1;
  const out = new Float32Array(outHeight * outWidth * filters);
  for (let t = 0; t < outHeight; t++)
    for (let f = 0; f < outWidth; f++)
      for (let o = 0; o < filters; o++) {
        let sum = bias[o]!;
        for (let i = 0; i < kh; i++) {
          const row = t + i - top;
          if (row < 0 || row >= height) continue;
          for (let j = 0; j < kw; j++)
            sum += image[row * width + f + j]! * kernel.values[(i * kw + j) * filters + o]!;
        }
        out[(t * outWidth + f) * filters + o] = Math.max(0, sum);
      }
  return { data: out, outHeight, outWidth, filters };
}

/** Max over the width axis of [height, width, channels] -> [height, channels]. */
function maxOverWidth(x: {
  data: Float32Array;
  outHeight: number;
  outWidth: number;
  filters: number;
}): Float32Array {
  const out = new Float32Array(x.outHeight * x.filters).fill(-Infinity);
  for (let t = 0; t < x.outHeight; t++)
    for (let f = 0; f < x.outWidth; f++)
      for (let o = 0; o < x.filters; o++)
        out[t * x.filters + o] = Math.max(
          out[t * x.filters + o]!,
          x.data[(t * x.outWidth + f) * x.filters + o]!,
        );
  return out;
}

/** Midend Conv2D: kernel [7, C, 1, out] over [frames, C] zero-padded 3 + 3 frames; ReLU. -> [frames, out]. */
function midendConv(
  get: Get,
  layer: string,
  x: Float32Array,
  frames: number,
  channels: number,
): Float32Array {
  const kernel = get(layer, 'kernel');
  const bias = get(layer, 'bias').values;
  const [kh, , , filters] = kernel.shape as [number, number, number, number];
  const pad = (kh - 1) / 2;
  const out = new Float32Array(frames * filters);
  for (let t = 0; t < frames; t++)
    for (let o = 0; o < filters; o++) {
      let sum = bias[o]!;
      for (let i = 0; i < kh; i++) {
        const row = t + i - pad;
        if (row < 0 || row >= frames) continue;
        for (let c = 0; c < channels; c++)
          sum += x[row * channels + c]! * kernel.values[(i * channels + c) * filters + o]!;
      }
      out[t * filters + o] = Math.max(0, sum);
    }
  return out;
}

/** Dense: x [in] @ kernel [in, out] + bias. */
function dense(get: Get, layer: string, x: Float32Array): Float32Array {
  const kernel = get(layer, 'kernel');
  const bias = get(layer, 'bias').values;
  const [inputs, outputs] = kernel.shape as [number, number];
  const out = Float32Array.from(bias);
  for (let i = 0; i < inputs; i++)
    for (let o = 0; o < outputs; o++) out[o]! += x[i]! * kernel.values[i * outputs + o]!;
  return out;
}

/** The Keras MusiCNN graph on one log-mel patch [frames, mels]. */
export function kerasMusicnnReference(
  weights: KerasWeights,
  mel: Float32Array,
  frames: number,
  mels: number,
): ReferenceOutputs {
  const get: Get = (layer, name) => kerasWeight(weights, layer, name);
  const input = Float32Array.from(mel);
  batchNorm(get, 'batch_normalization', input, 1);
  const front: { data: Float32Array; channels: number }[] = [];
  const timbral = [
    ['conv2d', 'batch_normalization_1'],
    ['conv2d_1', 'batch_normalization_2'],
  ];
  for (const [conv, norm] of timbral) {
    const y = conv2dOneChannel(get, conv!, input, frames, mels, 3, 3);
    batchNorm(get, norm!, y.data, y.filters);
    front.push({ data: maxOverWidth(y), channels: y.filters });
  }
  const temporal = [
    ['conv2d_2', 'batch_normalization_3'],
    ['conv2d_3', 'batch_normalization_4'],
    ['conv2d_4', 'batch_normalization_5'],
  ];
  for (const [conv, norm] of temporal) {
    const length = get(conv!, 'kernel').shape[0]!;
    // TensorFlow 'same': total padding length - 1, the smaller half first.
    const top = Math.floor((length - 1) / 2);
    const y = conv2dOneChannel(get, conv!, input, frames, mels, top, length - 1 - top);
    batchNorm(get, norm!, y.data, y.filters);
    front.push({ data: maxOverWidth(y), channels: y.filters });
  }
  const frontChannels = front.reduce((n, f) => n + f.channels, 0);
  const concatenated = new Float32Array(frames * frontChannels);
  for (let t = 0; t < frames; t++) {
    let offset = 0;
    for (const f of front) {
      concatenated.set(f.data.subarray(t * f.channels, (t + 1) * f.channels), t * frontChannels + offset);
      offset += f.channels;
    }
  }
  const cnn1 = midendConv(get, 'midend_conv1', concatenated, frames, frontChannels);
  const filters = cnn1.length / frames;
  batchNorm(get, 'bn_midend_conv1', cnn1, filters);
  const cnn2 = midendConv(get, 'midend_conv2', cnn1, frames, filters);
  batchNorm(get, 'bn_midend_conv2', cnn2, filters);
  for (let i = 0; i < cnn2.length; i++) cnn2[i]! += cnn1[i]!;
  const cnn3 = midendConv(get, 'midend_conv3', cnn2, frames, filters);
  batchNorm(get, 'bn_midend_conv3', cnn3, filters);
  for (let i = 0; i < cnn3.length; i++) cnn3[i]! += cnn2[i]!;
  const channels = frontChannels + 3 * filters;
  const features = new Float32Array(frames * channels);
  for (let t = 0; t < frames; t++) {
    const row = t * channels;
    features.set(concatenated.subarray(t * frontChannels, (t + 1) * frontChannels), row);
    features.set(cnn1.subarray(t * filters, (t + 1) * filters), row + frontChannels);
    features.set(cnn2.subarray(t * filters, (t + 1) * filters), row + frontChannels + filters);
    features.set(cnn3.subarray(t * filters, (t + 1) * filters), row + frontChannels + 2 * filters);
  }
  // tf.reduce_max and tf.nn.moments over time, concatenated on a new last axis, flattened row-major.
  const flat = new Float32Array(2 * channels);
  for (let c = 0; c < channels; c++) {
    let max = -Infinity;
    let sum = 0;
    for (let t = 0; t < frames; t++) {
      max = Math.max(max, features[t * channels + c]!);
      sum += features[t * channels + c]!;
    }
    flat[2 * c] = max;
    flat[2 * c + 1] = sum / frames;
  }
  batchNorm(get, 'bn_flatpool', flat, flat.length);
  const penultimate = dense(get, 'dense', flat).map((v) => Math.max(0, v));
  batchNorm(get, 'bn_dense', penultimate, penultimate.length);
  const logits = dense(get, 'dense_1', penultimate);
  return {
    probabilities: logits.map((v) => 1 / (1 + Math.exp(-v))),
    penultimate,
    frameFeatures: features,
    channels,
  };
}

/** Deterministic uniform numbers in [-1, 1). */
function randomValues(count: number, seed: number): Float32Array {
  let state = seed >>> 0 || 1;
  return Float32Array.from({ length: count }, () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 31 - 1;
  });
}

/**
 * Random Keras-named MusiCNN weights for a (small) configuration: same layer names and kernel layouts as the
 * published .h5 files; batch-norm gammas of both signs so the negative-scale path is exercised.
 */
export function randomKerasMusicnn(config: MusicnnNetworkConfig, seed = 1): KerasWeights {
  const layers = new Map<string, KerasWeight[]>();
  let next = seed;
  const weight = (name: string, shape: number[], scale = 0.3, offset = 0): KerasWeight => {
    const values = randomValues(
      shape.reduce((a, b) => a * b, 1),
      next++ * 7919,
    ).map((v) => v * scale + offset);
    return { name, datasetName: `${name}:0`, shape, values };
  };
  const norm = (layer: string, channels: number) =>
    layers.set(layer, [
      weight('gamma', [channels], 1),
      weight('beta', [channels], 0.2),
      weight('moving_mean', [channels], 0.2),
      weight('moving_variance', [channels], 0.4, 0.6),
    ]);
  const conv = (layer: string, shape: number[]) =>
    layers.set(layer, [
      weight('kernel', shape, 1 / Math.sqrt(shape[0]! * shape[1]!)),
      weight('bias', [shape[3]!], 0.1),
    ]);
  norm('batch_normalization', 1);
  const [narrow, wide] = config.timbralWidths as [number, number];
  conv('conv2d', [config.timbralFrames, narrow, 1, config.timbralFilters]);
  conv('conv2d_1', [config.timbralFrames, wide, 1, config.timbralFilters]);
  for (const [k, length] of config.temporalFrames.entries())
    conv(`conv2d_${k + 2}`, [length, 1, 1, config.temporalFilters]);
  norm('batch_normalization_1', config.timbralFilters);
  norm('batch_normalization_2', config.timbralFilters);
  for (let k = 0; k < 3; k++) norm(`batch_normalization_${k + 3}`, config.temporalFilters);
  const front = frontendChannels(config);
  for (const [k, inputs] of [front, config.midendFilters, config.midendFilters].entries()) {
    conv(`midend_conv${k + 1}`, [config.midendFrames, inputs, 1, config.midendFilters]);
    norm(`bn_midend_conv${k + 1}`, config.midendFilters);
  }
  const pooled = 2 * frameFeatureChannels(config);
  norm('bn_flatpool', pooled);
  layers.set('dense', [
    weight('kernel', [pooled, config.backendUnits], 0.1),
    weight('bias', [config.backendUnits], 0.1),
  ]);
  norm('bn_dense', config.backendUnits);
  layers.set('dense_1', [
    weight('kernel', [config.backendUnits, config.numTags], 0.3),
    weight('bias', [config.numTags], 0.1),
  ]);
  return { layerNames: [...layers.keys()], layers };
}
