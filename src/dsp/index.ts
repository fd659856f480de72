// Public API of the DSP module: pure functions on Float32Array, units in the names.
export { chroma, chromaFilterBank, type ChromaOptions } from './chroma.js';
export { Fft, fftPlan, isPowerOfTwo } from './fft.js';
export { amplitudeToDb, type FrameOptions, integratedLoudness, rms, rmsFrames } from './loudness.js';
export {
  applyFilterBank,
  hzToMel,
  type LogMelOptions,
  type LogMelSpectrogram,
  logMelSpectrogram,
  type MelFilterBankOptions,
  melFilterBank,
  type MelScale,
  melSpectrogram,
  melToHz,
  powerToDb,
} from './mel.js';
export { resample, type ResampleOptions } from './resample.js';
export {
  type ComplexSpectrogram,
  istft,
  magnitudeSpectrogram,
  numStftFrames,
  stft,
  type StftOptions,
} from './stft.js';
export { hannWindow } from './window.js';
