// Loading MusiCNN from the Keras HDF5 files of github.com/Quint-e/musicnn_keras (MTT_musicnn.h5,
// MSD_musicnn.h5) into MusicnnNetwork: Keras kernels are transposed to libtorch layouts and every batch norm
// is folded into scale = gamma / sqrt(variance + eps), shift = beta - mean * scale. Also reads the tag lists
// from the repository's configuration.py (manifest id `musicnn-config`).
import { readFileSync } from 'node:fs';
import { V2meowError } from '../errors.js';
import { noGrad } from '../torch/autograd.js';
import { tensor } from '../torch/create.js';
import { tidy } from '../torch/scope.js';
import type { Tensor } from '../torch/tensor.js';
import { type KerasWeights, kerasWeight, readKerasWeights } from '../weights/kerasHdf5.js';
import { resolveModel } from '../weights/modelStore.js';
import { MusicnnNetwork, type MusicnnNetworkConfig } from './musicnnNetwork.js';

/** Which Keras layers feed which module of MusicnnNetwork (names as saved by the Keras port). */
const convLayers: readonly {
  module: string;
  conv: string;
  norm: string;
  layout: 'timbral' | 'temporal' | 'midend';
}[] = [
  { module: 'timbral0', conv: 'conv2d', norm: 'batch_normalization_1', layout: 'timbral' },
  { module: 'timbral1', conv: 'conv2d_1', norm: 'batch_normalization_2', layout: 'timbral' },
  { module: 'temporal0', conv: 'conv2d_2', norm: 'batch_normalization_3', layout: 'temporal' },
  { module: 'temporal1', conv: 'conv2d_3', norm: 'batch_normalization_4', layout: 'temporal' },
  { module: 'temporal2', conv: 'conv2d_4', norm: 'batch_normalization_5', layout: 'temporal' },
  { module: 'midend0', conv: 'midend_conv1', norm: 'bn_midend_conv1', layout: 'midend' },
  { module: 'midend1', conv: 'midend_conv2', norm: 'bn_midend_conv2', layout: 'midend' },
  { module: 'midend2', conv: 'midend_conv3', norm: 'bn_midend_conv3', layout: 'midend' },
];

/**
 * Keras conv kernel [kh = time, kw = frequency or channel, 1, out] -> our layout:
 * timbral [out, kh, kw] (time taps as conv1d channels), temporal [out, 1, kh, 1], midend [out, kw, kh].
 */
const kernelPermutation = { timbral: [3, 0, 1, 2], temporal: [3, 2, 0, 1], midend: [3, 1, 0, 2] } as const;

function asTensor(weights: KerasWeights, layer: string, name: string): Tensor {
  const w = kerasWeight(weights, layer, name);
  return tensor(w.values, w.shape);
}

/** Adds `<prefix>scale` and `<prefix>shift` of a folded Keras BatchNormalization layer. */
function foldNorm(
  state: Map<string, Tensor>,
  weights: KerasWeights,
  layer: string,
  prefix: string,
  eps: number,
) {
  const gamma = asTensor(weights, layer, 'gamma');
  const beta = asTensor(weights, layer, 'beta');
  const mean = asTensor(weights, layer, 'moving_mean');
  const variance = asTensor(weights, layer, 'moving_variance');
  const scale = gamma.mul(variance.add(eps).rsqrt());
  state.set(`${prefix}scale`, scale);
  state.set(`${prefix}shift`, beta.sub(mean.mul(scale)));
}

/** The state dict of MusicnnNetwork from Keras weights (tensors owned by the enclosing scope). */
export function musicnnStateFromKeras(
  weights: KerasWeights,
  config: MusicnnNetworkConfig,
): Map<string, Tensor> {
  const eps = config.batchNormEpsilon;
  const state = new Map<string, Tensor>();
  foldNorm(state, weights, 'batch_normalization', 'inputNorm.', eps);
  for (const { module, conv, norm, layout } of convLayers) {
    const kernel = asTensor(weights, conv, 'kernel').permute(kernelPermutation[layout]);
    const shape = kernel.shape;
    const ourShape = layout === 'temporal' ? shape : shape.slice(0, 3);
    state.set(`${module}.weight`, kernel.reshape(ourShape));
    state.set(`${module}.bias`, asTensor(weights, conv, 'bias'));
    foldNorm(state, weights, norm, `${module}.norm.`, eps);
  }
  foldNorm(state, weights, 'bn_flatpool', 'poolNorm.', eps);
  state.set('dense.weight', asTensor(weights, 'dense', 'kernel').t());
  state.set('dense.bias', asTensor(weights, 'dense', 'bias'));
  foldNorm(state, weights, 'bn_dense', 'dense.norm.', eps);
  state.set('output.weight', asTensor(weights, 'dense_1', 'kernel').t());
  state.set('output.bias', asTensor(weights, 'dense_1', 'bias'));
  return state;
}

/**
 * Builds MusicnnNetwork from a Keras .h5 file. Throws V2meowError FILE_NOT_FOUND / BAD_FORMAT from the
 * reader, BAD_FORMAT for a missing layer, SHAPE_MISMATCH (naming the file) when a layer has another shape.
 */
export async function loadMusicnnNetwork(
  path: string,
  config: MusicnnNetworkConfig,
): Promise<MusicnnNetwork> {
  const weights = await readKerasWeights(path);
  const network = new MusicnnNetwork(config);
  try {
    noGrad(() =>
      tidy(() => {
        let state: Map<string, Tensor>;
        try {
          state = musicnnStateFromKeras(weights, config);
        } catch (error) {
          if (error instanceof V2meowError && error.file === undefined)
            throw new V2meowError(error.code, error.message, path, { cause: error });
          throw error;
        }
        network.loadStateDict(state, true, path);
      }),
    );
  } catch (error) {
    network.dispose();
    throw error;
  }
  return network;
}

/** Tag lists of the MTT and MSD models in output order, parsed from configuration.py. */
export interface MusicnnLabels {
  readonly mtt: readonly string[];
  readonly msd: readonly string[];
}

/** Parses `NAME = ['a', 'b', ...]` Python list literals of configuration.py. */
export function parseMusicnnLabels(text: string, source = 'configuration.py'): MusicnnLabels {
  const list = (name: string): string[] => {
    const match = new RegExp(`^${name}\\s*=\\s*\\[([^\\]]*)\\]`, 'm').exec(text);
    if (!match) throw new V2meowError('BAD_FORMAT', `no ${name} list`, source);
    return [...match[1]!.matchAll(/'([^']*)'|"([^"]*)"/g)].map((m) => m[1] ?? m[2]!);
  };
  return { mtt: list('MTT_LABELS'), msd: list('MSD_LABELS') };
}

/** The label lists through the model store (manifest id `musicnn-config`). */
export function readMusicnnLabels(configId = 'musicnn-config'): MusicnnLabels {
  const path = resolveModel(configId);
  return parseMusicnnLabels(readFileSync(path, 'utf8'), path);
}
