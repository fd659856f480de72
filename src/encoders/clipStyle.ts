// The style space with text (MuLan's role in V2Meow): the audio side is the MusiCNN MTT + MSD tag vector
// (100-d, src/encoders/musicnn.ts) averaged over a clip's 10 s segments, as the paper averages MuLan audio
// embeddings over 10 s windows; the text side (textStyle.ts) maps free text into the same space. The training
// set keeps each segment's vector as well (styleSegments), so that a stage can be conditioned on the style of
// its own crop rather than of the whole file (src/dataset/reader.ts, styleScope 'window').
import type { MusicnnStyleEncoder } from './musicnn.js';

/** Dimensions of the style space (MTT 50 + MSD 50 tag probabilities). */
export const styleDim = 100;
/** Segment length over which the paper computes one audio style embedding. */
export const styleSegmentSeconds = 10;
/** A last segment shorter than this is folded into the one before. */
export const styleMinLastSeconds = 3;

/**
 * The [start, end) sample bounds of the style segments of a clip of `numSamples`: consecutive 10 s segments,
 * a last one shorter than 3 s folded into the one before (a clip under 10 s is one segment). Works in any
 * unit (samples, frames) given the rate of that unit.
 */
export function styleSegmentBounds(numSamples: number, rateHz = 16000): [number, number][] {
  const segment = Math.round(styleSegmentSeconds * rateHz);
  const minLast = Math.round(styleMinLastSeconds * rateHz);
  const bounds: [number, number][] = [];
  for (let start = 0; start < numSamples; start += segment) {
    const end = Math.min(numSamples, start + segment);
    if (bounds.length > 0 && end - start < minLast) bounds[bounds.length - 1]![1] = end;
    else bounds.push([start, end]);
  }
  return bounds;
}

/** The style embedding of each segment of styleSegmentBounds: [numSegments x 100], row-major. */
export function segmentStyleVectors(
  encoder: MusicnnStyleEncoder,
  samples16k: Float32Array,
  sampleRateHz = 16000,
): Float32Array {
  const bounds = styleSegmentBounds(samples16k.length, sampleRateHz);
  const out = new Float32Array(bounds.length * encoder.dim);
  bounds.forEach(([start, end], i) => {
    out.set(encoder.styleEmbedding(samples16k.subarray(start, end)), i * encoder.dim);
  });
  return out;
}

/** The mean of [n x dim] row-major segment vectors. */
export function meanOfSegments(segments: Float32Array, dim = styleDim): Float32Array {
  const n = segments.length / dim;
  const out = new Float32Array(dim);
  for (let s = 0; s < n; s++) for (let i = 0; i < dim; i++) out[i]! += segments[s * dim + i]! / n;
  return out;
}

/**
 * Clip style vector of a 16 kHz waveform: the mean of the style embeddings of its consecutive 10 s segments
 * (styleSegmentBounds).
 */
export function clipStyleVector(
  encoder: MusicnnStyleEncoder,
  samples16k: Float32Array,
  sampleRateHz = 16000,
): Float32Array {
  return meanOfSegments(segmentStyleVectors(encoder, samples16k, sampleRateHz), encoder.dim);
}
