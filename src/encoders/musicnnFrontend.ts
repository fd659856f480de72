// MusiCNN's input representation (Pons & Serra 2019, musicnn `extractor.batch_data`): a librosa mel
// spectrogram of 16 kHz audio (n_fft 512, hop 256, periodic Hann, centred with reflect padding, power 2,
// 96 Slaney-scale bands with Slaney area normalisation), cast to float16, then compressed as
// log10(10000 x + 1); the spectrogram is cut into 187-frame (3 s) patches.

import { melFilterBank } from '../dsp/index.js';
import { V2meowError } from '../errors.js';
import { noGrad } from '../torch/autograd.js';
import { tensor } from '../torch/create.js';
import * as F from '../torch/functional.js';
import { tidy } from '../torch/scope.js';
import type { Tensor } from '../torch/tensor.js';
import { float16Bits, float16Value } from '../util/float16.js';

/** Sample rate the models were trained at (configuration.py SR). */
export const musicnnSampleRateHz = 16000;
/** FFT length in samples (FFT_SIZE). */
export const musicnnFftSize = 512;
/** Hop between frames in samples (FFT_HOP): 16 ms, so 62.5 frames per second. */
export const musicnnHopSamples = 256;
/** Mel bands (N_MELS). */
export const musicnnNumMels = 96;
/** Frames per patch: librosa.time_to_frames(3 s) + 1 = 187 frames = 2.992 s. */
export const musicnnPatchFrames = 187;
/** Spectrogram frames per second. */
export const musicnnFrameRateHz = musicnnSampleRateHz / musicnnHopSamples;

/** Log-compressed mel spectrogram, row-major [numFrames, numMels]; frame t is centred at t * hop samples. */
export interface MusicnnMel {
  readonly numFrames: number;
  readonly numMels: number;
  readonly data: Float32Array;
}

/** Largest finite float16 value. */
const float16Max = 65504;

/**
 * Rounds to the nearest float16 value (ties to even), as numpy's astype(np.float16). Magnitudes beyond the
 * float16 range saturate at 65504 instead of becoming infinite (the reference would feed inf to the model).
 */
export function roundToFloat16(value: number): number {
  if (!Number.isFinite(value)) return value;
  if (Math.abs(value) >= float16Max) return Math.sign(value) * float16Max;
  return float16Value(float16Bits(value));
}

let cachedBank: Float32Array | null = null;

/** The 96 x 257 Slaney mel filterbank of librosa.filters.mel(sr=16000, n_fft=512, n_mels=96). */
export function musicnnMelFilterBank(): Float32Array {
  cachedBank ??= melFilterBank({
    sampleRateHz: musicnnSampleRateHz,
    fftSize: musicnnFftSize,
    numMels: musicnnNumMels,
    scale: 'slaney',
    norm: 'slaney',
  });
  return cachedBank;
}

/** log10(10000 x + 1) of one mel power value after the reference's float16 cast (musicnnLogMel's formula). */
export function compressMel(power: number): number {
  return Math.log10(10000 * roundToFloat16(power) + 1);
}

/**
 * MusiCNN log-mel spectrogram of 16 kHz mono samples in [-1, 1], computed with the engine (libtorch STFT and a
 * filterbank matmul; about 20x faster than the pure-JS dsp path). Empty input gives one silent frame.
 */
export function musicnnLogMel(samples16k: Float32Array): MusicnnMel {
  const signal = samples16k.length > 0 ? samples16k : new Float32Array(1);
  const data = noGrad(() =>
    tidy(() => musicnnLogMelTensor(tensor(signal), { float16: true }).contiguous().data() as Float32Array),
  );
  return { numFrames: data.length / musicnnNumMels, numMels: musicnnNumMels, data };
}

/**
 * The same log-mel on a tensor: wave [N] or [B, N] -> [frames, mels] or [B, frames, mels]. With `float16`
 * the mel power is rounded as the reference does (numpy's astype(np.float16), saturating instead of
 * overflowing); without it the result is differentiable (the codec's MusiCNN feature loss).
 */
export function musicnnLogMelTensor(wave: Tensor, o: { float16: boolean }): Tensor {
  return tidy(() => {
    const samples = wave.size(-1);
    const spectrum = F.stft(wave, {
      nFft: musicnnFftSize,
      hopSamples: musicnnHopSamples,
      window: F.window('hann', musicnnFftSize, true),
      center: true,
      padMode: samples > musicnnFftSize / 2 ? 'reflect' : 'constant',
    }); // complex [B?, bins, frames]
    const power = spectrum.viewAsReal().square().sum(-1);
    const bank = tensor(musicnnMelFilterBank(), [musicnnNumMels, musicnnFftSize / 2 + 1]);
    const mel = bank.matmul(power).transpose(-2, -1); // [B?, frames, mels]
    const rounded = o.float16 ? mel.clamp(0, float16Max).cast('float16').cast('float32') : mel;
    return rounded.mul(10000).add(1).log10();
  });
}

/**
 * First frame of every patch. As the reference: starts 0, hop, 2 hop, ... while a whole patch fits. With
 * `coverEnd`, one more patch ending at the last frame is added when the regular ones leave frames uncovered.
 * A spectrogram shorter than a patch gives one patch at 0 (zero-padded by `patchBatch`).
 */
export function patchStarts(
  numFrames: number,
  patchFrames: number,
  hopFrames: number,
  coverEnd: boolean,
): number[] {
  if (!(hopFrames >= 1) || !Number.isInteger(hopFrames))
    throw new V2meowError(
      'BAD_ARGUMENT',
      `patch hop must be a whole number of frames >= 1, got ${hopFrames}`,
    );
  if (numFrames <= patchFrames) return [0];
  const starts: number[] = [];
  for (let start = 0; start + patchFrames <= numFrames; start += hopFrames) starts.push(start);
  const lastEnd = starts[starts.length - 1]! + patchFrames;
  if (coverEnd && lastEnd < numFrames) starts.push(numFrames - patchFrames);
  return starts;
}

/**
 * Copies patches into one row-major batch [starts.length, patchFrames, numMels]; frames past the end of the
 * spectrogram are 0 (= log10(1), silence).
 */
export function patchBatch(mel: MusicnnMel, starts: readonly number[], patchFrames: number): Float32Array {
  const { numMels, numFrames, data } = mel;
  const batch = new Float32Array(starts.length * patchFrames * numMels);
  for (const [p, start] of starts.entries()) {
    const frames = Math.max(0, Math.min(patchFrames, numFrames - start));
    batch.set(data.subarray(start * numMels, (start + frames) * numMels), p * patchFrames * numMels);
  }
  return batch;
}
