// Creating tensors: from typed arrays or numbers, and the usual factories. dtype defaults to float32.
import { type AnyTypedArray, type DType, dtypeCodes, dtypeOfArray } from './dtype.js';
import { native } from './native.js';
import { type Device, type Shape, type Tensor, wrap, wrapList } from './tensor.js';

export interface CreateOptions {
  dtype?: DType;
  device?: Device;
}

function code(o?: CreateOptions): number {
  return dtypeCodes[o?.dtype ?? 'float32'];
}

/**
 * A tensor holding a copy of `data`. A typed array keeps its own dtype unless `dtype` says otherwise (then
 * it is converted); plain numbers become float32 unless told. `shape` defaults to [data.length].
 */
export function tensor(
  data: AnyTypedArray | readonly number[],
  shape?: Shape,
  options: CreateOptions = {},
): Tensor {
  const dims = shape ?? [data.length];
  let t: Tensor;
  if (ArrayBuffer.isView(data)) {
    const own = dtypeOfArray(data);
    const asDtype = options.dtype === 'bool' && own === 'uint8' ? 'bool' : own;
    t = wrap(native.fromBuffer(data, dims, dtypeCodes[asDtype]));
    if (options.dtype && options.dtype !== asDtype) t = convert(t, options.dtype);
  } else {
    const target = options.dtype ?? 'float32';
    const viaDouble = target !== 'float32';
    t = wrap(
      native.fromBuffer(
        viaDouble ? Float64Array.from(data) : Float32Array.from(data),
        dims,
        viaDouble ? 1 : 0,
      ),
    );
    if (viaDouble && target !== 'float64') t = convert(t, target);
  }
  if (options.device && options.device !== 'cpu') t = convert(t, undefined, options.device);
  return t;
}

function convert(t: Tensor, dtype?: DType, device?: Device): Tensor {
  const out = wrap(native.to(t.handle, device ?? null, dtype === undefined ? undefined : dtypeCodes[dtype]));
  t.dispose();
  return out;
}

/** A one-element (0-d) tensor. */
export function scalar(value: number, options: CreateOptions = {}): Tensor {
  return full([], value, options);
}

export function zeros(shape: Shape, options: CreateOptions = {}): Tensor {
  return wrap(native.zeros(shape, code(options), options.device));
}
export function ones(shape: Shape, options: CreateOptions = {}): Tensor {
  return wrap(native.ones(shape, code(options), options.device));
}
export function full(shape: Shape, value: number, options: CreateOptions = {}): Tensor {
  return wrap(native.full(shape, value, code(options), options.device));
}
/** [start, end) with step; dtype defaults to int64 when all three are integers, else float32. */
export function arange(start: number, end?: number, step = 1, options: CreateOptions = {}): Tensor {
  const [from, to] = end === undefined ? [0, start] : [start, end];
  const integral = Number.isInteger(from) && Number.isInteger(to) && Number.isInteger(step);
  const dtype = options.dtype ?? (integral ? 'int64' : 'float32');
  return wrap(native.arange(from, to, step, dtypeCodes[dtype], options.device));
}
export function linspace(start: number, end: number, steps: number, options: CreateOptions = {}): Tensor {
  return wrap(native.linspace(start, end, steps, code(options), options.device));
}
/** Standard normal samples (seeded by manualSeed). */
export function randn(shape: Shape, options: CreateOptions = {}): Tensor {
  return wrap(native.randn(shape, code(options), options.device));
}
/** Uniform samples in [0, 1). */
export function rand(shape: Shape, options: CreateOptions = {}): Tensor {
  return wrap(native.rand(shape, code(options), options.device));
}
/** Integers uniform in [low, high); int64 by default. */
export function randint(low: number, high: number, shape: Shape, options: CreateOptions = {}): Tensor {
  return wrap(native.randint(low, high, shape, dtypeCodes[options.dtype ?? 'int64'], options.device));
}
export function randperm(n: number): Tensor {
  return wrap(native.randperm(n));
}
/** Seeds libtorch's default generator: same seed, same random tensors, same dropout masks. */
export function manualSeed(seed: number): void {
  native.manualSeed(seed);
}

export function cat(tensors: readonly Tensor[], dim = 0): Tensor {
  return wrap(
    native.cat(
      tensors.map((t) => t.handle),
      dim,
    ),
  );
}
export function stack(tensors: readonly Tensor[], dim = 0): Tensor {
  return wrap(
    native.stack(
      tensors.map((t) => t.handle),
      dim,
    ),
  );
}
/** condition ? a : b, elementwise; a and b may be numbers. */
export function where(condition: Tensor, a: Tensor | number, b: Tensor | number): Tensor {
  return wrap(
    native.where(
      condition.handle,
      typeof a === 'number' ? a : a.handle,
      typeof b === 'number' ? b : b.handle,
    ),
  );
}
export function einsum(equation: string, ...operands: Tensor[]): Tensor {
  return wrap(
    native.einsum(
      equation,
      operands.map((t) => t.handle),
    ),
  );
}
export function outer(a: Tensor, b: Tensor): Tensor {
  return wrap(native.outer(a.handle, b.handle));
}
/** Pairwise p-norm distances between rows: [B?, P, M] x [B?, R, M] -> [B?, P, R]. */
export function cdist(a: Tensor, b: Tensor, p = 2): Tensor {
  return wrap(native.cdist(a.handle, b.handle, p));
}
/** Eigen-decomposition of symmetric matrices: [eigenvalues ascending, eigenvectors as columns]. */
export function eigh(a: Tensor): [Tensor, Tensor] {
  const [values, vectors] = wrapList(native.eigh(a.handle));
  return [values!, vectors!];
}
export function cudaAvailable(): boolean {
  return native.cudaAvailable();
}
