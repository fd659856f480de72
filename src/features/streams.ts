// Named, time-stamped feature streams: what the visual extractor and the rhythm curves hand to stage 1 and to
// the training-set builder. A stream is a [numFrames, dim] matrix at a fixed frame rate on the clip timeline
// (src/features/timeline.ts). The paper's CLIP / I3D-flow / ViT-VQGAN inputs become the streams `semantic`,
// `motion`, `tokens` (plus `pose`); a model's config lists the streams it reads.

/** One stream: frame k stands for time k / rateHz. */
export interface FeatureStream {
  readonly name: string;
  /** Frames per second. */
  readonly rateHz: number;
  readonly numFrames: number;
  /** Values per frame. */
  readonly dim: number;
  /** 'dense': real features; 'tokens': integer ids in 0..vocabularySize-1 (stored as floats in `data`). */
  readonly kind: 'dense' | 'tokens';
  /** Number of distinct ids of a 'tokens' stream. */
  readonly vocabularySize?: number;
  /** [numFrames, dim], row-major. */
  readonly data: Float32Array;
}

/** The visual streams the extractor can produce. */
export const visualStreamNames = ['semantic', 'motion', 'pose', 'tokens'] as const;
export type VisualStreamName = (typeof visualStreamNames)[number];

/** Everything extracted from one video, on its timeline. */
export interface VisualFeatures {
  /** The video file. */
  readonly source: string;
  readonly durationSec: number;
  readonly streams: Partial<Record<VisualStreamName, FeatureStream>>;
}

/**
 * Rhythm curves, one set of channels for music and for video (V2M-Zero's "event curves"): a model trained on
 * curves computed from music is fed curves computed from a video at generation time.
 *   onset     music: onset strength; video: motion novelty (flow change)
 *   beatSin, beatCos  sin / cos of 2 pi x beat phase (phase 0 on a beat, rising to 1 at the next); music beats
 *             or visual beats; 0 where no beat grid is known (fewer than 2 beats)
 *   downbeat  music: peaks (Gaussian bumps of height 1) at downbeats; video: peaks at strong visual beats
 *             (every meter-th)
 *   energy    music: RMS energy; video: RMS flow magnitude (square root of motion energy)
 *   boundary  music: peaks at section changes (novelty peaks); video: peaks at scene cuts
 * Each channel is normalised to 0..1 (sin/cos: -1..1) per clip by the same rule on both sides
 * (src/features/curves.ts; docs/features.md).
 */
export const curveNames = ['onset', 'beatSin', 'beatCos', 'downbeat', 'energy', 'boundary'] as const;
export type CurveName = (typeof curveNames)[number];

/** A rhythm-curve stream: name 'curves', rate semanticRateHz, dim curveNames.length, kind 'dense'. */
export type CurveSet = FeatureStream & { readonly name: 'curves' };

/** Frame index of time `sec` in a stream at `rateHz` (clamped to the stream). */
export function frameAt(stream: FeatureStream, sec: number): number {
  return Math.min(stream.numFrames - 1, Math.max(0, Math.floor(sec * stream.rateHz + 1e-6)));
}

/**
 * The window [startSec, startSec + seconds) of a stream, as whole frames of its own rate; frames past the end
 * of the stream repeat its last frame (so that windows of every stream cover the same time).
 */
export function sliceStream(stream: FeatureStream, startSec: number, seconds: number): FeatureStream {
  const first = Math.round(startSec * stream.rateHz);
  const count = Math.max(0, Math.round(seconds * stream.rateHz));
  const data = new Float32Array(count * stream.dim);
  for (let k = 0; k < count; k++) {
    const src = Math.min(stream.numFrames - 1, Math.max(0, first + k));
    if (src >= 0 && stream.numFrames > 0)
      data.set(stream.data.subarray(src * stream.dim, (src + 1) * stream.dim), k * stream.dim);
  }
  return { ...stream, numFrames: count, data };
}

/**
 * The stream held onto another rate: output frame k takes the input frame shown at time k / rateHz (the last
 * one that started at or before it), for `numFrames` output frames.
 */
export function resampleStream(stream: FeatureStream, rateHz: number, numFrames: number): FeatureStream {
  const data = new Float32Array(numFrames * stream.dim);
  if (stream.numFrames > 0) {
    for (let k = 0; k < numFrames; k++) {
      const src = Math.min(stream.numFrames - 1, Math.floor(((k + 1e-6) * stream.rateHz) / rateHz));
      data.set(stream.data.subarray(src * stream.dim, (src + 1) * stream.dim), k * stream.dim);
    }
  }
  return { ...stream, rateHz, numFrames, data };
}
