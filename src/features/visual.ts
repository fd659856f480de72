// VisualFeatureExtractor: one ffmpeg decode of a video -> the named visual streams of src/features/streams.ts
// (V2Meow section 3.2's visual inputs, with our encoders in their roles):
//   semantic  MobileNetV2 1280-d pooled features at 1 fps (the CLIP role)
//   motion    optical-flow statistics of src/rhythm at >= 8 fps (the I3D-flow role)
//   pose      MoveNet's 17 keypoints x (y, x, score) at a modest rate
//   tokens    k-means ids of MobileNetV2's 7x7 pre-pool map cells at the semantic rate (the ViT-VQGAN role)
// The motion stream and the visual rhythm (onsets, beats, cuts that src/features/curves.ts turns into video
// curves) come from src/rhythm/videoAnalysis.ts; the other streams are extra frame chains of that decode.

import { Mobilenet } from '../encoders/mobilenet.js';
import { Movenet } from '../encoders/movenet.js';
import { V2meowError } from '../errors.js';
import type { VideoFrame } from '../media/frames.js';
import { probe } from '../media/probe.js';
import { type MotionFeatures, magnitudeBinEdges, numDirectionBins } from '../rhythm/motionFeatures.js';
import { analyzeVideo, type FrameConsumer, type VideoAnalysis } from '../rhythm/videoAnalysis.js';
import type { FeatureStream, VisualFeatures, VisualStreamName } from './streams.js';
import { visualStreamNames } from './streams.js';
import { VisualTokenCodebook } from './visualTokens.js';

export interface VisualFeatureExtractorOptions {
  /** Streams to produce; default all four. */
  readonly streams?: readonly VisualStreamName[];
  /** Rate of the semantic and tokens streams in Hz; default 1 (the paper's CLIP rate). */
  readonly semanticFps?: number;
  /** Rate of the motion stream and of the visual rhythm in Hz; default 8. */
  readonly motionFps?: number;
  /** Width of the gray motion frames in pixels; default 160. */
  readonly motionWidth?: number;
  /** Rate of the pose stream in Hz; default 4. */
  readonly poseFps?: number;
  /** Visual token codebook file; default the committed weights/visual-tokens/codebook.safetensors. */
  readonly codebookPath?: string;
}

export interface ExtractOptions {
  /** Start of the window in seconds; default 0. Stream frame k then stands for startSec + k / rateHz. */
  readonly startSec?: number;
  /** Length of the window in seconds; default to the end of the video. */
  readonly seconds?: number;
  /** Called with seconds of video analysed. */
  readonly onProgress?: (seconds: number) => void;
}

/** The streams plus what the same decode found about the video's rhythm (for videoCurves). */
export interface VisualExtraction extends VisualFeatures {
  /** Where the window starts in the file, in seconds. */
  readonly startSec: number;
  /** Visual rhythm, motion features and cuts of the window (src/rhythm/videoAnalysis.ts). */
  readonly analysis: VideoAnalysis;
  /** Seconds of computation per stream (decoding, which runs in ffmpeg alongside, not included). */
  readonly computeSec: Partial<Record<VisualStreamName, number>>;
  /** Wall-clock seconds of the whole extraction. */
  readonly wallSec: number;
}

/** Values per motion frame: energy, mean magnitude, the magnitude histogram, the direction histogram. */
export const motionStreamDim = 2 + magnitudeBinEdges.length + 1 + numDirectionBins;
/** Values per pose frame: 17 keypoints x (y, x, score). */
export const poseStreamDim = 17 * 3;
const semanticInputSize = 224;
const poseInputSize = 192;

/** Packs per-interval motion features into a stream: frame k = the flow from motion frame k to k + 1. */
export function motionStream(
  features: readonly MotionFeatures[],
  rateHz: number,
  numFrames: number,
): FeatureStream {
  const data = new Float32Array(numFrames * motionStreamDim);
  for (let k = 0; k < numFrames; k++) {
    // The last frame has no successor: it repeats the last flow (zeros for a one-frame video).
    const f = features[Math.min(k, features.length - 1)];
    if (!f) continue;
    const row = data.subarray(k * motionStreamDim, (k + 1) * motionStreamDim);
    row[0] = f.motionEnergy;
    row[1] = f.meanMagnitude;
    row.set(f.magnitudeHistogram, 2);
    row.set(f.directionHistogram, 2 + f.magnitudeHistogram.length);
  }
  return { name: 'motion', rateHz, numFrames, dim: motionStreamDim, kind: 'dense', data };
}

