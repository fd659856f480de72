// Loads a manifest .tflite model for an encoder: checks it through the model store, parses the flatbuffer
// (for tensor names and quantization), optionally exposes intermediate tensors as extra outputs, and starts
// the TFLite WebAssembly runtime on it.
import { V2meowError } from '../errors.js';
import { readModelBytes, resolveModel } from '../weights/modelStore.js';
import { readTfliteModel, type TfliteModel, type TfliteTensor } from '../weights/tflite/model.js';
import { withSubgraphOutputs } from '../weights/tflite/patch.js';
import { dequantize } from '../weights/tflite/quantization.js';
import { TfliteInterpreter } from './tfliteRuntime.js';

/** A running model and what we know about its tensors. */
export interface LoadedTflite {
  readonly model: TfliteModel;
  readonly interpreter: TfliteInterpreter;
  /** Tensor ids of the runtime outputs, in order (the original outputs, then the exposed ones). */
  readonly outputTensorIds: readonly number[];
}

/**
 * Loads manifest model `id`. `extraOutputs` picks tensor ids (from the parsed graph) to append to subgraph 0's
 * outputs; the original outputs keep their positions and values.
 */
export async function loadTflite(
  id: string,
  extraOutputs: (model: TfliteModel) => readonly number[] = () => [],
): Promise<LoadedTflite> {
  const file = resolveModel(id);
  let bytes = readModelBytes(id);
  const model = readTfliteModel(bytes, file);
  const graph = model.subgraphs[0]!;
  const outputTensorIds = [...graph.outputs, ...extraOutputs(model)];
  if (outputTensorIds.length > graph.outputs.length)
    bytes = withSubgraphOutputs(bytes, outputTensorIds, 0, file);
  const interpreter = await TfliteInterpreter.create(bytes, file);
  const reported = interpreter.outputs.map((o) => o.id);
  if (reported.join() !== outputTensorIds.join())
    throw new V2meowError(
      'BAD_FORMAT',
      `runtime outputs [${reported}] differ from requested [${outputTensorIds}]`,
      file,
    );
  return { model, interpreter, outputTensorIds };
}

/** The runtime output at position `index` as float32, dequantized with its tensor's parameters. */
export function outputAsFloat(loaded: LoadedTflite, index: number): Float32Array {
  const values = loaded.interpreter.output(index);
  const tensor: TfliteTensor = loaded.model.subgraphs[0]!.tensors[loaded.outputTensorIds[index]!]!;
  if (values instanceof Float32Array) return values;
  if (!tensor.quantization) return Float32Array.from(values);
  return dequantize(values, tensor.quantization, tensor.shape);
}

/** Id of the output tensor of the last operator named `opName` in subgraph 0 (e.g. the final pooling). */
export function lastOperatorOutput(model: TfliteModel, opName: string): number {
  const ops = model.subgraphs[0]!.operators.filter((op) => op.opName === opName);
  const op = ops[ops.length - 1];
  if (!op) throw new V2meowError('BAD_FORMAT', `model has no ${opName} operator`);
  return op.outputs[0]!;
}

/** Id of the (first) input tensor of the last operator named `opName` in subgraph 0 (e.g. the map a pool reads). */
export function lastOperatorInput(model: TfliteModel, opName: string): number {
  const ops = model.subgraphs[0]!.operators.filter((op) => op.opName === opName);
  const op = ops[ops.length - 1];
  if (!op) throw new V2meowError('BAD_FORMAT', `model has no ${opName} operator`);
  return op.inputs[0]!;
}
