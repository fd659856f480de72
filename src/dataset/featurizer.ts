// The narrow interface between the training-set builder and the models that make each example's contents
// (issue 11, parts 1-4): semantic tokens, the codec's acoustic tokens, the clip style vector, rhythm curves
// from music and from video, and the visual streams. The builder never imports a model: it is handed an
// ExampleFeaturizer object (tests pass cheap fakes), or, for worker processes, a FeaturizerSpec naming a
// module that creates one in each worker (realFeaturizer.ts assembles the real one).
import type { CurveSet, VisualFeatures } from '../features/streams.js';
import type { FeaturizerIds } from './format.js';

/** A value or a promise of it (a featurizer may be synchronous or not). */
export type MaybePromise<T> = T | Promise<T>;

/** Acoustic tokens of a clip: [levels, numFrames] row-major (level-major, as the codec's [K, T]). */
export interface AcousticTokens {
  readonly levels: number;
  readonly numFrames: number;
  readonly data: Int32Array;
}

export interface ExampleFeaturizer {
  /** Identifier of each part; a part's id changes whenever its output may change (weights, version). */
  readonly ids: FeaturizerIds;
  /** Semantic token ids are 0..semanticVocabularySize-1. */
  readonly semanticVocabularySize: number;
  /** Codec levels (12) and entries per codebook (token values are 0..acousticCodebookSize-1). */
  readonly acousticLevels: number;
  readonly acousticCodebookSize: number;
  /** Semantic tokens of 16 kHz mono samples: semanticFramesOf(samples.length) of them. */
  semanticTokens(samples16k: Float32Array): MaybePromise<Int32Array>;
  /** Codec tokens: ceil(samples.length / 320) frames (the builder passes whole semantic frames: 2 S). */
  acousticTokens(samples16k: Float32Array): MaybePromise<AcousticTokens>;
  /** Clip style vector (src/encoders/clipStyle.ts): 100 values. */
  style(samples16k: Float32Array): MaybePromise<Float32Array>;
  /**
   * Optional: the style vector of each 10 s segment (styleSegmentBounds), [numSegments x 100] row-major. When
   * present the example stores them, and its clip style is their mean (style() is not called).
   */
  styleSegments?(samples16k: Float32Array): MaybePromise<Float32Array>;
  /**
   * Rhythm curves of the music at 25 Hz, one frame per semantic frame (within 2 frames: the builder holds
   * them to S). `sourcePath` is the file the samples were decoded from, for a part that reads it itself.
   */
  musicCurves(samples16k: Float32Array, sourcePath?: string): MaybePromise<CurveSet>;
  /** Visual streams of a video file, on the clip timeline (videos only). */
  visual(videoPath: string): MaybePromise<VisualFeatures>;
  /** Rhythm curves of the picture of a video file at 25 Hz (videos only). */
  videoCurves(videoPath: string): MaybePromise<CurveSet>;
  /** Frees models. */
  dispose(): void;
}

/**
 * How a worker process makes its own featurizer: `module` (an absolute path or file URL of an ES module)
 * exports `createFeaturizer(options)` -> ExampleFeaturizer (or a promise of one) and `featurizerIds(options)`
 * -> FeaturizerIds without loading models (the builder names examples by them before starting workers).
 */
export interface FeaturizerSpec {
  readonly module: string;
  /** JSON options passed to both functions. */
  readonly options?: unknown;
}

async function loadSpecFunction(spec: FeaturizerSpec, name: string): Promise<(options: unknown) => unknown> {
  const { pathToFileURL } = await import('node:url');
  const url = spec.module.startsWith('file:') ? spec.module : pathToFileURL(spec.module).href;
  const loaded = (await import(url)) as Record<string, unknown>;
  const fn = loaded[name];
  if (typeof fn !== 'function') throw new Error(`${spec.module} does not export ${name}()`);
  return fn as (options: unknown) => unknown;
}

/** Loads the module of `spec` and creates its featurizer. */
export async function createFeaturizerFromSpec(spec: FeaturizerSpec): Promise<ExampleFeaturizer> {
  return (await (
    await loadSpecFunction(spec, 'createFeaturizer')
  )(spec.options)) as ExampleFeaturizer;
}

/** The ids the featurizer of `spec` will have, without creating it. */
export async function featurizerIdsFromSpec(spec: FeaturizerSpec): Promise<FeaturizerIds> {
  return (await (
    await loadSpecFunction(spec, 'featurizerIds')
  )(spec.options)) as FeaturizerIds;
}
