// Level measures: frame RMS, dBFS, and integrated loudness in LUFS after ITU-R BS.1770-4 (K-weighting:
// high-shelf + high-pass biquads derived for any sample rate, 400 ms blocks with 75% overlap, absolute gate
// -70 LUFS and relative gate -10 LU). Mono input.

export interface FrameOptions {
  readonly frameSamples: number;
  readonly hopSamples: number;
}

/** Root-mean-square per frame, [1 + floor(max(0, n - frameSamples) / hopSamples)]. */
export function rmsFrames(signal: Float32Array, options: FrameOptions): Float32Array {
  const { frameSamples, hopSamples } = options;
  const numFrames = 1 + Math.floor(Math.max(0, signal.length - frameSamples) / hopSamples);
  const out = new Float32Array(numFrames);
  for (let t = 0; t < numFrames; t++) {
    let sum = 0;
    const end = Math.min(signal.length, t * hopSamples + frameSamples);
    for (let i = t * hopSamples; i < end; i++) sum += signal[i]! * signal[i]!;
    out[t] = Math.sqrt(sum / frameSamples);
  }
  return out;
}

/** RMS of the whole signal. */
export function rms(signal: Float32Array): number {
  let sum = 0;
  for (let i = 0; i < signal.length; i++) sum += signal[i]! * signal[i]!;
  return signal.length ? Math.sqrt(sum / signal.length) : 0;
}

/** Amplitude to decibels relative to full scale: 20 log10(max(amplitude, 1e-10)). */
export function amplitudeToDb(amplitude: number): number {
  return 20 * Math.log10(Math.max(amplitude, 1e-10));
}

function biquad(signal: Float64Array, b: number[], a: number[]): Float64Array {
  const out = new Float64Array(signal.length);
  let x1 = 0,
    x2 = 0,
    y1 = 0,
    y2 = 0;
  for (let i = 0; i < signal.length; i++) {
    const x = signal[i]!;
    const y = b[0]! * x + b[1]! * x1 + b[2]! * x2 - a[1]! * y1 - a[2]! * y2;
    x2 = x1;
    x1 = x;
    y2 = y1;
    y1 = y;
    out[i] = y;
  }
  return out;
}

/** K-weighting filter of BS.1770 (stage 1 shelf, stage 2 high-pass), bilinear-transformed for the rate. */
function kWeight(signal: Float32Array, sampleRateHz: number): Float64Array {
  // Stage 1: high shelf, +4 dB above ~1.5 kHz.
  const gainDb = 3.99984385397;
  const q1 = 0.7071752369554193;
  const f1 = 1681.974450955533;
  const k1 = Math.tan((Math.PI * f1) / sampleRateHz);
  const vh = 10 ** (gainDb / 20);
  const vb = vh ** 0.499666774155;
  const a0 = 1 + k1 / q1 + k1 * k1;
  const shelfB = [
    (vh + (vb * k1) / q1 + k1 * k1) / a0,
    (2 * (k1 * k1 - vh)) / a0,
    (vh - (vb * k1) / q1 + k1 * k1) / a0,
  ];
  const shelfA = [1, (2 * (k1 * k1 - 1)) / a0, (1 - k1 / q1 + k1 * k1) / a0];
  // Stage 2: high-pass at ~38 Hz.
  const q2 = 0.5003270373253953;
  const f2 = 38.13547087613982;
  const k2 = Math.tan((Math.PI * f2) / sampleRateHz);
  const a02 = 1 + k2 / q2 + k2 * k2;
  const passB = [1, -2, 1];
  const passA = [1, (2 * (k2 * k2 - 1)) / a02, (1 - k2 / q2 + k2 * k2) / a02];
  return biquad(biquad(Float64Array.from(signal), shelfB, shelfA), passB, passA);
}

/** Gated integrated loudness in LUFS of a mono signal (-Infinity for silence or < 400 ms). */
export function integratedLoudness(signal: Float32Array, sampleRateHz: number): number {
  const weighted = kWeight(signal, sampleRateHz);
  const block = Math.round(0.4 * sampleRateHz);
  const hop = Math.round(0.1 * sampleRateHz);
  const powers: number[] = [];
  for (let start = 0; start + block <= weighted.length; start += hop) {
    let sum = 0;
    for (let i = start; i < start + block; i++) sum += weighted[i]! * weighted[i]!;
    powers.push(sum / block);
  }
  const lufs = (power: number) => -0.691 + 10 * Math.log10(power);
  const mean = (values: number[]) => values.reduce((a, b) => a + b, 0) / values.length;
  const absolute = powers.filter((p) => lufs(p) > -70);
  if (absolute.length === 0) return -Infinity;
  const relativeGate = lufs(mean(absolute)) - 10;
  const gated = absolute.filter((p) => lufs(p) > relativeGate);
  return lufs(mean(gated));
}
