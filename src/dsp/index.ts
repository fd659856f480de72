// Public API of the DSP module: pure functions on Float32Array, units in the names.
export { type ChromaOptions, chroma, chromaFilterBank } from './chroma.js';
export { Fft, fftPlan, isPowerOfTwo } from './fft.js';
export { amplitudeToDb, type FrameOptions, integratedLoudness, rms, rmsFrames } from './loudness.js';
export {
  applyFilterBank,
  hzToMel,
  type LogMelOptions,
  type LogMelSpectrogram,
  logMelSpectrogram,
  type MelFilterBankOptions,
  type MelScale,
  melFilterBank,
  melSpectrogram,
  melToHz,
  powerToDb,
} from './mel.js';
export { type ResampleOptions, resample } from './resample.js';
export {
  type ComplexSpectrogram,
  istft,
  magnitudeSpectrogram,
  numStftFrames,
  type StftOptions,
  stft,
} from './stft.js';
export { hannWindow } from './window.js';
