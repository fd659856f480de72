// Reader for TensorFlow Lite flatbuffers (.tflite): tensors with shapes, types and per-tensor or per-channel
// quantization, constant buffers, and the operator graph of each subgraph. Field numbers follow
// tensorflow/lite/schema/schema.fbs (Model, SubGraph, Tensor, QuantizationParameters, Buffer, Operator,
// OperatorCode). Plain objects out; buffer data are views into the input bytes (no copy).
import { V2meowError } from '../../errors.js';
import {
  builtinOperatorName,
  type TensorType,
  tensorTypeBytes,
  tensorTypeNames,
  tfliteFileIdentifier,
} from './schema.js';
import { type FlatTable, rootTable } from './table.js';

/**
 * Affine quantization: real = scale * (quantized - zeroPoint). One (scale, zeroPoint) per tensor, or one per
 * slice along `quantizedDimension` (per-channel, e.g. conv weights per output channel).
 */
export interface Quantization {
  readonly scale: readonly number[];
  readonly zeroPoint: readonly number[];
  /** Axis the per-channel parameters run along (0 for per-tensor). */
  readonly quantizedDimension: number;
  readonly min: readonly number[];
  readonly max: readonly number[];
}

export interface TfliteTensor {
  /** Index of the tensor in its subgraph (the "tensor id" TFLite uses). */
  readonly index: number;
  readonly name: string;
  /** Static shape; -1 entries only appear in `shapeSignature`. */
  readonly shape: readonly number[];
  readonly shapeSignature: readonly number[];
  readonly type: TensorType;
  /** Index into TfliteModel.buffers; buffer 0 is the empty sentinel. */
  readonly buffer: number;
  readonly isVariable: boolean;
  /** Undefined for float tensors without quantization. */
  readonly quantization?: Quantization;
}

export interface TfliteOperator {
  /** Position in the subgraph's execution order. */
  readonly index: number;
  /** Builtin name (e.g. CONV_2D) or the custom code for CUSTOM operators. */
  readonly opName: string;
  readonly builtinCode: number;
  readonly version: number;
  /** Tensor indices; -1 marks an omitted optional input. */
  readonly inputs: readonly number[];
  readonly outputs: readonly number[];
}

export interface TfliteSubgraph {
  readonly name: string;
  readonly tensors: readonly TfliteTensor[];
  readonly inputs: readonly number[];
  readonly outputs: readonly number[];
  readonly operators: readonly TfliteOperator[];
}

export interface TfliteModel {
  readonly version: number;
  readonly description: string;
  readonly subgraphs: readonly TfliteSubgraph[];
  /** Constant data per buffer index (empty for activations and the sentinel). */
  readonly buffers: readonly Uint8Array[];
}

function readQuantization(table: FlatTable | undefined): Quantization | undefined {
  if (!table) return undefined;
  const scale = table.float32s(2);
  const min = table.float32s(0);
  const max = table.float32s(1);
  if (scale.length === 0 && min.length === 0) return undefined;
  return { scale, zeroPoint: table.int64s(3), quantizedDimension: table.int32(6), min, max };
}

function readTensor(table: FlatTable, index: number): TfliteTensor {
  const typeCode = table.int8(1);
  const type = tensorTypeNames[typeCode];
  if (!type) throw new Error(`tensor ${index} has unknown type code ${typeCode}`);
  return {
    index,
    name: table.string(3) ?? '',
    shape: table.int32s(0),
    shapeSignature: table.int32s(7),
    type,
    buffer: table.uint32(2),
    isVariable: table.uint8(5) !== 0,
    quantization: readQuantization(table.table(4)),
  };
}

interface OperatorCode {
  readonly builtinCode: number;
  readonly name: string;
  readonly version: number;
}

function readOperatorCode(table: FlatTable): OperatorCode {
  // Old files only set the int8 `deprecated_builtin_code`; new ones set both. The larger is the real code.
  const builtinCode = Math.max(table.int8(0), table.int32(3));
  const custom = table.string(1);
  return { builtinCode, name: custom ?? builtinOperatorName(builtinCode), version: table.int32(2, 1) };
}

function readSubgraph(table: FlatTable, codes: readonly OperatorCode[]): TfliteSubgraph {
  const operators = table.tables(3).map((op, index): TfliteOperator => {
    const code = codes[op.uint32(0)];
    if (!code) throw new Error(`operator ${index} has opcode index ${op.uint32(0)} out of range`);
    return {
      index,
      opName: code.name,
      builtinCode: code.builtinCode,
      version: code.version,
      inputs: op.int32s(1),
      outputs: op.int32s(2),
    };
  });
  return {
    name: table.string(4) ?? '',
    tensors: table.tables(0).map(readTensor),
    inputs: table.int32s(1),
    outputs: table.int32s(2),
    operators,
  };
}

/** True when the bytes carry the TFLite file identifier. */
export function isTflite(bytes: Uint8Array): boolean {
  return bytes.length >= 8 && new TextDecoder().decode(bytes.subarray(4, 8)) === tfliteFileIdentifier;
}

/**
 * Parses a .tflite file. `file` only names the source in errors.
 * Throws V2meowError BAD_FORMAT when the bytes are not a readable TFLite flatbuffer.
 */
export function readTfliteModel(bytes: Uint8Array, file?: string): TfliteModel {
  if (!isTflite(bytes))
    throw new V2meowError('BAD_FORMAT', 'not a TFLite flatbuffer (no TFL3 identifier)', file);
  try {
    const root = rootTable(bytes);
    const codes = root.tables(1).map(readOperatorCode);
    const buffers = root.tables(4).map((buffer) => {
      const offset = Number(buffer.uint64(1));
      // Files over 2 GB keep buffer data after the flatbuffer, addressed by offset/size.
      if (offset > 1) return bytes.subarray(offset, offset + Number(buffer.uint64(2)));
      return buffer.bytes(0);
    });
    return {
      version: root.uint32(0),
      description: root.string(3) ?? '',
      subgraphs: root.tables(2).map((s) => readSubgraph(s, codes)),
      buffers,
    };
  } catch (error) {
    if (error instanceof V2meowError) throw error;
    const reason = error instanceof Error ? error.message : String(error);
    throw new V2meowError('BAD_FORMAT', `damaged TFLite flatbuffer: ${reason}`, file, { cause: error });
  }
}

/** Number of elements of a static shape. */
export function elementCount(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/** Size in bytes of a tensor's data (0 for string / resource tensors). */
export function tensorByteLength(tensor: TfliteTensor): number {
  return elementCount(tensor.shape) * tensorTypeBytes[tensor.type];
}
