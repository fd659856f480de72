// Rhythm curves in one space for music and video (the idea of V2M-Zero, 2026: a model trained on "event
// curves" computed from music alone is fed the same curves computed from a video). Both sides give the
// channels of `curveNames` (src/features/streams.ts) on the 25 Hz semantic grid, built from src/rhythm:
//   channel    music (musicCurves)                        video (videoCurves)
//   onset      spectral-flux onset strength               motion novelty (directogram change)
//   beatSin/Cos  phase between tracked beats             phase between visual beats
//   downbeat   bumps at downbeats (low-band accents)      bumps at every 4th visual beat (strongest phase)
//   energy     RMS of the waveform                        RMS flow magnitude (sqrt of motion energy)
//   boundary   bumps at timbre-change peaks (novelty)     bumps at scene cuts
// One rule normalises both sides (normaliseOnset, scaleToUnit, eventBumps, beatPhase below), per clip.
// Frame k stands for [k / 25, (k + 1) / 25) s: dense envelopes take their maximum over the interval, sparse
// ones (video at 8 fps) are interpolated at its centre, and events and beat phases are evaluated there.

import { rmsFrames } from '../dsp/loudness.js';
import { logMelSpectrogram } from '../dsp/mel.js';
import { decodeAudio } from '../media/audio.js';
import { estimateDownbeats } from '../rhythm/downbeats.js';
import { analyzeMusicRhythm, type MusicRhythm } from '../rhythm/musicRhythm.js';
import { type Envelope, rhythmSampleRateHz, subtractLocalMean } from '../rhythm/onset.js';
import { analyzeVideo, type VideoAnalysis, type VideoAnalysisOptions } from '../rhythm/videoAnalysis.js';
import { type CurveName, type CurveSet, curveNames } from './streams.js';
import { audioSampleRateHz, framesIn, semanticRateHz } from './timeline.js';

/** Standard deviation in seconds of the bumps that mark downbeats and boundaries (one 25 Hz frame). */
export const eventWidthSec = 0.04;
/** Window of the moving average subtracted from onset curves (1 s). */
export const onsetDetrendSec = 1;
/** Percentile (0..1) of a channel that maps to 1 in scaleToUnit. */
export const scalePercentile = 0.98;
/** Half-width in seconds of the windows compared by the music boundary novelty. */
export const noveltyHalfWidthSec = 2;

const centreSec = (k: number) => (k + 0.5) / semanticRateHz;

/**
 * An envelope on the 25 Hz grid: the maximum of the samples inside each frame's interval when the envelope is
 * at least as dense as the grid, else linear interpolation at the interval's centre. Sample t of the envelope
 * sits at (t + offsetFrames) / frameRateHz seconds.
 */
export function envelopeOnGrid(envelope: Envelope, numFrames: number, offsetFrames = 0): Float32Array {
  const { values, frameRateHz } = envelope;
  const out = new Float32Array(numFrames);
  if (values.length === 0) return out;
  const position = (sec: number) => sec * frameRateHz - offsetFrames;
  if (frameRateHz >= semanticRateHz) {
    for (let k = 0; k < numFrames; k++) {
      const first = Math.max(0, Math.ceil(position(k / semanticRateHz) - 1e-9));
      const end = Math.min(values.length, Math.ceil(position((k + 1) / semanticRateHz) - 1e-9));
      let peak = 0;
      for (let t = first; t < end; t++) peak = Math.max(peak, values[t]!);
      out[k] = peak;
    }
    return out;
  }
  for (let k = 0; k < numFrames; k++) {
    const p = Math.min(values.length - 1, Math.max(0, position(centreSec(k))));
    const t0 = Math.floor(p);
    const t1 = Math.min(values.length - 1, t0 + 1);
    out[k] = values[t0]! + (p - t0) * (values[t1]! - values[t0]!);
  }
  return out;
}

/** Divides by the channel's `scalePercentile` value (its maximum if that is 0) and clips to [0, 1]. */
export function scaleToUnit(values: Float32Array): Float32Array {
  const sorted = Float32Array.from(values).sort();
  let scale = sorted[Math.min(sorted.length - 1, Math.floor(scalePercentile * sorted.length))] ?? 0;
  if (!(scale > 0)) scale = sorted[sorted.length - 1] ?? 0;
  if (!(scale > 0)) return new Float32Array(values.length);
  return values.map((v) => Math.min(1, Math.max(0, v / scale)));
}

/** Onset rule: minus its 1 s moving average (positive part), then scaleToUnit. */
export function normaliseOnset(values: Float32Array): Float32Array {
  return scaleToUnit(subtractLocalMean(values, Math.round(onsetDetrendSec * semanticRateHz)));
}