/** Rows gathered frame by frame, turned into a stream at the end. */
class StreamBuilder {
  private readonly rows: Float32Array[] = [];
  computeSec = 0;

  constructor(
    readonly name: VisualStreamName,
    readonly rateHz: number,
    readonly dim: number,
    readonly kind: 'dense' | 'tokens' = 'dense',
    readonly vocabularySize?: number,
  ) {}

  add(frameIndex: number, row: Float32Array): void {
    if (frameIndex !== this.rows.length)
      throw new V2meowError('BAD_FORMAT', `${this.name} frame ${frameIndex} arrived out of order`);
    this.rows.push(row);
  }

  finish(): FeatureStream {
    const data = new Float32Array(this.rows.length * this.dim);
    for (const [k, row] of this.rows.entries()) data.set(row, k * this.dim);
    const stream = { name: this.name, rateHz: this.rateHz, numFrames: this.rows.length, dim: this.dim };
    return this.kind === 'tokens'
      ? { ...stream, kind: 'tokens', vocabularySize: this.vocabularySize, data }
      : { ...stream, kind: 'dense', data };
  }
}

export class VisualFeatureExtractor {
  private constructor(
    readonly streams: readonly VisualStreamName[],
    readonly semanticFps: number,
    readonly motionFps: number,
    readonly motionWidth: number,
    readonly poseFps: number,
    private readonly mobilenet: Mobilenet | undefined,
    private readonly movenet: Movenet | undefined,
    private readonly codebook: VisualTokenCodebook | undefined,
  ) {}

  /** Loads the encoders (and the token codebook) that the requested streams need. */
  static async create(options: VisualFeatureExtractorOptions = {}): Promise<VisualFeatureExtractor> {
    const streams = [...new Set(options.streams ?? visualStreamNames)];
    for (const name of streams)
      if (!visualStreamNames.includes(name))
        throw new V2meowError(
          'BAD_ARGUMENT',
          `unknown visual stream '${name}' (known: ${visualStreamNames.join(', ')})`,
        );
    if (streams.length === 0) throw new V2meowError('BAD_ARGUMENT', 'no visual stream requested');
    const semanticFps = options.semanticFps ?? 1;
    const motionFps = options.motionFps ?? 8;
    const poseFps = options.poseFps ?? 4;
    for (const [name, value] of [
      ['semanticFps', semanticFps],
      ['motionFps', motionFps],
      ['poseFps', poseFps],
    ] as const)
      if (!(value > 0 && value <= 60))
        throw new V2meowError('BAD_ARGUMENT', `${name} must be in (0, 60], got ${value}`);
    const wantsTokens = streams.includes('tokens');
    const codebook = wantsTokens ? VisualTokenCodebook.load(options.codebookPath) : undefined;
    const mobilenet =
      wantsTokens || streams.includes('semantic')
        ? await Mobilenet.fromPretrained('default', { spatialMap: wantsTokens })
        : undefined;
    if (
      codebook &&
      mobilenet &&
      (codebook.config.featureDim !== mobilenet.config.featureDim ||
        codebook.config.gridSize !== mobilenet.gridSize)
    )
      throw new V2meowError(
        'SHAPE_MISMATCH',
        `codebook quantizes ${codebook.config.gridSize}^2 x ${codebook.config.featureDim} maps, MobileNet gives ${mobilenet.gridSize}^2 x ${mobilenet.config.featureDim}`,
        options.codebookPath,
      );
    const movenet = streams.includes('pose') ? await Movenet.fromPretrained() : undefined;
    return new VisualFeatureExtractor(
      streams,
      semanticFps,
      motionFps,
      options.motionWidth ?? 160,
      poseFps,
      mobilenet,
      movenet,
      codebook,
    );
  }

