// IEEE 754 half precision (float16) <-> float32 on typed arrays, for compact storage of features (safetensors
// 'F16'). Rounding is to nearest, ties to even; values beyond the half range become +-Infinity, NaN stays NaN.

const floatView = new Float32Array(1);
const bitsView = new Uint32Array(floatView.buffer);

/** float16 bits of one number (round to nearest even). */
export function float16Bits(value: number): number {
  floatView[0] = value;
  const x = bitsView[0]!;
  const sign = (x >>> 16) & 0x8000;
  const exponent = (x >>> 23) & 0xff;
  let mantissa = x & 0x7fffff;
  if (exponent === 0xff) return sign | 0x7c00 | (mantissa ? 0x200 : 0); // Inf / NaN
  let e = exponent - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00; // overflow
  if (e <= 0) {
    // Subnormal half (or zero): shift the implicit 1 in and round.
    if (e < -10) return sign;
    mantissa |= 0x800000;
    const shift = 14 - e;
    const half = mantissa >>> shift;
    const rest = mantissa & ((1 << shift) - 1);
    const midway = 1 << (shift - 1);
    const rounded = rest > midway || (rest === midway && (half & 1) === 1) ? half + 1 : half;
    return sign | rounded;
  }
  const half = (e << 10) | (mantissa >>> 13);
  const rest = mantissa & 0x1fff;
  // Rounding may carry into the exponent, which is still the right encoding (up to Infinity).
  const rounded = rest > 0x1000 || (rest === 0x1000 && (half & 1) === 1) ? half + 1 : half;
  e = rounded >>> 10;
  return sign | (e >= 0x1f ? 0x7c00 : rounded);
}

/** The number that float16 bits stand for. */
export function float16Value(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exponent = (bits >>> 10) & 0x1f;
  const mantissa = bits & 0x3ff;
  if (exponent === 0) return sign * mantissa * 2 ** -24;
  if (exponent === 0x1f) return mantissa ? Number.NaN : sign * Number.POSITIVE_INFINITY;
  return sign * (1 + mantissa / 1024) * 2 ** (exponent - 15);
}

/** float32 values -> float16 bits. */
export function toFloat16(values: ArrayLike<number>): Uint16Array {
  const out = new Uint16Array(values.length);
  for (let i = 0; i < values.length; i++) out[i] = float16Bits(values[i]!);
  return out;
}

/** float16 bits -> float32 values (into `out` when given). */
export function fromFloat16(bits: Uint16Array, out = new Float32Array(bits.length)): Float32Array {
  for (let i = 0; i < bits.length; i++) out[i] = float16Value(bits[i]!);
  return out;
}

/** Little-endian float16 bytes of `values` (a file's payload). */
export function encodeFloat16(values: ArrayLike<number>): Uint8Array {
  const bits = toFloat16(values);
  const bytes = new Uint8Array(bits.length * 2);
  const view = new DataView(bytes.buffer);
  for (let i = 0; i < bits.length; i++) view.setUint16(2 * i, bits[i]!, true);
  return bytes;
}

/** Float32 values of little-endian float16 `bytes`. */
export function decodeFloat16(bytes: Uint8Array): Float32Array {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out = new Float32Array(bytes.byteLength >>> 1);
  for (let i = 0; i < out.length; i++) out[i] = float16Value(view.getUint16(2 * i, true));
  return out;
}
