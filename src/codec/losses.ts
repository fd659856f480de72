// Spectral reconstruction losses for codec training, and the mel-L1 distance the evaluation reports.
// mel-L1 follows ../shared/reference/lyra_on_music.md: 80 Slaney mels (Slaney-normalised filters) of the
// STFT magnitude, n_fft 1024, hop 256, periodic Hann, centred frames, natural log clamped at 1e-5, mean
// absolute difference. The magnitude is scaled by 1 / sum(window) (scipy.signal.stft's 'spectrum'
// scaling): with it our Lyra port reproduces the reference's speech figures within 4% (raw |X| puts the
// 1e-5 floor 512x lower and doubles the figures; docs/codec.md). The multi-scale STFT loss is SoundStream's / DAC's: L1 on linear and log magnitudes
// at several FFT sizes (hop = n_fft / 4).
import { melFilterBank } from '../dsp/mel.js';
import { F, type Tensor, tensor, tidy } from '../torch/index.js';

export interface MelOptions {
  readonly sampleRateHz: number;
  readonly fftSize: number;
  readonly hopSamples: number;
  readonly numMels: number;
}

/** The evaluation's mel settings at 16 kHz. */
export const evalMelOptions: MelOptions = {
  sampleRateHz: 16000,
  fftSize: 1024,
  hopSamples: 256,
  numMels: 80,
};

const logFloor = 1e-5;
const filterCache = new Map<string, Tensor>();
const windowCache = new Map<number, Tensor>();

function hann(length: number): Tensor {
  let w = windowCache.get(length);
  if (!w) {
    w = F.window('hann', length, true).keep();
    windowCache.set(length, w);
  }
  return w;
}

/** Slaney mel filters as a tensor [numMels, fftSize / 2 + 1] (cached, kept alive). */
export function melFilters(o: MelOptions): Tensor {
  const key = `${o.sampleRateHz}:${o.fftSize}:${o.numMels}`;
  let t = filterCache.get(key);
  if (!t) {
    const bank = melFilterBank({ sampleRateHz: o.sampleRateHz, fftSize: o.fftSize, numMels: o.numMels });
    t = tensor(bank, [o.numMels, o.fftSize / 2 + 1]).keep();
    filterCache.set(key, t);
  }
  return t;
}

/** STFT magnitude of wave [B, N] -> [B, fftSize / 2 + 1, frames]. */
export function stftMagnitude(wave: Tensor, fftSize: number, hopSamples: number): Tensor {
  return tidy(() => {
    const spec = F.stft(wave, {
      nFft: fftSize,
      hopSamples,
      window: hann(fftSize),
      center: true,
      padMode: 'reflect',
    });
    // |X| with a tiny floor so the gradient of sqrt stays finite at 0.
    return spec.viewAsReal().square().sum(-1).add(1e-10).sqrt();
  });
}

/** Natural-log mel magnitudes (STFT scaled by 1 / sum(window)) of wave [B, N] -> [B, numMels, frames]. */
export function logMel(wave: Tensor, o: MelOptions = evalMelOptions): Tensor {
  return tidy(() => {
    const windowSum = o.fftSize / 2; // periodic Hann
    const magnitude = stftMagnitude(wave, o.fftSize, o.hopSamples).div(windowSum);
    return melFilters(o).matmul(magnitude).clamp(logFloor).log();
  });
}

/** mean |ln mel(a) - ln mel(b)| over bands and frames; a, b [B, N]. Scalar tensor. */
export function melL1(a: Tensor, b: Tensor, o: MelOptions = evalMelOptions): Tensor {
  return tidy(() => F.l1Loss(logMel(a, o), logMel(b, o)));
}

/**
 * YAMNet's own frontend (its published params: 25 ms periodic-Hann window = 400 samples, hop 160, 512-point FFT,
 * no centring, |X| unscaled, 64 HTK mels 125-7500 Hz peaking at 1, ln(mel + 0.001)) of wave [B, N] at 16 kHz
 * -> [B, 64, 1 + (N - 400) / 160]: a training term on exactly what the YAMNet embedding sees.
 */
export function yamnetLogMel(wave: Tensor): Tensor {
  return tidy(() => {
    let filters = filterCache.get('yamnet');
    if (!filters) {
      const bank = melFilterBank({
        sampleRateHz: 16000,
        fftSize: 512,
        numMels: 64,
        minHz: 125,
        maxHz: 7500,
        scale: 'htk',
        norm: 'none',
      });
      filters = tensor(bank, [64, 257]).keep();
      filterCache.set('yamnet', filters);
    }
    // TensorFlow frames 400 samples and zero-pads each to 512 at the end; libtorch centres a 400-sample window
    // in a 512-sample frame. 56 zeros on both sides of the signal put the two on the same samples.
    const spec = F.stft(F.pad(wave, [56, 56]), {
      nFft: 512,
      hopSamples: 160,
      winSamples: 400,
      window: hann(400),
      center: false,
    });
    const magnitude = spec.viewAsReal().square().sum(-1).add(1e-10).sqrt();
    return filters.matmul(magnitude).add(0.001).log();
  });
}

/** mean |yamnetLogMel(a) - yamnetLogMel(b)|; a, b [B, N] at 16 kHz. Scalar tensor. */
export function yamnetMelL1(a: Tensor, b: Tensor): Tensor {
  return tidy(() => F.l1Loss(yamnetLogMel(a), yamnetLogMel(b)));
}

/** Multi-scale spectral loss: sum over FFT sizes of mean |S_a - S_b| + mean |ln S_a - ln S_b|. a, b [B, N]. */
export function multiScaleStftLoss(
  a: Tensor,
  b: Tensor,
  fftSizes: readonly number[] = [256, 512, 1024, 2048],
): Tensor {
  return tidy(() => {
    let total: Tensor | null = null;
    for (const n of fftSizes) {
      const sa = stftMagnitude(a, n, n / 4);
      const sb = stftMagnitude(b, n, n / 4);
      const term = F.l1Loss(sa, sb).add(F.l1Loss(sa.clamp(logFloor).log(), sb.clamp(logFloor).log()));
      total = total === null ? term : total.add(term);
    }
    return total!.div(fftSizes.length);
  });
}
