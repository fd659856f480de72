// Visual rhythm (Davis & Agrawala 2018 "Visual Rhythm and Beat"; the idea behind visbeat and CMT): dense flow
// on small gray frames at >= 8 fps -> per-frame directograms -> visual onset envelope = summed change of
// motion per direction (a sudden stop, start or change of direction; counting decreases and increases centres
// the mass of the envelope on the event) -> visual tempo and visual beats with the same
// tempo estimator and DP beat tracker as music; scene cuts from histogram changes are masked out.
import { tempoFromBeats, trackBeats } from './beatTracker.js';
import { resolveMetricalLevel } from './metricalLevel.js';
import { grayHistogram, type MotionFeatures, motionFeatures } from './motionFeatures.js';
import type { Envelope } from './onset.js';
import { type GrayImage, grayImage, opticalFlow } from './opticalFlow.js';
import { detectSceneCuts } from './sceneCuts.js';
import { estimateTempo, type TempoOptions } from './tempo.js';

/** Incremental motion analysis: push gray frames at a constant rate, then call `finish`. */
export class MotionAnalyzer {
  /** features[j] describes the flow from frame j to frame j + 1. */
  readonly features: MotionFeatures[] = [];
  readonly histograms: Float32Array[] = [];
  private previous: GrayImage | undefined;

  constructor(
    /** Frame rate of the pushed frames in Hz. */
    readonly fps: number,
  ) {}

  /** Adds the next gray frame [height, width]. */
  push(gray: Uint8Array, width: number, height: number): void {
    const image = grayImage(gray, width, height);
    this.histograms.push(grayHistogram(gray));
    if (this.previous) this.features.push(motionFeatures(opticalFlow(this.previous, image)));
    this.previous = image;
  }
}

export interface VisualRhythm {
  /** Visual tempo in beats per minute (0 when there is too little motion or video). */
  readonly tempoBpm: number;
  readonly beatsSec: number[];
  /** Times in seconds where a new shot starts. */
  readonly cutsSec: number[];
  /** Visual onset envelope, value t at time t / fps. */
  readonly onsetEnvelope: Envelope;
  /** Motion energy per frame interval (j -> j + 1). */
  readonly motionEnergy: Float32Array;
}

/** Visual onset envelope from directograms, zeroed around scene cuts. Value t sits at frame t's time. */
export function visualOnsetEnvelope(
  features: readonly MotionFeatures[],
  fps: number,
  cutFrames: readonly number[] = [],
): Envelope {
  const values = new Float32Array(features.length + 1);
  for (let t = 1; t < features.length; t++) {
    const before = features[t - 1]!.directionHistogram;
    const after = features[t]!.directionHistogram;
    let change = 0;
    for (let b = 0; b < before.length; b++) change += Math.abs(before[b]! - after[b]!);
    values[t] = change / 2;
  }
  for (const cut of cutFrames)
    for (let t = cut - 1; t <= cut + 1; t++) if (t >= 0 && t < values.length) values[t] = 0;
  return { values, frameRateHz: fps };
}

/** Tempo, beats and cuts from a finished MotionAnalyzer. */
export function analyzeVisualRhythm(analyzer: MotionAnalyzer, options: TempoOptions = {}): VisualRhythm {
  const fps = analyzer.fps;
  const cutFrames = detectSceneCuts(analyzer.histograms);
  const onsetEnvelope = visualOnsetEnvelope(analyzer.features, fps, cutFrames);
  const motionEnergy = Float32Array.from(analyzer.features, (f) => f.motionEnergy);
  const cutsSec = cutFrames.map((j) => j / fps);
  const minBpm = options.minBpm ?? 40;
  const maxBpm = Math.min(options.maxBpm ?? 240, 30 * fps); // at least two frames per beat
  const minFrames = Math.ceil((2 * 60 * fps) / minBpm) + 2;
  const energy = onsetEnvelope.values.reduce((a, b) => a + b, 0);
  if (onsetEnvelope.values.length < minFrames || energy === 0)
    return { tempoBpm: 0, beatsSec: [], cutsSec, onsetEnvelope, motionEnergy };
  const estimate = estimateTempo(onsetEnvelope, { ...options, minBpm, maxBpm });
  const periodFrames = resolveMetricalLevel(onsetEnvelope, estimate.periodFrames, (60 * fps) / minBpm);
  const beatsSec = trackBeats(onsetEnvelope, periodFrames, { refineToPeaks: true });
  const coarseBpm = (60 * fps) / periodFrames;
  const fromBeats = tempoFromBeats(beatsSec);
  const tempoBpm = fromBeats && Math.abs(fromBeats / coarseBpm - 1) < 0.06 ? fromBeats : coarseBpm;
  return { tempoBpm, beatsSec, cutsSec, onsetEnvelope, motionEnergy };
}
