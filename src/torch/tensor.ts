// The typed tensor over a libtorch handle. Methods mirror PyTorch names in camelCase; shapes are number[].
import {
  type AnyTypedArray,
  type DType,
  dtypeCodes,
  dtypeNames,
  dtypeOfArray,
  typedArrayFrom,
} from './dtype.js';
import { type Handle, native } from './native.js';
import { keep, type Tracked, track } from './scope.js';

export type Device = 'cpu' | 'cuda';
export type Shape = readonly number[];
export type Reduction = 'mean' | 'sum' | 'none';

export class Tensor implements Tracked {
  scope: Set<Tracked> | null = null;
  #handle: Handle | null;
  #shape: number[] | null = null;

  /** Wraps a native handle (internal: use the creation functions in ./create.ts). */
  constructor(handle: Handle) {
    this.#handle = handle;
    track(this);
  }

  /** The native handle; throws a clear error once disposed. */
  get handle(): Handle {
    if (this.#handle === null) throw new Error('tensor was disposed (use keep() or return it from tidy())');
    return this.#handle;
  }

  get isDisposed(): boolean {
    return this.#handle === null || native.isDisposed(this.#handle);
  }

  /** Frees the native tensor now. Safe to call twice. */
  dispose(): void {
    if (this.#handle === null) return;
    native.dispose(this.#handle);
    this.#handle = null;
    this.scope?.delete(this);
    this.scope = null;
  }

  /** Keeps this tensor alive past the enclosing tidy() scopes. */
  keep(): this {
    return keep(this);
  }

  // ---- information -------------------------------------------------------------------------------------
  get shape(): number[] {
    this.#shape ??= native.shape(this.handle) as number[];
    return this.#shape;
  }
  get rank(): number {
    return this.shape.length;
  }
  get numel(): number {
    return this.shape.reduce((a, b) => a * b, 1);
  }
  get dtype(): DType {
    return dtypeNames[native.dtype(this.handle)]!;
  }
  get device(): string {
    return native.device(this.handle);
  }
  /** Size of one dimension (negative counts from the end). */
  size(dim: number): number {
    const s = this.shape;
    return s[dim < 0 ? s.length + dim : dim]!;
  }

  // ---- transfer ----------------------------------------------------------------------------------------
  /** A copy of the elements as the typed array of this dtype (see dtype.ts). */
  data(): AnyTypedArray {
    return typedArrayFrom(this.dtype, native.toBuffer(this.handle));
  }
  /** Elements as float32 (any real dtype is converted). */
  toFloat32Array(): Float32Array {
    if (this.dtype === 'float32') return this.data() as Float32Array;
    const t = wrap(native.to(this.handle, null, dtypeCodes.float32));
    try {
      return t.data() as Float32Array;
    } finally {
      t.dispose();
    }
  }
  /** Elements as plain numbers (int64 converted from BigInt). */
  toArray(): number[] {
    const d = this.data();
    return d instanceof BigInt64Array ? Array.from(d, Number) : Array.from(d as ArrayLike<number>);
  }
  /** The value of a one-element tensor. */
  item(): number {
    return native.item(this.handle);
  }
  to(device: Device | null, dtype?: DType): Tensor {
    return wrap(native.to(this.handle, device, dtype === undefined ? undefined : dtypeCodes[dtype]));
  }
  cast(dtype: DType): Tensor {
    return wrap(native.to(this.handle, null, dtypeCodes[dtype]));
  }
  float(): Tensor {
    return this.cast('float32');
  }
  long(): Tensor {
    return this.cast('int64');
  }

  // ---- autograd ----------------------------------------------------------------------------------------
  /** Marks this (leaf) tensor as needing gradients; returns this. */
  requiresGrad_(value = true): this {
    native.setRequiresGrad(this.handle, value);
    return this;
  }
  get requiresGrad(): boolean {
    return native.requiresGrad(this.handle);
  }
  /** The accumulated gradient, or null. A new reference each call (dispose or tidy it). */
  get grad(): Tensor | null {
    const g = native.grad(this.handle);
    return g === null ? null : wrap(g);
  }
  /** Makes `value` (same shape and dtype) this leaf's gradient (data-parallel averaging sets missing ones). */
  setGrad(value: Tensor): void {
    native.setGrad(this.handle, value.handle);
  }
  clearGrad(): void {
    native.clearGrad(this.handle);
  }
  backward(gradient?: Tensor, retainGraph = false): void {
    native.backward(this.handle, gradient?.handle, retainGraph);
  }
  /** Same data, cut from the graph (straight-through estimators use x + (q - x).detach()). */
  detach(): Tensor {
    return wrap(native.detach(this.handle));
  }

  // ---- elementwise -------------------------------------------------------------------------------------
  add(other: Tensor | number): Tensor {
    return wrap(native.add(this.handle, arg(other)));
  }
  sub(other: Tensor | number): Tensor {
    return wrap(native.sub(this.handle, arg(other)));
  }
  /** other - this, for a number. */
  rsub(other: number): Tensor {
    return wrap(native.rsub(this.handle, other));
  }
  mul(other: Tensor | number): Tensor {
    return wrap(native.mul(this.handle, arg(other)));
  }
  div(other: Tensor | number): Tensor {
    return wrap(native.div(this.handle, arg(other)));
  }
  pow(other: Tensor | number): Tensor {
    return wrap(native.pow(this.handle, arg(other)));
  }
  remainder(other: Tensor | number): Tensor {
    return wrap(native.remainder(this.handle, arg(other)));
  }
  maximum(other: Tensor): Tensor {
    return wrap(native.maximum(this.handle, other.handle));
  }
  minimum(other: Tensor): Tensor {
    return wrap(native.minimum(this.handle, other.handle));
  }
  eq(other: Tensor | number): Tensor {
    return wrap(native.eq(this.handle, arg(other)));
  }
  ne(other: Tensor | number): Tensor {
    return wrap(native.ne(this.handle, arg(other)));
  }
  lt(other: Tensor | number): Tensor {
    return wrap(native.lt(this.handle, arg(other)));
  }
  le(other: Tensor | number): Tensor {
    return wrap(native.le(this.handle, arg(other)));
  }
  gt(other: Tensor | number): Tensor {
    return wrap(native.gt(this.handle, arg(other)));
  }
  ge(other: Tensor | number): Tensor {
    return wrap(native.ge(this.handle, arg(other)));
  }
  logicalAnd(other: Tensor): Tensor {
    return wrap(native.logicalAnd(this.handle, other.handle));
  }
  logicalOr(other: Tensor): Tensor {
    return wrap(native.logicalOr(this.handle, other.handle));
  }
  logicalNot(): Tensor {
    return this.unary('logicalNot');
  }
  clamp(min: number | null, max: number | null = null): Tensor {
    return wrap(native.clamp(this.handle, min, max));
  }
  lerp(end: Tensor, weight: number): Tensor {
    return wrap(native.lerp(this.handle, end.handle, weight));
  }
  neg(): Tensor {
    return this.unary('neg');
  }
  abs(): Tensor {
    return this.unary('abs');
  }
  exp(): Tensor {
    return this.unary('exp');
  }
  log(): Tensor {
    return this.unary('log');
  }
  log1p(): Tensor {
    return this.unary('log1p');
  }
  log10(): Tensor {
    return this.unary('log10');
  }
  sqrt(): Tensor {
    return this.unary('sqrt');
  }
  rsqrt(): Tensor {
    return this.unary('rsqrt');
  }
  square(): Tensor {
    return this.unary('square');
  }
  sin(): Tensor {
    return this.unary('sin');
  }
  cos(): Tensor {
    return this.unary('cos');
  }
  tanh(): Tensor {
    return this.unary('tanh');
  }
  sigmoid(): Tensor {
    return this.unary('sigmoid');
  }
  relu(): Tensor {
    return this.unary('relu');
  }
  silu(): Tensor {
    return this.unary('silu');
  }
  softplus(): Tensor {
    return this.unary('softplus');
  }
  erf(): Tensor {
    return this.unary('erf');
  }
  sign(): Tensor {
    return this.unary('sign');
  }
  floor(): Tensor {
    return this.unary('floor');
  }
  ceil(): Tensor {
    return this.unary('ceil');
  }
  round(): Tensor {
    return this.unary('round');
  }
  reciprocal(): Tensor {
    return this.unary('reciprocal');
  }
  isnan(): Tensor {
    return this.unary('isnan');
  }
  isfinite(): Tensor {
    return this.unary('isfinite');
  }
  gelu(approximateTanh = false): Tensor {
    return wrap(native.gelu(this.handle, approximateTanh));
  }
  leakyRelu(negativeSlope = 0.01): Tensor {
    return wrap(native.leakyRelu(this.handle, negativeSlope));
  }
  elu(alpha = 1): Tensor {
    return wrap(native.elu(this.handle, alpha));
  }
  softmax(dim: number): Tensor {
    return wrap(native.softmax(this.handle, dim));
  }
  logSoftmax(dim: number): Tensor {
    return wrap(native.logSoftmax(this.handle, dim));
  }
  // complex
  real(): Tensor {
    return this.unary('real');
  }
  imag(): Tensor {
    return this.unary('imag');
  }
  angle(): Tensor {
    return this.unary('angle');
  }
  viewAsReal(): Tensor {
    return this.unary('viewAsReal');
  }
  viewAsComplex(): Tensor {
    return this.unary('viewAsComplex');
  }

  // ---- reductions (dims omitted = all elements) --------------------------------------------------------
  sum(dims?: number | number[], keepDim = false): Tensor {
    return wrap(native.sum(this.handle, dims ?? null, keepDim));
  }
  mean(dims?: number | number[], keepDim = false): Tensor {
    return wrap(native.mean(this.handle, dims ?? null, keepDim));
  }
  prod(dim?: number, keepDim = false): Tensor {
    return wrap(native.prod(this.handle, dim ?? null, keepDim));
  }
  /** Variance; unbiased (n - 1) by default as in PyTorch. */
  var(dims?: number | number[], unbiased = true, keepDim = false): Tensor {
    return wrap(native.variance(this.handle, dims ?? null, unbiased, keepDim));
  }
  logsumexp(dims: number | number[], keepDim = false): Tensor {
    return wrap(native.logsumexp(this.handle, dims, keepDim));
  }
  norm(p = 2, dims?: number | number[], keepDim = false): Tensor {
    return wrap(native.norm(this.handle, p, dims ?? null, keepDim));
  }
  /** Maximum over all elements. */
  max(): Tensor {
    return wrap(native.max(this.handle));
  }
  /** Maximum along dim: [values, indices]. */
  maxDim(dim: number, keepDim = false): [Tensor, Tensor] {
    return wrapPair(native.max(this.handle, dim, keepDim));
  }
  min(): Tensor {
    return wrap(native.min(this.handle));
  }
  minDim(dim: number, keepDim = false): [Tensor, Tensor] {
    return wrapPair(native.min(this.handle, dim, keepDim));
  }
  argmax(dim?: number, keepDim = false): Tensor {
    return wrap(native.argmax(this.handle, dim ?? null, keepDim));
  }
  argmin(dim?: number, keepDim = false): Tensor {
    return wrap(native.argmin(this.handle, dim ?? null, keepDim));
  }
  cumsum(dim: number): Tensor {
    return wrap(native.cumsum(this.handle, dim));
  }
  any(): Tensor {
    return this.unary('any');
  }
  all(): Tensor {
    return this.unary('all');
  }

  // ---- linear algebra ----------------------------------------------------------------------------------
  matmul(other: Tensor): Tensor {
    return wrap(native.matmul(this.handle, other.handle));
  }
  bmm(other: Tensor): Tensor {
    return wrap(native.bmm(this.handle, other.handle));
  }
  /** Transpose of a 2-D tensor. */
  t(): Tensor {
    return this.unary('t');
  }

  // ---- shape -------------------------------------------------------------------------------------------
  reshape(shape: Shape): Tensor {
    return wrap(native.reshape(this.handle, shape));
  }
  permute(dims: Shape): Tensor {
    return wrap(native.permute(this.handle, dims));
  }
  transpose(dim0: number, dim1: number): Tensor {
    return wrap(native.transpose(this.handle, dim0, dim1));
  }
  expand(shape: Shape): Tensor {
    return wrap(native.expand(this.handle, shape));
  }
  repeat(repeats: Shape): Tensor {
    return wrap(native.repeat(this.handle, repeats));
  }
  squeeze(dim?: number): Tensor {
    return wrap(native.squeeze(this.handle, dim ?? null));
  }
  unsqueeze(dim: number): Tensor {
    return wrap(native.unsqueeze(this.handle, dim));
  }
  flatten(startDim = 0, endDim = -1): Tensor {
    return wrap(native.flatten(this.handle, startDim, endDim));
  }
  flip(dims: number[]): Tensor {
    return wrap(native.flip(this.handle, dims));
  }
  roll(shifts: number[], dims: number[]): Tensor {
    return wrap(native.roll(this.handle, shifts, dims));
  }
  contiguous(): Tensor {
    return this.unary('contiguous');
  }
  clone(): Tensor {
    return this.unary('clone');
  }
  /** split into pieces of `size` (or the given sizes) along dim. */
  split(size: number | number[], dim = 0): Tensor[] {
    return wrapList(native.split(this.handle, size, dim));
  }
  chunk(chunks: number, dim = 0): Tensor[] {
    return wrapList(native.chunk(this.handle, chunks, dim));
  }
  narrow(dim: number, start: number, length: number): Tensor {
    return wrap(native.narrow(this.handle, dim, start, length));
  }
  select(dim: number, index: number): Tensor {
    return wrap(native.select(this.handle, dim, index));
  }
  /** Python-style slice along dim: start/end may be negative or null. */
  slice(dim: number, start: number | null, end: number | null = null, step = 1): Tensor {
    return wrap(native.slice(this.handle, dim, start, end, step));
  }
  tril(diagonal = 0): Tensor {
    return wrap(native.tril(this.handle, diagonal));
  }
  triu(diagonal = 0): Tensor {
    return wrap(native.triu(this.handle, diagonal));
  }

  // ---- indexing ----------------------------------------------------------------------------------------
  gather(dim: number, index: Tensor): Tensor {
    return wrap(native.gather(this.handle, dim, index.handle));
  }
  scatter(dim: number, index: Tensor, src: Tensor): Tensor {
    return wrap(native.scatter(this.handle, dim, index.handle, src.handle));
  }
  scatterAdd(dim: number, index: Tensor, src: Tensor): Tensor {
    return wrap(native.scatterAdd(this.handle, dim, index.handle, src.handle));
  }
  indexSelect(dim: number, index: Tensor): Tensor {
    return wrap(native.indexSelect(this.handle, dim, index.handle));
  }
  indexAdd(dim: number, index: Tensor, src: Tensor): Tensor {
    return wrap(native.indexAdd(this.handle, dim, index.handle, src.handle));
  }
  maskedFill(mask: Tensor, value: number): Tensor {
    return wrap(native.maskedFill(this.handle, mask.handle, value));
  }
  maskedSelect(mask: Tensor): Tensor {
    return wrap(native.maskedSelect(this.handle, mask.handle));
  }
  nonzero(): Tensor {
    return wrap(native.nonzero(this.handle));
  }
  /** [values, indices] of the k largest (or smallest) along dim. */
  topk(k: number, dim = -1, largest = true, sorted = true): [Tensor, Tensor] {
    return wrapPair(native.topk(this.handle, k, dim, largest, sorted));
  }
  sort(dim = -1, descending = false): [Tensor, Tensor] {
    return wrapPair(native.sort(this.handle, dim, descending));
  }

  // ---- in place, outside autograd (optimizers, EMA, loading) -------------------------------------------
  copy_(src: Tensor): this {
    native.copyInto(this.handle, src.handle);
    return this;
  }
  lerp_(end: Tensor, weight: number): this {
    native.lerpInto(this.handle, end.handle, weight);
    return this;
  }
  fill_(value: number): this {
    native.fillInto(this.handle, value);
    return this;
  }
  indexCopy_(dim: number, index: Tensor, src: Tensor): this {
    native.indexCopyInto(this.handle, dim, index.handle, src.handle);
    return this;
  }

  toString(): string {
    if (this.#handle === null) return 'Tensor(disposed)';
    return `Tensor(shape=[${this.shape.join(', ')}], dtype=${this.dtype}, device=${this.device})`;
  }

  private unary(name: string): Tensor {
    return wrap(native[name]!(this.handle));
  }
}

function arg(v: Tensor | number): Handle | number {
  return typeof v === 'number' ? v : v.handle;
}

/** Wraps a fresh native handle into a tracked Tensor. */
export function wrap(handle: Handle): Tensor {
  return new Tensor(handle);
}
export function wrapPair(pair: [Handle, Handle]): [Tensor, Tensor] {
  return [wrap(pair[0]), wrap(pair[1])];
}
export function wrapList(list: Handle[]): Tensor[] {
  return list.map(wrap);
}

/** Number of native tensors currently alive in this environment (for leak tests). */
export function liveTensorCount(): number {
  return native.liveTensors();
}

export { dtypeOfArray };