/** Gaussian bumps (peak 1, sd eventWidthSec) at `timesSec`, evaluated at frame centres; overlaps take the max. */
export function eventBumps(timesSec: readonly number[], numFrames: number): Float32Array {
  const out = new Float32Array(numFrames);
  const reach = Math.ceil(4 * eventWidthSec * semanticRateHz);
  for (const time of timesSec) {
    const centre = Math.floor(time * semanticRateHz);
    for (let k = Math.max(0, centre - reach); k <= Math.min(numFrames - 1, centre + reach); k++) {
      const distance = centreSec(k) - time;
      out[k] = Math.max(out[k]!, Math.exp(-(distance * distance) / (2 * eventWidthSec * eventWidthSec)));
    }
  }
  return out;
}

/**
 * sin and cos of 2 pi x beat phase at frame centres: phase 0 on a beat, growing linearly to 1 at the next;
 * before the first and after the last beat the nearest beat interval is extended. Fewer than 2 beats: zeros.
 */
export function beatPhase(
  beatsSec: readonly number[],
  numFrames: number,
): { sin: Float32Array; cos: Float32Array } {
  const sin = new Float32Array(numFrames);
  const cos = new Float32Array(numFrames);
  if (beatsSec.length < 2) return { sin, cos };
  let i = 0;
  for (let k = 0; k < numFrames; k++) {
    const t = centreSec(k);
    while (i < beatsSec.length - 2 && t >= beatsSec[i + 1]!) i++;
    const start = beatsSec[i]!;
    const period = beatsSec[i + 1]! - start;
    const phase = (t - start) / period;
    const wrapped = phase - Math.floor(phase);
    sin[k] = Math.sin(2 * Math.PI * wrapped);
    cos[k] = Math.cos(2 * Math.PI * wrapped);
  }
  return { sin, cos };
}

/** Interleaves named channels [numFrames] into a CurveSet. */
export function curveSet(channels: Record<CurveName, Float32Array>, numFrames: number): CurveSet {
  const dim = curveNames.length;
  const data = new Float32Array(numFrames * dim);
  curveNames.forEach((name, c) => {
    const values = channels[name];
    for (let k = 0; k < numFrames; k++) data[k * dim + c] = values[k] ?? 0;
  });
  return { name: 'curves', rateHz: semanticRateHz, numFrames, dim, kind: 'dense', data };
}

/** One channel of a curve set as its own array. */
export function curveChannel(curves: CurveSet, name: CurveName): Float32Array {
  const c = curveNames.indexOf(name);
  return Float32Array.from({ length: curves.numFrames }, (_, k) => curves.data[k * curves.dim + c]!);
}

/**
 * Timbre-change novelty on the 25 Hz grid: 40-band log-mel standardised per band over the clip, and at each
 * frame the distance between the mean spectra of the noveltyHalfWidthSec before and after (0 where either
 * side has less than half of that), per sqrt(band).
 */
export function timbreNovelty(samples: Float32Array, sampleRateHz: number, numFrames: number): Float32Array {
  const numMels = 40;
  const hopSamples = Math.round(sampleRateHz / semanticRateHz);
  const mel = logMelSpectrogram(samples, {
    sampleRateHz,
    fftSize: 2048,
    hopSamples,
    numMels,
    maxHz: Math.min(8000, sampleRateHz / 2),
  });
  const n = Math.min(numFrames, mel.numFrames);
  const z = new Float64Array(n * numMels);
  for (let m = 0; m < numMels; m++) {
    let mean = 0;
    for (let t = 0; t < n; t++) mean += mel.data[t * numMels + m]! / n;
    let variance = 0;
    for (let t = 0; t < n; t++) variance += (mel.data[t * numMels + m]! - mean) ** 2 / n;
    const sd = Math.sqrt(variance) || 1;
    for (let t = 0; t < n; t++) z[t * numMels + m] = (mel.data[t * numMels + m]! - mean) / sd;
  }
  const prefix = new Float64Array((n + 1) * numMels);
  for (let t = 0; t < n; t++)
    for (let m = 0; m < numMels; m++)
      prefix[(t + 1) * numMels + m] = prefix[t * numMels + m]! + z[t * numMels + m]!;
  const half = Math.round(noveltyHalfWidthSec * semanticRateHz);
  const out = new Float32Array(numFrames);
  for (let k = 0; k < n; k++) {
    const before = Math.min(half, k);
    const after = Math.min(half, n - k);
    if (before < half / 2 || after < half / 2) continue;
    let sum = 0;
    for (let m = 0; m < numMels; m++) {
      const left = (prefix[k * numMels + m]! - prefix[(k - before) * numMels + m]!) / before;
      const right = (prefix[(k + after) * numMels + m]! - prefix[k * numMels + m]!) / after;
      sum += (right - left) ** 2;
    }
    out[k] = Math.sqrt(sum / numMels);
  }
  return out;
}

/**
 * Section changes: frames where the novelty is the maximum within +-noveltyHalfWidthSec, at least its clip
 * mean + 1.5 sd, and at least 1 (one standard deviation of the standardised bands). Returns times in seconds.
 */
