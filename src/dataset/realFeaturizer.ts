// The real ExampleFeaturizer, assembled from the project's parts (issue 11): the committed music codec
// (acoustic tokens, chunked: codecTokens.ts), MusiCNN's clip style vector (src/encoders/clipStyle.ts), the
// semantic tokenizer (src/tokens/musicnnKmeans.ts), the rhythm curves (src/features/curves.ts) and the visual
// streams (src/features/visual.ts, one decode per video, whose rhythm analysis also gives the video curves).
// `standIns` replaces parts with named, cheap stand-ins for measuring and
// testing the builder; their ids say 'stand-in', so examples made with them are never taken for real ones.
// This module is also a FeaturizerSpec module: workers call createFeaturizer(options) / featurizerIds(options).
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defaultCodecPath } from '../codec/files.js';
import { clipStyleVector, segmentStyleVectors } from '../encoders/clipStyle.js';
import { V2meowError } from '../errors.js';
import type { CurveSet, VisualFeatures } from '../features/streams.js';
import { curveNames } from '../features/streams.js';
import { samplesPerSemanticFrame, semanticFramesOf, semanticRateHz } from '../features/timeline.js';
import type { VideoAnalysis } from '../rhythm/videoAnalysis.js';
import type { AcousticTokens, ExampleFeaturizer, FeaturizerSpec } from './featurizer.js';
import type { FeaturizerIds } from './format.js';

/** Parts that can be replaced by stand-ins until their branches are merged. */
export const standInParts = ['semantic', 'curves', 'visual'] as const;
export type StandInPart = (typeof standInParts)[number];

export interface RealFeaturizerOptions {
  /** Codec model file (default weights/codec/codec.safetensors). */
  readonly codecPath?: string;
  /** Folder of the fitted semantic tokenizer (default weights/semantic). */
  readonly semanticTokenizerDir?: string;
  /** Parts replaced by stand-ins (see the file comment). */
  readonly standIns?: readonly StandInPart[];
}

/** Version of the rhythm-curve and visual-stream code: bump when src/features/curves.ts or visual.ts change output. */
const curvesVersion = 'curves-v1';
const visualVersion = 'visual-v1';

const packageRoot = (() => {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (dirname(dir) !== dir) {
    try {
      readFileSync(join(dir, 'package.json'));
      return dir;
    } catch {
      dir = dirname(dir);
    }
  }
  return process.cwd();
})();

/** SHA-256 prefix of a file: part of a model part's id, so new weights make new examples. */
function fileTag(path: string): string {
  try {
    return createHash('sha256').update(readFileSync(path)).digest('hex').slice(0, 12);
  } catch (error) {
    throw new V2meowError('FILE_NOT_FOUND', 'model file not found', path, { cause: error });
  }
}

function codecPathOf(options: RealFeaturizerOptions): string {
  return resolve(options.codecPath ?? defaultCodecPath());
}

function semanticDirOf(options: RealFeaturizerOptions): string {
  return resolve(options.semanticTokenizerDir ?? join(packageRoot, 'weights', 'semantic'));
}

/** Stand-in semantic tokens: the frame's RMS level in 2 dB steps (vocabulary 64). Not a tokenizer. */
const standInVocabulary = 64;
function standInSemantic(samples: Float32Array): Int32Array {
  const out = new Int32Array(semanticFramesOf(samples.length));
  for (let k = 0; k < out.length; k++) {
    let sum = 0;
    for (let i = k * samplesPerSemanticFrame; i < (k + 1) * samplesPerSemanticFrame; i++)
      sum += samples[i]! ** 2;
    const db = 10 * Math.log10(sum / samplesPerSemanticFrame + 1e-12);
    out[k] = Math.min(standInVocabulary - 1, Math.max(0, Math.round((db + 126) / 2)));
  }
  return out;
}

/** Stand-in curves: zeros, except the energy channel (frame RMS, scaled to 0..1 per clip). */
function standInCurves(numFrames: number, energy?: Float32Array): CurveSet {
  const dim = curveNames.length;
  const data = new Float32Array(numFrames * dim);
  if (energy) {
    const peak = Math.max(1e-9, ...energy);
    const channel = curveNames.indexOf('energy');
    for (let k = 0; k < numFrames; k++) data[k * dim + channel] = energy[k]! / peak;
  }
  return { name: 'curves', rateHz: semanticRateHz, numFrames, dim, kind: 'dense', data };
}

function frameRms(samples: Float32Array): Float32Array {
  const out = new Float32Array(semanticFramesOf(samples.length));
  for (let k = 0; k < out.length; k++) {
    let sum = 0;
    for (let i = k * samplesPerSemanticFrame; i < (k + 1) * samplesPerSemanticFrame; i++)
      sum += samples[i]! ** 2;
    out[k] = Math.sqrt(sum / samplesPerSemanticFrame);
  }
  return out;
}

