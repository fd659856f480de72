// MusiCNN frame features on the semantic timeline (src/features/timeline.ts): the per-frame dense features of
// MusiCNN (62.5 frames/s, src/encoders/musicnn.ts) pooled to 25 Hz, the input of the semantic tokenizer.
//
// Pooling: semantic frame k covers samples [640 k, 640 (k + 1)); MusiCNN frame t is centred at sample 256 t,
// so frame k pools frames ceil(2.5 k) .. ceil(2.5 (k + 1)) - 1 (two or three of them, alternately).
// Edges: patches of 187 frames (2.992 s) start at 0, hop, 2 hop, ... from the clip's first sample, plus one
// ending at its last frame; a frame's features are the mean over the patches that contain it. So a frame's
// features (and its token) depend on the audio of the patches around it, up to 3 s either side: cutting a
// clip elsewhere changes the features of a frame only through which patches hold it (tested in
// test/tokens/musicnnKmeans.test.ts). A clip shorter than a patch is zero-padded to one (silence).

import type { MusicnnFrameFeatures, MusicnnTagger } from '../encoders/musicnn.js';
import { type MusicnnMel, musicnnHopSamples, musicnnLogMel } from '../encoders/musicnnFrontend.js';
import {
  frameFeatureChannels,
  frontendChannels,
  type MusicnnNetworkConfig,
} from '../encoders/musicnnNetwork.js';
import { V2meowError } from '../errors.js';
import { samplesPerSemanticFrame, semanticFramesOf } from '../features/timeline.js';

/**
 * Named channel ranges of MusiCNN's 753-d frame features: `timbral` (the 7-frame x 38/67-band convs),
 * `temporal` (the 128/64/32-frame x 1-band convs), `frontend` (both), `midend` (the three 7-frame convs over
 * the frontend, 3 x 64), `cnn3` (the last midend conv), `all`.
 */
export const musicnnLayers = ['timbral', 'temporal', 'frontend', 'midend', 'cnn3', 'all'] as const;
export type MusicnnLayer = (typeof musicnnLayers)[number];

/** `mean` of the frames of each semantic frame, or `meanMax`: mean then max (twice the channels). */
export const featurePoolings = ['mean', 'meanMax'] as const;
export type FeaturePooling = (typeof featurePoolings)[number];

/** [from, to) channels of `layer` in the frame features of a network. */
export function layerChannels(network: MusicnnNetworkConfig, layer: MusicnnLayer): [number, number] {
  const timbral = network.timbralWidths.length * network.timbralFilters;
  const front = frontendChannels(network);
  const all = frameFeatureChannels(network);
  switch (layer) {
    case 'timbral':
      return [0, timbral];
    case 'temporal':
      return [timbral, front];
    case 'frontend':
      return [0, front];
    case 'midend':
      return [front, all];
    case 'cnn3':
      return [all - network.midendFilters, all];
    case 'all':
      return [0, all];
  }
}

/** Feature dimension of a layer and pooling. */
export function pooledDim(
  network: MusicnnNetworkConfig,
  layer: MusicnnLayer,
  pooling: FeaturePooling,
): number {
  const [from, to] = layerChannels(network, layer);
  return (to - from) * (pooling === 'meanMax' ? 2 : 1);
}

/** Checks a layer name (from a config file or an option). */
export function parseLayer(name: string): MusicnnLayer {
  if (!(musicnnLayers as readonly string[]).includes(name))
    throw new V2meowError('BAD_ARGUMENT', `unknown MusiCNN layer '${name}' (${musicnnLayers.join(', ')})`);
  return name as MusicnnLayer;
}

/** Checks a pooling name. */
export function parsePooling(name: string): FeaturePooling {
  if (!(featurePoolings as readonly string[]).includes(name))
    throw new V2meowError('BAD_ARGUMENT', `unknown pooling '${name}' (${featurePoolings.join(', ')})`);
  return name as FeaturePooling;
}

/** Per-frame MusiCNN features of a clip, patches every `patchHopSeconds`. */
export function musicnnFrames(
  tagger: MusicnnTagger,
  samples16k: Float32Array,
  patchHopSeconds: number,
  mel: MusicnnMel = musicnnLogMel(samples16k),
): MusicnnFrameFeatures {
  const result = tagger.tagMel(mel, { hopSeconds: patchHopSeconds, frameFeatures: true });
  return result.frameFeatures!;
}

/** First MusiCNN frame of semantic frame k (frames are centred at 256 t samples). */
function firstFrameOf(k: number): number {
  return Math.ceil((k * samplesPerSemanticFrame) / musicnnHopSamples);
}

/**
 * Pools channels [from, to) of per-frame features onto `numFrames` semantic frames -> row-major
 * [numFrames, dim] (dim = to - from, doubled by `meanMax`: the means then the maxima of each row).
 */
export function poolToSemanticFrames(
  frames: MusicnnFrameFeatures,
  numFrames: number,
  [from, to]: [number, number],
  pooling: FeaturePooling,
): Float32Array {
  const width = to - from;
  const dim = pooling === 'meanMax' ? 2 * width : width;
  const out = new Float32Array(numFrames * dim);
  const { channels, data } = frames;
  for (let k = 0; k < numFrames; k++) {
    const first = firstFrameOf(k);
    const last = Math.min(firstFrameOf(k + 1), frames.numFrames);
    if (last <= first)
      throw new V2meowError(
        'SHAPE_MISMATCH',
        `semantic frame ${k} has no MusiCNN frame (${frames.numFrames})`,
      );
    const row = k * dim;
    for (let t = first; t < last; t++) {
      const base = t * channels + from;
      for (let c = 0; c < width; c++) {
        const v = data[base + c]!;
        out[row + c]! += v;
        if (pooling === 'meanMax' && (t === first || v > out[row + width + c]!)) out[row + width + c] = v;
      }
    }
    const scale = 1 / (last - first);
    for (let c = 0; c < width; c++) out[row + c]! *= scale;
  }
  return out;
}

/** Semantic-rate features of a 16 kHz clip: [semanticFramesOf(length), pooledDim] row-major. */
export function semanticFeatures(
  tagger: MusicnnTagger,
  samples16k: Float32Array,
  o: { layer: MusicnnLayer; pooling: FeaturePooling; patchHopSeconds: number },
): Float32Array {
  const numFrames = semanticFramesOf(samples16k.length);
  if (numFrames === 0) return new Float32Array(0);
  const frames = musicnnFrames(tagger, samples16k, o.patchHopSeconds);
  return poolToSemanticFrames(frames, numFrames, layerChannels(tagger.config.network, o.layer), o.pooling);
}
