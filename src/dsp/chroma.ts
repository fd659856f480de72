// Chroma (pitch-class profile): STFT power folded onto the 12 equal-tempered pitch classes (C = 0) with a
// Gaussian weight around each semitone centre, A4 = 440 Hz; each frame normalised to a maximum of 1.
import { applyFilterBank } from './mel.js';
import { magnitudeSpectrogram, stft } from './stft.js';

export interface ChromaOptions {
  readonly sampleRateHz: number;
  readonly fftSize: number;
  readonly hopSamples: number;
  /** Frequency range folded; default 55 Hz (A1) to 4186 Hz (C8). */
  readonly minHz?: number;
  readonly maxHz?: number;
}

/** Chroma filterbank [12, fftSize/2 + 1]. */
export function chromaFilterBank(options: ChromaOptions): Float32Array {
  const numBins = options.fftSize / 2 + 1;
  const minHz = options.minHz ?? 55;
  const maxHz = options.maxHz ?? 4186;
  const bank = new Float32Array(12 * numBins);
  for (let k = 1; k < numBins; k++) {
    const hz = (k * options.sampleRateHz) / options.fftSize;
    if (hz < minHz || hz > maxHz) continue;
    const midi = 69 + 12 * Math.log2(hz / 440);
    const nearest = Math.round(midi);
    const distance = midi - nearest;
    const pitchClass = ((nearest % 12) + 12) % 12;
    bank[pitchClass * numBins + k] = Math.exp(-0.5 * (distance / 0.25) ** 2);
  }
  return bank;
}

/** Chroma of a mono signal, row-major [numFrames, 12], each frame scaled to max 1 (silent frames stay 0). */
export function chroma(
  signal: Float32Array,
  options: ChromaOptions,
): { numFrames: number; data: Float32Array } {
  const spectrum = stft(signal, { fftSize: options.fftSize, hopSamples: options.hopSamples });
  const power = magnitudeSpectrogram(spectrum, 2);
  const data = applyFilterBank(power, spectrum.numFrames, chromaFilterBank(options), 12);
  for (let t = 0; t < spectrum.numFrames; t++) {
    let peak = 0;
    for (let c = 0; c < 12; c++) peak = Math.max(peak, data[t * 12 + c]!);
    if (peak > 0) for (let c = 0; c < 12; c++) data[t * 12 + c]! /= peak;
  }
  return { numFrames: spectrum.numFrames, data };
}
