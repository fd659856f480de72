// Affine (de)quantization of TFLite tensors: real = scale * (q - zeroPoint), per tensor or per channel
// along `quantizedDimension` (TFLite quantization spec, tensorflow.org/lite/performance/quantization_spec).
import { V2meowError } from '../../errors.js';
import { elementCount, type Quantization, type TfliteModel, type TfliteTensor } from './model.js';

/** Typed view over raw little-endian bytes for the integer and float types we dequantize. */
function typedView(bytes: Uint8Array, type: TfliteTensor['type']): ArrayLike<number> {
  const copy = bytes.slice(); // aligned copy: buffer data in a flatbuffer need not be aligned for the type
  switch (type) {
    case 'int8':
      return new Int8Array(copy.buffer);
    case 'uint8':
      return copy;
    case 'int16':
      return new Int16Array(copy.buffer);
    case 'int32':
      return new Int32Array(copy.buffer);
    case 'float32':
      return new Float32Array(copy.buffer);
    default:
      throw new Error(`cannot read tensor type ${type} as numbers`);
  }
}

/**
 * Dequantizes integer values with per-tensor or per-channel parameters.
 * @param values quantized values, row-major with shape `shape`
 */
export function dequantize(
  values: ArrayLike<number>,
  quantization: Quantization,
  shape: readonly number[],
): Float32Array {
  const out = new Float32Array(values.length);
  const { scale, zeroPoint, quantizedDimension } = quantization;
  if (scale.length <= 1) {
    const s = scale[0] ?? 1;
    const z = zeroPoint[0] ?? 0;
    for (let i = 0; i < values.length; i++) out[i] = s * (values[i]! - z);
    return out;
  }
  // Per channel: index along the quantized axis = floor(i / inner) % channels.
  const channels = shape[quantizedDimension]!;
  if (channels !== scale.length) throw new Error(`${scale.length} scales for ${channels} channels`);
  const inner = elementCount(shape.slice(quantizedDimension + 1));
  for (let i = 0; i < values.length; i++) {
    const c = Math.floor(i / inner) % channels;
    out[i] = scale[c]! * (values[i]! - (zeroPoint[c] ?? 0));
  }
  return out;
}

/**
 * The constant data of a tensor as float32, dequantized when it is quantized.
 * Throws V2meowError BAD_FORMAT when the tensor has no constant buffer.
 */
export function constantTensorValues(model: TfliteModel, tensor: TfliteTensor): Float32Array {
  const bytes = model.buffers[tensor.buffer];
  if (!bytes || bytes.length === 0)
    throw new V2meowError('BAD_FORMAT', `tensor ${tensor.index} '${tensor.name}' has no constant data`);
  const values = typedView(bytes, tensor.type);
  if (tensor.type === 'float32' || !tensor.quantization) return Float32Array.from(values);
  return dequantize(values, tensor.quantization, tensor.shape);
}
