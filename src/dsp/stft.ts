// Short-time Fourier transform and its inverse (weighted overlap-add), librosa/torch.stft conventions:
// frames centred on t = frame * hopSamples by reflect-padding fftSize/2 on both sides, periodic Hann window.
import { V2meowError } from '../errors.js';
import { fftPlan } from './fft.js';
import { hannWindow } from './window.js';

/** A complex spectrogram, row-major [numFrames, numBins] with numBins = fftSize/2 + 1. */
export interface ComplexSpectrogram {
  readonly numFrames: number;
  readonly numBins: number;
  readonly fftSize: number;
  readonly hopSamples: number;
  readonly real: Float32Array;
  readonly imag: Float32Array;
}

export interface StftOptions {
  /** FFT length in samples (power of two). */
  readonly fftSize: number;
  /** Hop between frames in samples. */
  readonly hopSamples: number;
  /** Centre frames (reflect padding); default true. */
  readonly center?: boolean;
}

function reflectPad(signal: Float32Array, pad: number): Float32Array {
  const padded = new Float32Array(signal.length + 2 * pad);
  padded.set(signal, pad);
  const n = signal.length;
  for (let i = 1; i <= pad; i++) {
    // Reflection without repeating the edge sample; fall back to zeros on very short signals.
    padded[pad - i] = n > i ? signal[i]! : 0;
    padded[pad + n - 1 + i] = n - 1 - i >= 0 ? signal[n - 1 - i]! : 0;
  }
  return padded;
}

/** Number of STFT frames for a signal: 1 + floor(n / hop) when centred, else 1 + floor((n - fftSize) / hop). */
export function numStftFrames(numSamples: number, options: StftOptions): number {
  const center = options.center ?? true;
  const length = center ? numSamples + 2 * Math.floor(options.fftSize / 2) : numSamples;
  return length < options.fftSize ? 0 : 1 + Math.floor((length - options.fftSize) / options.hopSamples);
}

/** STFT of a mono signal [numSamples] -> complex [numFrames, fftSize/2 + 1]. */
export function stft(signal: Float32Array, options: StftOptions): ComplexSpectrogram {
  const { fftSize, hopSamples } = options;
  if (!(hopSamples > 0) || !Number.isInteger(hopSamples))
    throw new V2meowError('BAD_ARGUMENT', `hopSamples must be a positive integer, got ${hopSamples}`);
  const plan = fftPlan(fftSize);
  const input = (options.center ?? true) ? reflectPad(signal, Math.floor(fftSize / 2)) : signal;
  const numFrames = numStftFrames(signal.length, options);
  const numBins = fftSize / 2 + 1;
  const window = hannWindow(fftSize);
  const real = new Float32Array(numFrames * numBins);
  const imag = new Float32Array(numFrames * numBins);
  const bufferReal = new Float64Array(fftSize);
  const bufferImag = new Float64Array(fftSize);
  for (let frame = 0; frame < numFrames; frame++) {
    const start = frame * hopSamples;
    for (let i = 0; i < fftSize; i++) bufferReal[i] = input[start + i]! * window[i]!;
    bufferImag.fill(0);
    plan.transform(bufferReal, bufferImag);
    real.set(bufferReal.subarray(0, numBins), frame * numBins);
    imag.set(bufferImag.subarray(0, numBins), frame * numBins);
  }
  return { numFrames, numBins, fftSize, hopSamples, real, imag };
}

/**
 * Inverse STFT by windowed overlap-add with squared-window normalisation (Griffin & Lim 1984), undoing the
 * centre padding. `numSamples` trims/pads the result to a length (default: hopSamples * (numFrames - 1)).
 */
export function istft(spectrogram: ComplexSpectrogram, numSamples?: number): Float32Array {
  const { numFrames, numBins, fftSize, hopSamples } = spectrogram;
  const plan = fftPlan(fftSize);
  const window = hannWindow(fftSize);
  const pad = Math.floor(fftSize / 2);
  const fullLength = fftSize + hopSamples * (numFrames - 1);
  const output = new Float64Array(fullLength);
  const weight = new Float64Array(fullLength);
  const bufferReal = new Float64Array(fftSize);
  const bufferImag = new Float64Array(fftSize);
  for (let frame = 0; frame < numFrames; frame++) {
    const offset = frame * numBins;
    for (let k = 0; k < numBins; k++) {
      bufferReal[k] = spectrogram.real[offset + k]!;
      bufferImag[k] = spectrogram.imag[offset + k]!;
    }
    for (let k = numBins; k < fftSize; k++) {
      bufferReal[k] = bufferReal[fftSize - k]!;
      bufferImag[k] = -bufferImag[fftSize - k]!;
    }
    plan.transform(bufferReal, bufferImag, true);
    const start = frame * hopSamples;
    for (let i = 0; i < fftSize; i++) {
      output[start + i] += (bufferReal[i]! / fftSize) * window[i]!;
      weight[start + i] += window[i]! * window[i]!;
    }
  }
  const length = numSamples ?? hopSamples * (numFrames - 1);
  const result = new Float32Array(length);
  for (let i = 0; i < length && i + pad < fullLength; i++) {
    const w = weight[i + pad]!;
    result[i] = w > 1e-10 ? output[i + pad]! / w : 0;
  }
  return result;
}

/** |X|^power per bin, [numFrames, numBins]; power 2 (default) gives the power spectrogram. */
export function magnitudeSpectrogram(spectrogram: ComplexSpectrogram, power = 2): Float32Array {
  const { real, imag } = spectrogram;
  const out = new Float32Array(real.length);
  for (let i = 0; i < real.length; i++) {
    const squared = real[i]! * real[i]! + imag[i]! * imag[i]!;
    out[i] = power === 2 ? squared : squared ** (power / 2);
  }
  return out;
}