/** The ids of the featurizer `options` describe (reads the codec file's hash, loads no model). */
export async function featurizerIds(options: RealFeaturizerOptions = {}): Promise<FeaturizerIds> {
  const standIns = new Set(options.standIns ?? []);
  const codecPath = codecPathOf(options);
  const semantic = standIns.has('semantic')
    ? 'stand-in-rms-64'
    : `musicnn-kmeans@${fileTag(join(semanticDirOf(options), 'semantic.safetensors'))}`;
  const curves = standIns.has('curves') ? 'stand-in-energy' : curvesVersion;
  const visual = standIns.has('visual')
    ? 'stand-in-none'
    : `${visualVersion}@${fileTag(join(packageRoot, 'weights', 'visual-tokens', 'codebook.safetensors'))}`;
  return {
    semantic,
    acoustic: `codec@${fileTag(codecPath)}`,
    style: 'musicnn-mtt-msd-clip10s+segments',
    musicCurves: `music-${curves}`,
    visual,
    // Video curves come from the visual extractor's analysis (or the rhythm module's when visual is a stand-in).
    videoCurves: `video-${curves}+${visual}`,
  };
}

/** Loads the real parts (and stand-ins) and returns the featurizer. */
export async function createFeaturizer(options: RealFeaturizerOptions = {}): Promise<ExampleFeaturizer> {
  const standIns = new Set(options.standIns ?? []);
  const ids = await featurizerIds(options);
  const { loadCodec } = await import('../codec/soundstream.js');
  const { encodeInChunks } = await import('./codecTokens.js');
  const { MusicnnStyleEncoder } = await import('../encoders/musicnn.js');
  const codec = loadCodec(codecPathOf(options)).codec;
  const disposers: (() => void)[] = [() => codec.dispose()];
  try {
    const styleEncoder = await MusicnnStyleEncoder.fromPretrained();
    disposers.push(() => styleEncoder.dispose());

    let semanticTokens = standInSemantic;
    let semanticVocabularySize = standInVocabulary;
    if (!standIns.has('semantic')) {
      const { loadSemanticTokenizer } = await import('../tokens/musicnnKmeans.js');
      const tokenizer = await loadSemanticTokenizer(semanticDirOf(options));
      disposers.push(() => tokenizer.dispose());
      semanticTokens = (samples) => tokenizer.tokenize(samples);
      semanticVocabularySize = tokenizer.vocabularySize;
    }

    const curvesModule = await import('../features/curves.js');
    // Music curves from the file at the rhythm module's 22.05 kHz (hi-hats above 8 kHz matter to the tempo:
    // src/features/curves.ts); from the 16 kHz samples when no file is given.
    const musicCurvesOf = async (samples: Float32Array, sourcePath?: string): Promise<CurveSet> => {
      if (standIns.has('curves')) return standInCurves(semanticFramesOf(samples.length), frameRms(samples));
      if (sourcePath) return (await curvesModule.musicCurvesOfFile(sourcePath)).curves;
      return curvesModule.musicCurves(samples);
    };

    let extract = async (path: string): Promise<VisualFeatures & { analysis?: VideoAnalysis }> => {
      if (!standIns.has('curves')) {
        const { curves, analysis } = await curvesModule.videoCurvesOfFile(path);
        return { source: path, durationSec: curves.numFrames / semanticRateHz, streams: {}, analysis };
      }
      const { probe } = await import('../media/probe.js');
      return { source: path, durationSec: (await probe(path)).durationSec, streams: {} };
    };
    if (!standIns.has('visual')) {
      const { VisualFeatureExtractor } = await import('../features/visual.js');
      const extractor = await VisualFeatureExtractor.create();
      disposers.push(() => extractor.dispose());
      extract = (path) => extractor.extract(path);
    }
    // The builder asks for visual() then videoCurves() of the same file: extract once.
    let lastVisual: { path: string; features: VisualFeatures & { analysis?: VideoAnalysis } } | undefined;
    const visualOf = async (path: string) => {
      if (lastVisual?.path !== path) lastVisual = { path, features: await extract(path) };
      return lastVisual.features;
    };

    return {
      ids,
      semanticVocabularySize,
      acousticLevels: codec.numCodebooks,
      acousticCodebookSize: codec.codebookSize,
      semanticTokens,
      acousticTokens: (samples): AcousticTokens => encodeInChunks(codec, samples),
      style: (samples) => clipStyleVector(styleEncoder, samples),
      styleSegments: (samples) => segmentStyleVectors(styleEncoder, samples),
      musicCurves: musicCurvesOf,
      visual: async (path) => {
        const { analysis: _analysis, ...features } = await visualOf(path);
        return features;
      },
      videoCurves: async (path) => {
        const features = await visualOf(path);
        lastVisual = undefined;
        if (features.analysis && !standIns.has('curves')) return curvesModule.videoCurves(features.analysis);
        return standInCurves(Math.floor(features.durationSec * semanticRateHz));
      },
      dispose: () => {
        for (const dispose of disposers.reverse()) dispose();
      },
    };
  } catch (error) {
    for (const dispose of disposers.reverse()) dispose();
    throw error;
  }
}

/** The FeaturizerSpec of the real featurizer, for worker processes. */
export function realFeaturizerSpec(options: RealFeaturizerOptions = {}): FeaturizerSpec {
  return { module: fileURLToPath(import.meta.url), options };
}
