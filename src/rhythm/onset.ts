// Onset strength envelope by spectral flux on a log-mel spectrogram (as in Ellis 2007 and librosa's
// onset_strength): per frame, the mean over mel bands of the positive dB increase from the previous frame.
import { logMelSpectrogram } from '../dsp/mel.js';

/** Analysis constants for music rhythm: 22.05 kHz audio, 2048-sample FFT, 256-sample hop (~86.1 frames/s). */
export const rhythmSampleRateHz = 22050;
export const rhythmFftSize = 2048;
export const rhythmHopSamples = 256;
export const rhythmNumMels = 128;

/** An envelope sampled at `frameRateHz`; value t describes the instant t / frameRateHz seconds. */
export interface Envelope {
  readonly values: Float32Array;
  readonly frameRateHz: number;
}

export interface OnsetOptions {
  readonly sampleRateHz: number;
  /** Defaults: rhythmFftSize, rhythmHopSamples, rhythmNumMels. */
  readonly fftSize?: number;
  readonly hopSamples?: number;
  readonly numMels?: number;
}

/** Spectral-flux onset strength of a mono signal, one value per STFT hop (frame 0 is 0). */
export function onsetStrength(signal: Float32Array, options: OnsetOptions): Envelope {
  const fftSize = options.fftSize ?? rhythmFftSize;
  const hopSamples = options.hopSamples ?? rhythmHopSamples;
  const numMels = options.numMels ?? rhythmNumMels;
  const mel = logMelSpectrogram(signal, {
    sampleRateHz: options.sampleRateHz,
    fftSize,
    hopSamples,
    numMels,
    maxHz: Math.min(options.sampleRateHz / 2, 11025),
    topDb: 80,
  });
  const values = new Float32Array(mel.numFrames);
  for (let t = 1; t < mel.numFrames; t++) {
    let sum = 0;
    for (let m = 0; m < numMels; m++) {
      const rise = mel.data[t * numMels + m]! - mel.data[(t - 1) * numMels + m]!;
      if (rise > 0) sum += rise;
    }
    values[t] = sum / numMels;
  }
  return { values, frameRateHz: options.sampleRateHz / hopSamples };
}

/** Positive half-wave of the difference between each sample and its centred moving average (detrending). */
export function subtractLocalMean(values: Float32Array, windowFrames: number): Float32Array {
  const out = new Float32Array(values.length);
  const half = Math.max(1, Math.floor(windowFrames / 2));
  const prefix = new Float64Array(values.length + 1);
  for (let i = 0; i < values.length; i++) prefix[i + 1] = prefix[i]! + values[i]!;
  for (let i = 0; i < values.length; i++) {
    const lo = Math.max(0, i - half);
    const hi = Math.min(values.length, i + half + 1);
    const mean = (prefix[hi]! - prefix[lo]!) / (hi - lo);
    out[i] = Math.max(0, values[i]! - mean);
  }
  return out;
}
