// Beat tracking by dynamic programming (Ellis 2007, "Beat Tracking by Dynamic Programming", JNMR 36(1)):
// choose beat instants that maximise onset strength at the beats minus a penalty on inter-beat intervals that
// stray from the tempo period, tightness * log(interval / period)^2. Works on any envelope (audio or visual).
import type { Envelope } from './onset.js';

export interface BeatTrackOptions {
  /** Weight of the tempo-consistency penalty; default 100 (Ellis 2007, librosa). */
  readonly tightness?: number;
  /** Move each beat to the envelope centroid around its peak within +-10% of a period (sub-frame times); default false. */
  readonly refineToPeaks?: boolean;
  /** Drop weak beats at both ends (silence before/after the music); default true. */
  readonly trimEdges?: boolean;
}

function standardise(values: Float32Array): Float64Array {
  let mean = 0;
  for (const v of values) mean += v;
  mean /= values.length || 1;
  let variance = 0;
  for (const v of values) variance += (v - mean) ** 2;
  const std = Math.sqrt(variance / (values.length || 1)) || 1;
  return Float64Array.from(values, (v) => v / std);
}

/** Smooths with a Gaussian of standard deviation period/32 frames (Ellis' local score). */
function localScore(values: Float64Array, periodFrames: number): Float64Array {
  const radius = Math.max(1, Math.round(periodFrames));
  const kernel = Array.from({ length: 2 * radius + 1 }, (_, i) =>
    Math.exp(-0.5 * (((i - radius) * 32) / periodFrames) ** 2),
  );
  const out = new Float64Array(values.length);
  for (let t = 0; t < values.length; t++) {
    let sum = 0;
    for (let k = -radius; k <= radius; k++) {
      const i = t + k;
      if (i >= 0 && i < values.length) sum += values[i]! * kernel[k + radius]!;
    }
    out[t] = sum;
  }
  return out;
}

/** The centroid of the envelope over the 3 frames around its maximum within +-radius of `centre`. */
function peakCentroid(values: Float32Array, centre: number, radius: number): number {
  let best = centre;
  for (let i = Math.max(0, centre - radius); i <= Math.min(values.length - 1, centre + radius); i++) {
    if (values[i]! > values[best]!) best = i;
  }
  let mass = 0;
  let moment = 0;
  for (let i = Math.max(0, best - 1); i <= Math.min(values.length - 1, best + 1); i++) {
    mass += values[i]!;
    moment += i * values[i]!;
  }
  return mass > 0 ? moment / mass : best;
}

/** Beat times in seconds, ascending, for an envelope and a beat period (in envelope frames). */
export function trackBeats(
  envelope: Envelope,
  periodFrames: number,
  options: BeatTrackOptions = {},
): number[] {
  const tightness = options.tightness ?? 100;
  const n = envelope.values.length;
  if (n === 0 || !(periodFrames > 0)) return [];
  const score = localScore(standardise(envelope.values), periodFrames);
  const cumulative = new Float64Array(n);
  const backlink = new Int32Array(n).fill(-1);
  const earliest = Math.round(2 * periodFrames);
  const latest = Math.max(1, Math.round(periodFrames / 2));
  for (let t = 0; t < n; t++) {
    let bestValue = -Infinity;
    let best = -1;
    for (let previous = t - earliest; previous <= t - latest; previous++) {
      if (previous < 0) continue;
      const penalty = tightness * Math.log((t - previous) / periodFrames) ** 2;
      const value = cumulative[previous]! - penalty;
      if (value > bestValue) {
        bestValue = value;
        best = previous;
      }
    }
    cumulative[t] = score[t]! + (best >= 0 ? Math.max(0, bestValue) : 0);
    backlink[t] = best >= 0 && bestValue > 0 ? best : -1;
  }
  // Last beat: the latest local maximum of the cumulative score above half the median of local maxima.
  const maxima: number[] = [];
  for (let t = 1; t < n - 1; t++)
    if (cumulative[t]! > cumulative[t - 1]! && cumulative[t]! >= cumulative[t + 1]!) maxima.push(t);
  if (maxima.length === 0) return [];
  const sortedValues = maxima.map((t) => cumulative[t]!).sort((a, b) => a - b);
  const threshold = 0.5 * sortedValues[Math.floor(sortedValues.length / 2)]!;
  let last = maxima[maxima.length - 1]!;
  for (let i = maxima.length - 1; i >= 0; i--) {
    if (cumulative[maxima[i]!]! >= threshold) {
      last = maxima[i]!;
      break;
    }
  }
  const frames: number[] = [];
  for (let t = last; t >= 0; t = backlink[t]!) frames.push(t);
  frames.reverse();
  let kept = frames;
  if (options.trimEdges ?? true) {
    // Trim beats whose local score is below half the RMS of the local score at the beats.
    const rmsAtBeats = Math.sqrt(frames.reduce((sum, t) => sum + score[t]! ** 2, 0) / frames.length);
    let first = 0;
    let end = frames.length;
    while (first < end && score[frames[first]!]! < 0.5 * rmsAtBeats) first++;
    while (end > first && score[frames[end - 1]!]! < 0.5 * rmsAtBeats) end--;
    kept = frames.slice(first, end);
  }
  const radius = Math.max(1, Math.round(0.1 * periodFrames));
  return kept.map(
    (t) => (options.refineToPeaks ? peakCentroid(envelope.values, t, radius) : t) / envelope.frameRateHz,
  );
}

/** Tempo in bpm from beat times by least squares on beat index (robust to frame quantisation). */
export function tempoFromBeats(beatTimesSec: readonly number[]): number | undefined {
  const n = beatTimesSec.length;
  if (n < 4) return undefined;
  const meanIndex = (n - 1) / 2;
  const meanTime = beatTimesSec.reduce((a, b) => a + b, 0) / n;
  let covariance = 0;
  let variance = 0;
  beatTimesSec.forEach((time, i) => {
    covariance += (i - meanIndex) * (time - meanTime);
    variance += (i - meanIndex) ** 2;
  });
  const periodSec = covariance / variance;
  return periodSec > 0 ? 60 / periodSec : undefined;
}
