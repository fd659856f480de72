// Mel scales and triangular mel filterbanks (Slaney's Auditory Toolbox scale, as librosa's default, and the
// HTK scale 2595 log10(1 + f/700)), and log-mel spectrograms.
import { V2meowError } from '../errors.js';
import { magnitudeSpectrogram, stft } from './stft.js';

export type MelScale = 'slaney' | 'htk';

const slaneyHzPerMel = 200 / 3;
const slaneyBreakHz = 1000;
const slaneyBreakMel = slaneyBreakHz / slaneyHzPerMel; // 15 mel
const slaneyLogStep = Math.log(6.4) / 27;

/** Hz -> mel on the given scale. */
export function hzToMel(hz: number, scale: MelScale = 'slaney'): number {
  if (scale === 'htk') return 2595 * Math.log10(1 + hz / 700);
  return hz < slaneyBreakHz
    ? hz / slaneyHzPerMel
    : slaneyBreakMel + Math.log(hz / slaneyBreakHz) / slaneyLogStep;
}

/** mel -> Hz on the given scale. */
export function melToHz(mel: number, scale: MelScale = 'slaney'): number {
  if (scale === 'htk') return 700 * (10 ** (mel / 2595) - 1);
  return mel < slaneyBreakMel
    ? mel * slaneyHzPerMel
    : slaneyBreakHz * Math.exp(slaneyLogStep * (mel - slaneyBreakMel));
}

export interface MelFilterBankOptions {
  readonly sampleRateHz: number;
  readonly fftSize: number;
  readonly numMels: number;
  /** Lowest band edge in Hz; default 0. */
  readonly minHz?: number;
  /** Highest band edge in Hz; default sampleRateHz / 2. */
  readonly maxHz?: number;
  /** Mel scale; default 'slaney'. */
  readonly scale?: MelScale;
  /** 'slaney' (default) divides each triangle by its width in Hz (constant energy per band); 'none' peaks at 1. */
  readonly norm?: 'slaney' | 'none';
}

/** Triangular filters, row-major [numMels, fftSize/2 + 1], centres equally spaced in mel. */
export function melFilterBank(options: MelFilterBankOptions): Float32Array {
  const { sampleRateHz, fftSize, numMels } = options;
  const minHz = options.minHz ?? 0;
  const maxHz = options.maxHz ?? sampleRateHz / 2;
  const scale = options.scale ?? 'slaney';
  if (!(numMels > 0) || !(maxHz > minHz))
    throw new V2meowError('BAD_ARGUMENT', `bad mel filterbank: ${numMels} mels over ${minHz}..${maxHz} Hz`);
  const numBins = fftSize / 2 + 1;
  const minMel = hzToMel(minHz, scale);
  const maxMel = hzToMel(maxHz, scale);
  const edgesHz = Array.from({ length: numMels + 2 }, (_, i) =>
    melToHz(minMel + ((maxMel - minMel) * i) / (numMels + 1), scale),
  );
  const bank = new Float32Array(numMels * numBins);
  for (let m = 0; m < numMels; m++) {
    const [lower, centre, upper] = [edgesHz[m]!, edgesHz[m + 1]!, edgesHz[m + 2]!];
    const gain = (options.norm ?? 'slaney') === 'slaney' ? 2 / (upper - lower) : 1;
    for (let k = 0; k < numBins; k++) {
      const hz = (k * sampleRateHz) / fftSize;
      const rising = (hz - lower) / (centre - lower);
      const falling = (upper - hz) / (upper - centre);
      const value = Math.max(0, Math.min(rising, falling));
      bank[m * numBins + k] = value * gain;
    }
  }
  return bank;
}

/** Applies a filterbank [numFilters, numBins] to a spectrogram [numFrames, numBins] -> [numFrames, numFilters]. */
export function applyFilterBank(
  spectrogram: Float32Array,
  numFrames: number,
  bank: Float32Array,
  numFilters: number,
): Float32Array {
  const numBins = bank.length / numFilters;
  const out = new Float32Array(numFrames * numFilters);
  for (let t = 0; t < numFrames; t++) {
    const row = t * numBins;
    for (let m = 0; m < numFilters; m++) {
      const filter = m * numBins;
      let sum = 0;
      for (let k = 0; k < numBins; k++) {
        const weight = bank[filter + k]!;
        if (weight !== 0) sum += weight * spectrogram[row + k]!;
      }
      out[t * numFilters + m] = sum;
    }
  }
  return out;
}

/** 10 log10(max(power, amin)), clamped to topDb below the maximum (librosa power_to_db with ref 1). */
export function powerToDb(power: Float32Array, amin = 1e-10, topDb: number | null = 80): Float32Array {
  const out = new Float32Array(power.length);
  let peak = -Infinity;
  for (let i = 0; i < power.length; i++) {
    out[i] = 10 * Math.log10(Math.max(power[i]!, amin));
    if (out[i]! > peak) peak = out[i]!;
  }
  if (topDb !== null) for (let i = 0; i < out.length; i++) out[i] = Math.max(out[i]!, peak - topDb);
  return out;
}

export interface LogMelOptions extends Omit<MelFilterBankOptions, 'fftSize'> {
  readonly fftSize: number;
  readonly hopSamples: number;
  /** Dynamic range kept below the peak in dB; default 80, null for none. */
  readonly topDb?: number | null;
}

/** A log-mel spectrogram in dB, row-major [numFrames, numMels]; frame t is centred at t * hopSamples. */
export interface LogMelSpectrogram {
  readonly numFrames: number;
  readonly numMels: number;
  readonly hopSamples: number;
  readonly sampleRateHz: number;
  readonly data: Float32Array;
}

/** Power mel spectrogram [numFrames, numMels] of a mono signal. */
export function melSpectrogram(
  signal: Float32Array,
  options: LogMelOptions,
): { numFrames: number; data: Float32Array } {
  const spectrum = stft(signal, { fftSize: options.fftSize, hopSamples: options.hopSamples });
  const power = magnitudeSpectrogram(spectrum, 2);
  const bank = melFilterBank(options);
  return {
    numFrames: spectrum.numFrames,
    data: applyFilterBank(power, spectrum.numFrames, bank, options.numMels),
  };
}

/** Log-mel spectrogram (dB) of a mono signal. */
export function logMelSpectrogram(signal: Float32Array, options: LogMelOptions): LogMelSpectrogram {
  const mel = melSpectrogram(signal, options);
  return {
    numFrames: mel.numFrames,
    numMels: options.numMels,
    hopSamples: options.hopSamples,
    sampleRateHz: options.sampleRateHz,
    data: powerToDb(mel.data, 1e-10, options.topDb === undefined ? 80 : options.topDb),
  };
}
