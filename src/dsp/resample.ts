// Band-limited resampling by a rational ratio with a Hann-windowed sinc kernel (polyphase: one kernel per
// output phase). The cutoff sits at the lower Nyquist frequency, scaled by `rolloff` to leave a transition band.
import { V2meowError } from '../errors.js';

function gcd(a: number, b: number): number {
  return b === 0 ? a : gcd(b, a % b);
}

export interface ResampleOptions {
  /** Kernel half-width in zero crossings of the cutoff sinc; default 16. */
  readonly halfWidthZeros?: number;
  /** Cutoff as a fraction of the lower Nyquist frequency; default 0.94. */
  readonly rolloff?: number;
}

/**
 * Resamples a mono signal from `fromRateHz` to `toRateHz` (integer rates). Output length is
 * ceil(numSamples * toRateHz / fromRateHz). Sample j of the output is the input at time j / toRateHz.
 */
export function resample(
  signal: Float32Array,
  fromRateHz: number,
  toRateHz: number,
  options: ResampleOptions = {},
): Float32Array {
  if (!Number.isInteger(fromRateHz) || !Number.isInteger(toRateHz) || fromRateHz <= 0 || toRateHz <= 0)
    throw new V2meowError(
      'BAD_ARGUMENT',
      `sample rates must be positive integers, got ${fromRateHz} and ${toRateHz}`,
    );
  if (fromRateHz === toRateHz) return signal.slice();
  const divisor = gcd(fromRateHz, toRateHz);
  const up = toRateHz / divisor; // output phases
  const down = fromRateHz / divisor;
  const cutoff = (options.rolloff ?? 0.94) * Math.min(1, toRateHz / fromRateHz); // in cycles per input sample x2
  const halfWidth = Math.ceil((options.halfWidthZeros ?? 16) / cutoff); // in input samples
  const taps = 2 * halfWidth + 1;
  // kernels[phase][tap]: weight of input sample (base - halfWidth + tap) for an output at fractional offset phase/up.
  const kernels = new Float32Array(up * taps);
  for (let phase = 0; phase < up; phase++) {
    const fraction = phase / up;
    let sum = 0;
    for (let tap = 0; tap < taps; tap++) {
      const distance = tap - halfWidth - fraction;
      const x = distance * cutoff;
      const sinc = x === 0 ? 1 : Math.sin(Math.PI * x) / (Math.PI * x);
      const window =
        Math.abs(distance) > halfWidth ? 0 : 0.5 + 0.5 * Math.cos((Math.PI * distance) / (halfWidth + 1));
      const weight = cutoff * sinc * window;
      kernels[phase * taps + tap] = weight;
      sum += weight;
    }
    // Unit DC gain per phase.
    for (let tap = 0; tap < taps; tap++) kernels[phase * taps + tap]! /= sum;
  }
  const outputLength = Math.ceil((signal.length * up) / down);
  const output = new Float32Array(outputLength);
  for (let j = 0; j < outputLength; j++) {
    const position = j * down; // input time in units of 1/up samples
    const base = Math.floor(position / up);
    const phase = position - base * up;
    const kernel = phase * taps;
    let acc = 0;
    const first = base - halfWidth;
    for (let tap = 0; tap < taps; tap++) {
      const index = first + tap;
      if (index >= 0 && index < signal.length) acc += kernels[kernel + tap]! * signal[index]!;
    }
    output[j] = acc;
  }
  return output;
}
