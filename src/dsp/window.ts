// Analysis windows. Periodic Hann (the STFT convention of librosa/torch.stft: hann(N+1)[:N]).

/** Periodic Hann window of `length` samples. */
export function hannWindow(length: number): Float32Array {
  const window = new Float32Array(length);
  for (let i = 0; i < length; i++) window[i] = 0.5 - 0.5 * Math.cos((2 * Math.PI * i) / length);
  return window;
}
