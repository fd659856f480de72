// Element types of tensors and the typed arrays that carry them to and from JavaScript.

export type DType =
  | 'float32'
  | 'float64'
  | 'float16'
  | 'bfloat16'
  | 'int64'
  | 'int32'
  | 'uint8'
  | 'bool'
  | 'complex64'
  | 'int8';

/** Codes shared with native/src/tensor.cc. */
export const dtypeCodes: Record<DType, number> = {
  float32: 0,
  float64: 1,
  float16: 2,
  bfloat16: 3,
  int64: 4,
  int32: 5,
  uint8: 6,
  bool: 7,
  complex64: 8,
  int8: 9,
};

export const dtypeNames: DType[] = Object.keys(dtypeCodes) as DType[];

/**
 * Typed array per dtype. float16/bfloat16 travel as raw 16-bit patterns (Uint16Array), bool as 0/1 bytes,
 * complex64 as interleaved (re, im) float32 pairs.
 */
export type TypedArrayFor = {
  float32: Float32Array;
  float64: Float64Array;
  float16: Uint16Array;
  bfloat16: Uint16Array;
  int64: BigInt64Array;
  int32: Int32Array;
  uint8: Uint8Array;
  bool: Uint8Array;
  complex64: Float32Array;
  int8: Int8Array;
};

export type AnyTypedArray = TypedArrayFor[DType];

export function typedArrayFrom(dtype: DType, buffer: ArrayBuffer): AnyTypedArray {
  switch (dtype) {
    case 'float32':
    case 'complex64':
      return new Float32Array(buffer);
    case 'float64':
      return new Float64Array(buffer);
    case 'float16':
    case 'bfloat16':
      return new Uint16Array(buffer);
    case 'int64':
      return new BigInt64Array(buffer);
    case 'int32':
      return new Int32Array(buffer);
    case 'uint8':
    case 'bool':
      return new Uint8Array(buffer);
    case 'int8':
      return new Int8Array(buffer);
  }
}

/** The dtype a typed array maps to when none is given. */
export function dtypeOfArray(data: AnyTypedArray): DType {
  if (data instanceof Float32Array) return 'float32';
  if (data instanceof Float64Array) return 'float64';
  if (data instanceof BigInt64Array) return 'int64';
  if (data instanceof Int32Array) return 'int32';
  if (data instanceof Uint8Array) return 'uint8';
  if (data instanceof Int8Array) return 'int8';
  if (data instanceof Uint16Array) return 'float16';
  throw new TypeError('unsupported typed array');
}

export function isFloating(dtype: DType): boolean {
  return dtype === 'float32' || dtype === 'float64' || dtype === 'float16' || dtype === 'bfloat16';
}