export function noveltyPeaks(novelty: Float32Array): number[] {
  const defined = [...novelty].filter((v) => v > 0);
  if (defined.length === 0) return [];
  const mean = defined.reduce((a, b) => a + b, 0) / defined.length;
  const sd = Math.sqrt(defined.reduce((a, b) => a + (b - mean) ** 2, 0) / defined.length);
  const threshold = Math.max(1, mean + 1.5 * sd);
  const half = Math.round(noveltyHalfWidthSec * semanticRateHz);
  const peaks: number[] = [];
  for (let k = 0; k < novelty.length; k++) {
    if (novelty[k]! < threshold) continue;
    let isPeak = true;
    for (let j = Math.max(0, k - half); j <= Math.min(novelty.length - 1, k + half) && isPeak; j++)
      if (novelty[j]! > novelty[k]! || (novelty[j] === novelty[k] && j < k)) isPeak = false;
    if (isPeak) peaks.push(k / semanticRateHz);
  }
  return peaks;
}

/** Music curves plus the rhythm analysis they came from. */
export interface MusicCurves {
  readonly curves: CurveSet;
  readonly rhythm: MusicRhythm;
  /** Section changes found (seconds). */
  readonly boundariesSec: number[];
}

/** Rhythm curves of mono music samples (any rate; default 16 kHz) on the 25 Hz grid, with their analysis. */
export function analyzeMusicCurves(samples: Float32Array, sampleRateHz = audioSampleRateHz): MusicCurves {
  const numFrames = framesIn(samples.length / sampleRateHz, semanticRateHz);
  const rhythm = analyzeMusicRhythm(samples, sampleRateHz);
  const frameSamples = sampleRateHz / semanticRateHz;
  const rms = rmsFrames(samples, {
    frameSamples: Math.round(frameSamples),
    hopSamples: Math.round(frameSamples),
  });
  const boundariesSec = noveltyPeaks(timbreNovelty(samples, sampleRateHz, numFrames));
  const phase = beatPhase(rhythm.beatsSec, numFrames);
  const curves = curveSet(
    {
      onset: normaliseOnset(envelopeOnGrid(rhythm.onsetEnvelope, numFrames)),
      beatSin: phase.sin,
      beatCos: phase.cos,
      downbeat: eventBumps(rhythm.downbeatsSec, numFrames),
      energy: scaleToUnit(Float32Array.from({ length: numFrames }, (_, k) => rms[k] ?? 0)),
      boundary: eventBumps(boundariesSec, numFrames),
    },
    numFrames,
  );
  return { curves, rhythm, boundariesSec };
}

/** Rhythm curves of mono music samples (any rate; default 16 kHz) on the 25 Hz grid. */
export function musicCurves(samples: Float32Array, sampleRateHz = audioSampleRateHz): CurveSet {
  return analyzeMusicCurves(samples, sampleRateHz).curves;
}

/**
 * Rhythm curves of an audio file's (or a video's soundtrack's) music, decoded at the rhythm module's 22.05 kHz:
 * hi-hats above 8 kHz matter to the tempo (the 130 bpm excerpt is tracked at 65 bpm from 16 kHz audio).
 */
export async function musicCurvesOfFile(
  path: string,
  window: { readonly startSec?: number; readonly seconds?: number } = {},
): Promise<MusicCurves> {
  const samples = await decodeAudio(path, {
    sampleRateHz: rhythmSampleRateHz,
    startSec: window.startSec,
    durationSec: window.seconds,
  });
  return analyzeMusicCurves(samples, rhythmSampleRateHz);
}

/** Visual beats chosen as bar starts: every 4th one, at the phase with the most motion novelty. */
export function visualDownbeats(analysis: VideoAnalysis): number[] {
  return estimateDownbeats(analysis.beatsSec, analysis.onsetEnvelope, [4]).downbeatsSec;
}

/** Rhythm curves of a video from its analysis (src/rhythm/videoAnalysis.ts, or VisualFeatureExtractor's). */
export function videoCurves(analysis: VideoAnalysis): CurveSet {
  const numFrames = framesIn(analysis.durationSec, semanticRateHz);
  const phase = beatPhase(analysis.beatsSec, numFrames);
  // Motion energy j describes the flow from frame j to j + 1: it sits half a frame after frame j.
  const flowRms = { values: analysis.motionEnergy.map(Math.sqrt), frameRateHz: analysis.motionFps };
  return curveSet(
    {
      onset: normaliseOnset(envelopeOnGrid(analysis.onsetEnvelope, numFrames)),
      beatSin: phase.sin,
      beatCos: phase.cos,
      downbeat: eventBumps(visualDownbeats(analysis), numFrames),
      energy: scaleToUnit(envelopeOnGrid(flowRms, numFrames, 0.5)),
      boundary: eventBumps(analysis.cutsSec, numFrames),
    },
    numFrames,
  );
}

/** Analyses a video (one decode) and returns its rhythm curves with the analysis. */
export async function videoCurvesOfFile(
  path: string,
  options: VideoAnalysisOptions = {},
): Promise<{ curves: CurveSet; analysis: VideoAnalysis }> {
  const analysis = await analyzeVideo(path, options);
  return { curves: videoCurves(analysis), analysis };
}
