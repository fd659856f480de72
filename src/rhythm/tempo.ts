// Global tempo from an onset envelope (audio or visual): autocorrelation weighted by a log-normal tempo prior
// (Ellis 2007; librosa's tempo), octave-error handling by scoring each candidate with its metrical relatives
// (Percival & Tzanetakis 2014 use a similar harmonic check), and sub-frame precision by parabolic peak
// interpolation at several multiples of the period.
import { V2meowError } from '../errors.js';
import type { Envelope } from './onset.js';

export interface TempoOptions {
  /** Search range in beats per minute; default 40..240. */
  readonly minBpm?: number;
  readonly maxBpm?: number;
  /** Centre of the log-normal prior in bpm; default 120. */
  readonly priorBpm?: number;
  /** Width of the prior in octaves; default 1. */
  readonly priorOctaves?: number;
}

export interface TempoEstimate {
  /** Tempo in beats per minute. */
  readonly bpm: number;
  /** Beat period in envelope frames (fractional). */
  readonly periodFrames: number;
  /** Normalised autocorrelation at the period (0..1): how periodic the envelope is. */
  readonly confidence: number;
  /** Runner-up tempi in bpm, best first (often the half/double). */
  readonly alternativesBpm: readonly number[];
}

/** Normalised autocorrelation of a zero-mean copy of `values` for lags 0..maxLag. */
export function autocorrelation(values: Float32Array, maxLag: number): Float64Array {
  const n = values.length;
  let mean = 0;
  for (let i = 0; i < n; i++) mean += values[i]!;
  mean /= n || 1;
  const centred = new Float64Array(n);
  for (let i = 0; i < n; i++) centred[i] = values[i]! - mean;
  const out = new Float64Array(maxLag + 1);
  for (let lag = 0; lag <= maxLag && lag < n; lag++) {
    let sum = 0;
    for (let i = lag; i < n; i++) sum += centred[i]! * centred[i - lag]!;
    // Unbiased: compensate for fewer overlapping samples at long lags.
    out[lag] = sum / (n - lag);
  }
  const zero = out[0]! || 1;
  for (let lag = 0; lag <= maxLag; lag++) out[lag]! /= zero;
  return out;
}

/** Linear interpolation of `acf` at a fractional lag (0 outside). */
function acfAt(acf: Float64Array, lag: number): number {
  if (lag < 0 || lag >= acf.length - 1) return 0;
  const i = Math.floor(lag);
  const f = lag - i;
  return acf[i]! * (1 - f) + acf[i + 1]! * f;
}

/** Position of the local maximum of `acf` within +-radius of `lag`, refined by a parabola through 3 points. */
function refinePeak(acf: Float64Array, lag: number, radius: number): number | undefined {
  let best = -1;
  let bestValue = -Infinity;
  for (
    let i = Math.max(1, Math.round(lag - radius));
    i <= Math.min(acf.length - 2, Math.round(lag + radius));
    i++
  ) {
    if (acf[i]! > bestValue) {
      bestValue = acf[i]!;
      best = i;
    }
  }
  if (best < 1 || bestValue <= 0) return undefined;
  const [a, b, c] = [acf[best - 1]!, acf[best]!, acf[best + 1]!];
  const denominator = a - 2 * b + c;
  return denominator < 0 ? best + (0.5 * (a - c)) / denominator : best;
}

/** Estimates one global tempo. Throws BAD_ARGUMENT when the envelope is shorter than two slowest beats. */
export function estimateTempo(envelope: Envelope, options: TempoOptions = {}): TempoEstimate {
  const minBpm = options.minBpm ?? 40;
  const maxBpm = options.maxBpm ?? 240;
  const priorBpm = options.priorBpm ?? 120;
  const priorOctaves = options.priorOctaves ?? 1;
  const rate = envelope.frameRateHz;
  const minLag = Math.max(1, Math.ceil((60 * rate) / maxBpm));
  const maxLag = Math.ceil((60 * rate) / minBpm);
  if (envelope.values.length < 2 * minLag + 2)
    throw new V2meowError(
      'BAD_ARGUMENT',
      `${(envelope.values.length / rate).toFixed(2)} s is too short for a tempo: need at least ` +
        `${((2 * minLag + 2) / rate).toFixed(2)} s`,
    );
  const acf = autocorrelation(envelope.values, Math.min(envelope.values.length - 1, 4 * maxLag + 4));
  const prior = (lag: number) =>
    Math.exp(-0.5 * (Math.log2((60 * rate) / lag / priorBpm) / priorOctaves) ** 2);
  // Salience: a comb over the first four multiples of the period (a beat period repeats at 2T, 3T, 4T even
  // when syncopation hides T itself), times the prior.
  const salience = (lag: number) => {
    let sum = 0;
    for (let k = 1; k <= 4; k++) sum += Math.max(0, acfAt(acf, k * lag));
    return sum;
  };
  const scored: { lag: number; score: number }[] = [];
  for (let lag = minLag; lag <= Math.min(maxLag, acf.length - 2); lag += 0.25) {
    scored.push({ lag, score: salience(lag) * prior(lag) });
  }
  if (scored.length === 0)
    return { bpm: priorBpm, periodFrames: (60 * rate) / priorBpm, confidence: 0, alternativesBpm: [] };
  scored.sort((a, b) => b.score - a.score);
  const coarse = scored[0]!.lag;
  // Refine with peaks at k * period: the peak at k T locates T with k times the precision.
  let weighted = 0;
  let weights = 0;
  for (let k = 1; k <= 4; k++) {
    const peak = refinePeak(acf, k * coarse, Math.max(1, 0.03 * k * coarse));
    if (peak !== undefined && Math.abs(peak / k - coarse) < 0.03 * coarse) {
      weighted += peak;
      weights += k;
    }
  }
  const periodFrames = weights > 0 ? weighted / weights : coarse;
  const alternativesBpm: number[] = [];
  for (const candidate of scored) {
    const bpm = (60 * rate) / candidate.lag;
    const distinct = [(60 * rate) / periodFrames, ...alternativesBpm].every(
      (other) => Math.abs(bpm / other - 1) > 0.04,
    );
    if (distinct) alternativesBpm.push(bpm);
    if (alternativesBpm.length === 3) break;
  }
  return {
    bpm: (60 * rate) / periodFrames,
    periodFrames,
    confidence: Math.max(0, acfAt(acf, coarse)),
    alternativesBpm,
  };
}
