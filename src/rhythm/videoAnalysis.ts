// One pass over a video for all visual features: gray frames at the motion rate (>= 8 fps, small) for flow,
// visual beats and cuts, and optionally RGB frames at a semantic rate (1 fps, 224x224) handed to a callback,
// both from a single ffmpeg decode.
import { decodeFrameStreams, type FrameStreamSpec, type VideoFrame } from '../media/frames.js';
import { probe } from '../media/probe.js';
import type { TempoOptions } from './tempo.js';
import { analyzeVisualRhythm, MotionAnalyzer, type VisualRhythm } from './visualRhythm.js';

export interface VideoAnalysisOptions {
  /** Motion analysis rate in Hz; default 8. */
  readonly motionFps?: number;
  /** Width of the gray motion frames in pixels (height follows the display aspect); default 160. */
  readonly motionWidth?: number;
  /** Semantic frames: rate, size and a consumer; omitted = no semantic stream. */
  readonly semantic?: {
    readonly fps: number;
    readonly size: number;
    readonly onFrame: (frame: VideoFrame) => void | Promise<void>;
  };
  readonly tempo?: TempoOptions;
  /** Progress callback with seconds of video analysed. */
  readonly onProgress?: (seconds: number) => void;
}

export interface VideoAnalysis extends VisualRhythm {
  readonly durationSec: number;
  readonly motionFps: number;
  readonly motionFrameCount: number;
  readonly semanticFrameCount: number;
}

/** Decodes once and computes visual rhythm (and feeds semantic frames when asked). */
export async function analyzeVideo(path: string, options: VideoAnalysisOptions = {}): Promise<VideoAnalysis> {
  const info = await probe(path);
  const motionFps = options.motionFps ?? 8;
  const motionWidth = options.motionWidth ?? 160;
  const aspect = info.displayWidth > 0 ? info.displayHeight / info.displayWidth : 9 / 16;
  const motionHeight = Math.max(8, 2 * Math.round((motionWidth * aspect) / 2));
  const specs: FrameStreamSpec[] = [
    { fps: motionFps, width: motionWidth, height: motionHeight, pixelFormat: 'gray' },
  ];
  if (options.semantic)
    specs.push({
      fps: options.semantic.fps,
      width: options.semantic.size,
      height: options.semantic.size,
      resize: 'crop',
    });
  const analyzer = new MotionAnalyzer(motionFps);
  let motionFrameCount = 0;
  let semanticFrameCount = 0;
  for await (const frame of decodeFrameStreams(path, specs)) {
    if (frame.streamIndex === 0) {
      analyzer.push(frame.data, frame.width, frame.height);
      motionFrameCount++;
      if (motionFrameCount % (motionFps * 10) === 0) options.onProgress?.(frame.timeSec);
    } else {
      semanticFrameCount++;
      await options.semantic!.onFrame(frame);
    }
  }
  const rhythm = analyzeVisualRhythm(analyzer, options.tempo);
  return { ...rhythm, durationSec: info.durationSec, motionFps, motionFrameCount, semanticFrameCount };
}
