// Runs .tflite files with the TensorFlow Lite WebAssembly runtime shipped by the npm package
// @tensorflow/tfjs-tflite@0.0.1-alpha.10 (TFLite + XNNPACK, SIMD build, 1 thread). The package's own loader
// expects a browser, so we load its Emscripten module directly with `wasmBinary` and call
// `TFLiteWebModelRunner.CreateFromBufferAndOptions`, which is how ../shared/golden was produced: outputs are
// bit-identical to the golden files. The runtime runs subgraph 0 and keeps variable state between runs.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { V2meowError } from '../errors.js';

/** Element types the runtime reports. */
export type RuntimeDataType =
  | 'int8'
  | 'uint8'
  | 'bool'
  | 'int16'
  | 'int32'
  | 'uint32'
  | 'float32'
  | 'float64';
type RuntimeArray =
  | Int8Array
  | Uint8Array
  | Int16Array
  | Int32Array
  | Uint32Array
  | Float32Array
  | Float64Array;

/** Embind objects of the Emscripten module (only what we use). */
interface NativeTensorInfo {
  id: number;
  dataType: RuntimeDataType;
  name: string;
  /** Comma-separated dims, e.g. "1,521". */
  shape: string;
  data(): RuntimeArray;
  delete(): void;
}
interface NativeVector {
  size(): number;
  get(i: number): NativeTensorInfo;
  delete(): void;
}
interface NativeRunner {
  GetInputs(): NativeVector;
  GetOutputs(): NativeVector;
  Infer(): boolean;
  delete(): void;
}
interface NativeModule {
  HEAPU8: Uint8Array;
  _malloc(bytes: number): number;
  _free(pointer: number): void;
  TFLiteWebModelRunner: {
    CreateFromBufferAndOptions(
      pointer: number,
      length: number,
      options: { numThreads: number; enableProfiling: boolean; maxProfilingBufferEntries: number },
    ): { ok(): boolean; value(): NativeRunner; errorMessage(): string };
  };
}

let modulePromise: Promise<NativeModule> | undefined;

/** Loads the WebAssembly runtime once per process. */
export function loadTfliteRuntime(): Promise<NativeModule> {
  modulePromise ??= (async () => {
    const require = createRequire(import.meta.url);
    const wasmDir = join(dirname(require.resolve('@tensorflow/tfjs-tflite/package.json')), 'wasm');
    const factory = require(join(wasmDir, 'tflite_web_api_cc_simd.js')) as (
      options: object,
    ) => Promise<NativeModule>;
    return factory({
      wasmBinary: readFileSync(join(wasmDir, 'tflite_web_api_cc_simd.wasm')),
      print: (line: string) => process.stderr.write(`${line}\n`),
      // The runtime announces its XNNPACK delegate on every model load; keep warnings and errors only.
      printErr: (line: string) => {
        if (!line.startsWith('INFO:')) process.stderr.write(`${line}\n`);
      },
    });
  })();
  return modulePromise;
}

/** A model input or output as the runtime sees it. */
export interface RuntimeTensorInfo {
  /** Tensor id in subgraph 0 (same as TfliteTensor.index from the flatbuffer reader). */
  readonly id: number;
  readonly name: string;
  readonly dataType: RuntimeDataType;
  readonly shape: readonly number[];
}

function drain(vector: NativeVector): NativeTensorInfo[] {
  const items: NativeTensorInfo[] = [];
  for (let i = 0; i < vector.size(); i++) items.push(vector.get(i));
  vector.delete();
  return items;
}

function describe(info: NativeTensorInfo): RuntimeTensorInfo {
  return { id: info.id, name: info.name, dataType: info.dataType, shape: info.shape.split(',').map(Number) };
}

/** One loaded model. Call dispose() to free its WebAssembly memory. */
export class TfliteInterpreter {
  readonly inputs: readonly RuntimeTensorInfo[];
  readonly outputs: readonly RuntimeTensorInfo[];
  private disposed = false;

  private constructor(
    private readonly module: NativeModule,
    private readonly runner: NativeRunner,
    private readonly modelPointer: number,
    private readonly nativeInputs: NativeTensorInfo[],
    private readonly nativeOutputs: NativeTensorInfo[],
    /** File name for error messages. */
    readonly file: string,
  ) {
    this.inputs = nativeInputs.map(describe);
    this.outputs = nativeOutputs.map(describe);
  }

  /**
   * Loads a model from its bytes. `file` names it in errors.
   * Throws V2meowError BAD_FORMAT when the runtime rejects the model.
   */
  static async create(modelBytes: Uint8Array, file: string): Promise<TfliteInterpreter> {
    const module = await loadTfliteRuntime();
    const pointer = module._malloc(modelBytes.length);
    module.HEAPU8.set(modelBytes, pointer);
    const status = module.TFLiteWebModelRunner.CreateFromBufferAndOptions(pointer, modelBytes.length, {
      numThreads: 1,
      enableProfiling: false,
      maxProfilingBufferEntries: 1024,
    });
    if (!status.ok()) {
      module._free(pointer);
      throw new V2meowError(
        'BAD_FORMAT',
        `TFLite runtime cannot load the model: ${status.errorMessage()}`,
        file,
      );
    }
    const runner = status.value();
    return new TfliteInterpreter(
      module,
      runner,
      pointer,
      drain(runner.GetInputs()),
      drain(runner.GetOutputs()),
      file,
    );
  }

  private check(): void {
    if (this.disposed) throw new Error(`TFLite interpreter for ${this.file} was disposed`);
  }

  /** Copies `values` into input `index` (converted to the input's type; length must match exactly). */
  setInput(index: number, values: ArrayLike<number>): void {
    this.check();
    const target = this.nativeInputs[index]!.data(); // a fresh view: the heap may have grown
    if (values.length !== target.length)
      throw new V2meowError(
        'SHAPE_MISMATCH',
        `input ${index} '${this.inputs[index]!.name}' takes ${target.length} values, got ${values.length}`,
        this.file,
      );
    target.set(values);
  }

  /** Runs the graph once on the current inputs. */
  run(): void {
    this.check();
    if (!this.runner.Infer()) throw new V2meowError('BAD_FORMAT', 'TFLite inference failed', this.file);
  }

  /** A copy of output `index` after run(), in the output's own type. */
  output(index: number): RuntimeArray {
    this.check();
    return this.nativeOutputs[index]!.data().slice();
  }

  /** Frees the model and its buffers; the interpreter cannot be used afterwards. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    for (const info of [...this.nativeInputs, ...this.nativeOutputs]) info.delete();
    this.runner.delete();
    this.module._free(this.modelPointer);
  }
}