  /** Decodes `videoPath` once and returns the requested streams on the window's timeline. */
  async extract(videoPath: string, options: ExtractOptions = {}): Promise<VisualExtraction> {
    const begin = performance.now();
    const info = await probe(videoPath);
    if (!info.hasVideo) throw new V2meowError('NO_VIDEO_STREAM', 'the file has no video stream', videoPath);
    const startSec = options.startSec ?? 0;
    if (!(startSec >= 0) || (options.seconds !== undefined && !(options.seconds > 0)))
      throw new V2meowError(
        'BAD_ARGUMENT',
        `bad window: start ${startSec} s, ${options.seconds} s`,
        videoPath,
      );
    if (startSec >= info.durationSec)
      throw new V2meowError(
        'BAD_ARGUMENT',
        `start ${startSec} s is past the end (${info.durationSec.toFixed(2)} s)`,
        videoPath,
      );
    const builders = new Map<VisualStreamName, StreamBuilder>();
    const consumers: FrameConsumer[] = [];
    const { mobilenet, movenet, codebook } = this;
    if (mobilenet) {
      const semantic = this.streams.includes('semantic')
        ? new StreamBuilder('semantic', this.semanticFps, mobilenet.config.featureDim)
        : undefined;
      const tokens = codebook
        ? new StreamBuilder(
            'tokens',
            this.semanticFps,
            mobilenet.gridSize ** 2,
            'tokens',
            codebook.config.numTokens,
          )
        : undefined;
      if (semantic) builders.set('semantic', semantic);
      if (tokens) builders.set('tokens', tokens);
      consumers.push({
        spec: { fps: this.semanticFps, width: semanticInputSize, height: semanticInputSize, resize: 'crop' },
        onFrame: (frame: VideoFrame) => {
          const start = performance.now();
          const output = mobilenet.encode(frame);
          const encoded = performance.now();
          semantic?.add(frame.frameIndex, output.features);
          if (tokens) tokens.add(frame.frameIndex, Float32Array.from(codebook!.assign(output.spatialMap!)));
          const end = performance.now();
          // The shared encoder run counts for semantic when both are asked for; tokens pay the assignment.
          if (semantic) semantic.computeSec += (encoded - start) / 1000;
          if (tokens) tokens.computeSec += ((semantic ? 0 : encoded - start) + end - encoded) / 1000;
        },
      });
    }
    if (movenet) {
      const pose = new StreamBuilder('pose', this.poseFps, poseStreamDim);
      builders.set('pose', pose);
      const aspect = info.displayWidth > 0 ? info.displayWidth / info.displayHeight : 16 / 9;
      // Height = the model's input; the width keeps the aspect, so estimate() only centre-crops.
      const width = Math.max(poseInputSize, 2 * Math.round((poseInputSize * aspect) / 2));
      const height = Math.max(poseInputSize, 2 * Math.round(poseInputSize / aspect / 2));
      consumers.push({
        spec: { fps: this.poseFps, width, height },
        onFrame: (frame: VideoFrame) => {
          const start = performance.now();
          const estimate = movenet.estimate(frame);
          const row = new Float32Array(poseStreamDim);
          for (const [i, k] of estimate.keypoints.entries()) row.set([k.y, k.x, k.score], 3 * i);
          pose.add(frame.frameIndex, row);
          pose.computeSec += (performance.now() - start) / 1000;
        },
      });
    }
    const analysis = await analyzeVideo(videoPath, {
      motionFps: this.motionFps,
      motionWidth: this.motionWidth,
      frames: consumers,
      startSec,
      seconds: options.seconds,
      onProgress: options.onProgress,
    });
    const streams: Partial<Record<VisualStreamName, FeatureStream>> = {};
    const computeSec: Partial<Record<VisualStreamName, number>> = {};
    for (const name of this.streams) {
      if (name === 'motion') {
        streams.motion = motionStream(analysis.motionFeatures, this.motionFps, analysis.motionFrameCount);
        computeSec.motion = analysis.motionComputeSec;
      } else {
        const builder = builders.get(name)!;
        streams[name] = builder.finish();
        computeSec[name] = builder.computeSec;
      }
    }
    return {
      source: videoPath,
      durationSec: analysis.durationSec,
      startSec,
      streams,
      analysis,
      computeSec,
      wallSec: (performance.now() - begin) / 1000,
    };
  }

  /** Frees the encoders' runtimes. */
  dispose(): void {
    this.mobilenet?.dispose();
    this.movenet?.dispose();
  }
}
