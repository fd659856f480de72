// PCM16 little-endian <-> float conversion for corpus shards. Floats are in [-1, 1); a stored sample s
// reads back as s / 32768, so a round trip is exact to within 1/32768 (half a step after rounding).

/** Full-scale value of a 16-bit sample. */
export const pcm16FullScale = 32768;

/**
 * Encodes float samples [n] (nominally in [-1, 1]) as PCM16 little-endian bytes [2n].
 * Values are rounded to the nearest step and clipped to [-32768, 32767].
 */
export function floatToPcm16(samples: Float32Array): Buffer {
  const bytes = Buffer.allocUnsafe(samples.length * 2);
  for (let i = 0; i < samples.length; i++) {
    const value = Math.round(samples[i]! * pcm16FullScale);
    bytes.writeInt16LE(Math.min(32767, Math.max(-32768, value)), i * 2);
  }
  return bytes;
}

/** Decodes PCM16 little-endian bytes into `out` (length bytes/2), scaled by 1/32768. */
export function pcm16ToFloat(
  bytes: Uint8Array,
  out: Float32Array = new Float32Array(bytes.length >> 1),
): Float32Array {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let i = 0; i < out.length; i++) out[i] = view.getInt16(i * 2, true) / pcm16FullScale;
  return out;
}

/** Root-mean-square level of samples[start, start + length) in dB re full scale (-Infinity for digital silence). */
export function rmsDb(samples: Float32Array, start = 0, length = samples.length - start): number {
  let sum = 0;
  for (let i = start; i < start + length; i++) sum += samples[i]! * samples[i]!;
  return 10 * Math.log10(sum / Math.max(length, 1));
}
