// One pass over a video for all visual features: gray frames at the motion rate (>= 8 fps, small) for flow,
// visual beats and cuts, and optionally more frame streams (e.g. 1 fps 224x224 RGB semantic frames, pose
// frames) handed to callbacks, all from a single ffmpeg decode. src/features/visual.ts builds the named
// visual streams on it.
import { decodeFrameStreams, type FrameStreamSpec, type VideoFrame } from '../media/frames.js';
import { probe } from '../media/probe.js';
import type { MotionFeatures } from './motionFeatures.js';
import type { TempoOptions } from './tempo.js';
import { analyzeVisualRhythm, MotionAnalyzer, type VisualRhythm } from './visualRhythm.js';

/** An extra frame stream decoded alongside the motion frames, and what consumes it. */
export interface FrameConsumer {
  readonly spec: FrameStreamSpec;
  readonly onFrame: (frame: VideoFrame) => void | Promise<void>;
}

export interface VideoAnalysisOptions {
  /** Motion analysis rate in Hz; default 8. */
  readonly motionFps?: number;
  /** Width of the gray motion frames in pixels (height follows the display aspect); default 160. */
  readonly motionWidth?: number;
  /** Semantic frames: rate, size (square, centre-cropped) and a consumer; omitted = no semantic stream. */
  readonly semantic?: {
    readonly fps: number;
    readonly size: number;
    readonly onFrame: (frame: VideoFrame) => void | Promise<void>;
  };
  /** More frame streams from the same decode (after the semantic one). */
  readonly frames?: readonly FrameConsumer[];
  /** Analyse from this time in seconds (all times then count from it); default 0. */
  readonly startSec?: number;
  /** Analyse at most this many seconds; default to the end. */
  readonly seconds?: number;
  readonly tempo?: TempoOptions;
  /** Progress callback with seconds of video analysed. */
  readonly onProgress?: (seconds: number) => void;
}

export interface VideoAnalysis extends VisualRhythm {
  /** Seconds analysed (the whole file, or the requested window clipped to the file). */
  readonly durationSec: number;
  readonly motionFps: number;
  readonly motionFrameCount: number;
  readonly semanticFrameCount: number;
  /** Motion features per frame interval: entry j describes the flow from motion frame j to j + 1. */
  readonly motionFeatures: readonly MotionFeatures[];
  /** Seconds spent computing flow and motion features (not decoding). */
  readonly motionComputeSec: number;
}

/** Decodes once and computes visual rhythm (and feeds semantic and other frame streams when asked). */
export async function analyzeVideo(path: string, options: VideoAnalysisOptions = {}): Promise<VideoAnalysis> {
  const info = await probe(path);
  const motionFps = options.motionFps ?? 8;
  const motionWidth = options.motionWidth ?? 160;
  const aspect = info.displayWidth > 0 ? info.displayHeight / info.displayWidth : 9 / 16;
  const motionHeight = Math.max(8, 2 * Math.round((motionWidth * aspect) / 2));
  const consumers: FrameConsumer[] = [];
  if (options.semantic) {
    const { fps, size, onFrame } = options.semantic;
    consumers.push({ spec: { fps, width: size, height: size, resize: 'crop' }, onFrame });
  }
  consumers.push(...(options.frames ?? []));
  const specs: FrameStreamSpec[] = [
    { fps: motionFps, width: motionWidth, height: motionHeight, pixelFormat: 'gray' },
    ...consumers.map((c) => c.spec),
  ];
  const startSec = options.startSec ?? 0;
  const analyzer = new MotionAnalyzer(motionFps);
  let motionFrameCount = 0;
  let semanticFrameCount = 0;
  let motionComputeSec = 0;
  const decoding = decodeFrameStreams(path, specs, { startSec, durationSec: options.seconds });
  for await (const frame of decoding) {
    if (frame.streamIndex === 0) {
      const begin = performance.now();
      analyzer.push(frame.data, frame.width, frame.height);
      motionComputeSec += (performance.now() - begin) / 1000;
      motionFrameCount++;
      if (motionFrameCount % (motionFps * 10) === 0) options.onProgress?.(frame.timeSec);
    } else {
      if (options.semantic && frame.streamIndex === 1) semanticFrameCount++;
      await consumers[frame.streamIndex - 1]!.onFrame(frame);
    }
  }
  const rhythm = analyzeVisualRhythm(analyzer, options.tempo);
  const available = Math.max(0, info.durationSec - startSec);
  const durationSec = options.seconds === undefined ? available : Math.min(options.seconds, available);
  return {
    ...rhythm,
    durationSec,
    motionFps,
    motionFrameCount,
    semanticFrameCount,
    motionFeatures: analyzer.features,
    motionComputeSec,
  };
}
