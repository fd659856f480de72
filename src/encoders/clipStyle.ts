// The style space with text (MuLan's role in V2Meow): the audio side is the MusiCNN MTT + MSD tag vector
// (100-d, src/encoders/musicnn.ts) averaged over a clip's 10 s segments, as the paper averages MuLan audio
// embeddings over 10 s windows; the text side (textStyle.ts) maps free text into the same space.
import type { MusicnnStyleEncoder } from './musicnn.js';

/** Dimensions of the style space (MTT 50 + MSD 50 tag probabilities). */
export const styleDim = 100;
/** Segment length over which the paper computes one audio style embedding. */
export const styleSegmentSeconds = 10;

/**
 * Clip style vector of a 16 kHz waveform: the mean of the style embeddings of its consecutive 10 s segments
 * (a last segment shorter than 3 s is folded into the one before; a clip under 10 s is one segment).
 */
export function clipStyleVector(
  encoder: MusicnnStyleEncoder,
  samples16k: Float32Array,
  sampleRateHz = 16000,
): Float32Array {
  const segment = styleSegmentSeconds * sampleRateHz;
  const minLast = 3 * sampleRateHz;
  const bounds: [number, number][] = [];
  for (let start = 0; start < samples16k.length; start += segment) {
    const end = Math.min(samples16k.length, start + segment);
    if (bounds.length > 0 && end - start < minLast) bounds[bounds.length - 1]![1] = end;
    else bounds.push([start, end]);
  }
  const out = new Float32Array(encoder.dim);
  for (const [start, end] of bounds) {
    const v = encoder.styleEmbedding(samples16k.subarray(start, end));
    for (let i = 0; i < out.length; i++) out[i]! += v[i]! / bounds.length;
  }
  return out;
}
