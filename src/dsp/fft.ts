// Iterative radix-2 Cooley-Tukey FFT on separate real/imaginary Float64Arrays, with cached twiddles and
// bit-reversal tables per size. Written here rather than taken from npm: 60 lines, no dependency, and the
// STFT sizes we use (512..4096) are powers of two.
import { V2meowError } from '../errors.js';

/** True when n is a positive power of two. */
export function isPowerOfTwo(n: number): boolean {
  return Number.isInteger(n) && n > 0 && (n & (n - 1)) === 0;
}

/** A planned FFT of one size: reusable, not thread-shared state beyond its tables. */
export class Fft {
  readonly size: number;
  private readonly cosTable: Float64Array;
  private readonly sinTable: Float64Array;
  private readonly reversed: Uint32Array;

  constructor(size: number) {
    if (!isPowerOfTwo(size))
      throw new V2meowError('BAD_ARGUMENT', `FFT size must be a power of two, got ${size}`);
    this.size = size;
    this.cosTable = new Float64Array(size / 2);
    this.sinTable = new Float64Array(size / 2);
    for (let k = 0; k < size / 2; k++) {
      this.cosTable[k] = Math.cos((2 * Math.PI * k) / size);
      this.sinTable[k] = Math.sin((2 * Math.PI * k) / size);
    }
    this.reversed = new Uint32Array(size);
    const bits = Math.log2(size);
    for (let i = 0; i < size; i++) {
      let r = 0;
      for (let b = 0; b < bits; b++) r |= ((i >> b) & 1) << (bits - 1 - b);
      this.reversed[i] = r;
    }
  }

  /** In-place forward transform X[k] = sum_n x[n] e^{-2 pi i k n / N} (inverse: unscaled e^{+...}). */
  transform(real: Float64Array, imag: Float64Array, inverse = false): void {
    const n = this.size;
    for (let i = 0; i < n; i++) {
      const j = this.reversed[i]!;
      if (j > i) {
        const tr = real[i]!;
        real[i] = real[j]!;
        real[j] = tr;
        const ti = imag[i]!;
        imag[i] = imag[j]!;
        imag[j] = ti;
      }
    }
    const sign = inverse ? 1 : -1;
    for (let half = 1; half < n; half *= 2) {
      const step = n / (2 * half);
      for (let start = 0; start < n; start += 2 * half) {
        for (let k = 0; k < half; k++) {
          const wr = this.cosTable[k * step]!;
          const wi = sign * this.sinTable[k * step]!;
          const a = start + k;
          const b = a + half;
          const xr = real[b]! * wr - imag[b]! * wi;
          const xi = real[b]! * wi + imag[b]! * wr;
          real[b] = real[a]! - xr;
          imag[b] = imag[a]! - xi;
          real[a] = real[a]! + xr;
          imag[a] = imag[a]! + xi;
        }
      }
    }
  }
}

const plans = new Map<number, Fft>();

/** A cached plan for `size`. */
export function fftPlan(size: number): Fft {
  let plan = plans.get(size);
  if (!plan) {
    plan = new Fft(size);
    plans.set(size, plan);
  }
  return plan;
}
