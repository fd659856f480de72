// Reconstruction metrics of the codec evaluation (definitions of ../shared/reference/lyra_on_music.md):
// mel-L1 (losses.ts), log-spectral distance, SI-SDR, and the cosine of YAMNet embeddings. Inputs are
// equal-length mono waveforms at 16 kHz, reference first.
import { noGrad, type Tensor, tensor, tidy } from '../torch/index.js';
import { melL1, stftMagnitude } from './losses.js';

/** mel-L1 between reference and estimate (see losses.ts for the exact definition). */
export function melL1Distance(reference: Float32Array, estimate: Float32Array): number {
  return noGrad(() =>
    tidy(() =>
      melL1(tensor(estimate, [1, estimate.length]), tensor(reference, [1, reference.length])).item(),
    ),
  );
}

/** Frames whose reference power is within this many dB of the loudest frame count as active for LSD. */
export const lsdActiveRangeDb = 60;

/**
 * Log-spectral distance in dB: per frame the RMS over bins of 10 log10(P_ref / P_est) of 512-point power
 * spectra (hop 128, Hann), averaged over active frames of the reference.
 */
export function logSpectralDistance(reference: Float32Array, estimate: Float32Array): number {
  return noGrad(() =>
    tidy(() => {
      const power = (x: Float32Array): Tensor =>
        stftMagnitude(tensor(x, [1, x.length]), 512, 128)
          .square()
          .add(1e-10)
          .squeeze(0);
      const pr = power(reference);
      const pe = power(estimate);
      const perFrame = pr.log10().sub(pe.log10()).mul(10).square().mean(0).sqrt(); // [frames]
      const frameDb = pr.sum(0).log10().mul(10);
      const active = frameDb.ge(frameDb.max().item() - lsdActiveRangeDb).float();
      return perFrame.mul(active).sum().div(active.sum()).item();
    }),
  );
}

/** Scale-invariant signal-to-distortion ratio in dB (Le Roux et al. 2019), after removing the means. */
export function siSdr(reference: Float32Array, estimate: Float32Array): number {
  const n = Math.min(reference.length, estimate.length);
  let meanRef = 0;
  let meanEst = 0;
  for (let i = 0; i < n; i++) {
    meanRef += reference[i]!;
    meanEst += estimate[i]!;
  }
  meanRef /= n;
  meanEst /= n;
  let dot = 0;
  let refEnergy = 0;
  for (let i = 0; i < n; i++) {
    dot += (reference[i]! - meanRef) * (estimate[i]! - meanEst);
    refEnergy += (reference[i]! - meanRef) ** 2;
  }
  const alpha = dot / (refEnergy + 1e-12);
  let target = 0;
  let noise = 0;
  for (let i = 0; i < n; i++) {
    const t = alpha * (reference[i]! - meanRef);
    target += t * t;
    noise += (estimate[i]! - meanEst - t) ** 2;
  }
  return 10 * Math.log10((target + 1e-12) / (noise + 1e-12));
}

/** Mean over windows of the cosine between row-major embeddings [numWindows, dim] of reference and estimate. */
export function meanEmbeddingCosine(reference: Float32Array, estimate: Float32Array, dim: number): number {
  const windows = Math.min(reference.length, estimate.length) / dim;
  let total = 0;
  for (let w = 0; w < windows; w++) {
    let dot = 0;
    let a = 0;
    let b = 0;
    for (let i = w * dim; i < (w + 1) * dim; i++) {
      dot += reference[i]! * estimate[i]!;
      a += reference[i]! ** 2;
      b += estimate[i]! ** 2;
    }
    total += dot / (Math.sqrt(a * b) + 1e-12);
  }
  return total / windows;
}
