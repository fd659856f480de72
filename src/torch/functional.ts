// Neural-network functions over tensors (PyTorch's torch.nn.functional in camelCase). Shapes follow PyTorch:
// conv1d x [B, Cin, T], weight [Cout, Cin/groups, K]; conv2d x [B, C, H, W]; losses take [N, C, ...] logits.
import { type DType, dtypeCodes } from './dtype.js';
import { native } from './native.js';
import { type Reduction, type Tensor, wrap } from './tensor.js';

const opt = (t?: Tensor | null) => t?.handle ?? null;

/** x [..., in] @ weight[out, in]^T + bias[out]. */
export function linear(x: Tensor, weight: Tensor, bias?: Tensor | null): Tensor {
  return wrap(native.linear(x.handle, weight.handle, opt(bias)));
}
/** Rows of weight [V, D] at integer indices [...] -> [..., D]. */
export function embedding(weight: Tensor, indices: Tensor): Tensor {
  return wrap(native.embedding(weight.handle, indices.handle));
}
export function layerNorm(
  x: Tensor,
  normalizedShape: number[],
  weight?: Tensor | null,
  bias?: Tensor | null,
  eps = 1e-5,
) {
  return wrap(native.layerNorm(x.handle, normalizedShape, opt(weight), opt(bias), eps));
}
/** Group norm over x [B, C, ...] with C divisible by groups. */
export function groupNorm(
  x: Tensor,
  groups: number,
  weight?: Tensor | null,
  bias?: Tensor | null,
  eps = 1e-5,
) {
  return wrap(native.groupNorm(x.handle, groups, opt(weight), opt(bias), eps));
}

export interface Conv1dOptions {
  stride?: number;
  padding?: number;
  dilation?: number;
  groups?: number;
}
export function conv1d(x: Tensor, weight: Tensor, bias?: Tensor | null, o: Conv1dOptions = {}): Tensor {
  return wrap(
    native.conv1d(
      x.handle,
      weight.handle,
      opt(bias),
      [o.stride ?? 1],
      [o.padding ?? 0],
      [o.dilation ?? 1],
      o.groups ?? 1,
    ),
  );
}
export interface ConvTranspose1dOptions extends Conv1dOptions {
  outputPadding?: number;
}
/** weight [Cin, Cout/groups, K]. */
export function convTranspose1d(
  x: Tensor,
  weight: Tensor,
  bias?: Tensor | null,
  o: ConvTranspose1dOptions = {},
) {
  return wrap(
    native.convTranspose1d(
      x.handle,
      weight.handle,
      opt(bias),
      [o.stride ?? 1],
      [o.padding ?? 0],
      [o.outputPadding ?? 0],
      o.groups ?? 1,
      [o.dilation ?? 1],
    ),
  );
}
export interface Conv2dOptions {
  stride?: number | [number, number];
  padding?: number | [number, number];
  dilation?: number | [number, number];
  groups?: number;
}
const pair = (v: number | [number, number] | undefined, d: number): [number, number] =>
  v === undefined ? [d, d] : typeof v === 'number' ? [v, v] : v;
export function conv2d(x: Tensor, weight: Tensor, bias?: Tensor | null, o: Conv2dOptions = {}): Tensor {
  return wrap(
    native.conv2d(
      x.handle,
      weight.handle,
      opt(bias),
      pair(o.stride, 1),
      pair(o.padding, 0),
      pair(o.dilation, 1),
      o.groups ?? 1,
    ),
  );
}

export function avgPool1d(x: Tensor, kernel: number, stride = kernel, padding = 0): Tensor {
  return wrap(native.avgPool1d(x.handle, [kernel], [stride], [padding]));
}
export function maxPool1d(x: Tensor, kernel: number, stride = kernel, padding = 0): Tensor {
  return wrap(native.maxPool1d(x.handle, [kernel], [stride], [padding]));
}
export function avgPool2d(
  x: Tensor,
  kernel: number | [number, number],
  stride = kernel,
  padding: number | [number, number] = 0,
) {
  return wrap(native.avgPool2d(x.handle, pair(kernel, 1), pair(stride, 1), pair(padding, 0)));
}
export function maxPool2d(
  x: Tensor,
  kernel: number | [number, number],
  stride = kernel,
  padding: number | [number, number] = 0,
) {
  return wrap(native.maxPool2d(x.handle, pair(kernel, 1), pair(stride, 1), pair(padding, 0)));
}
export function adaptiveAvgPool1d(x: Tensor, outputSize: number): Tensor {
  return wrap(native.adaptiveAvgPool1d(x.handle, [outputSize]));
}
export function adaptiveAvgPool2d(x: Tensor, outputSize: [number, number]): Tensor {
  return wrap(native.adaptiveAvgPool2d(x.handle, outputSize));
}
export type PadMode = 'constant' | 'reflect' | 'replicate' | 'circular';
/** pads: [left, right] for the last dim, then [top, bottom] for the one before, ... (as torch.nn.functional.pad). */
export function pad(x: Tensor, pads: number[], mode: PadMode = 'constant', value = 0): Tensor {
  return wrap(native.pad(x.handle, pads, mode, value));
}
export function upsampleNearest1d(x: Tensor, outputSize: number): Tensor {
  return wrap(native.upsampleNearest1d(x.handle, [outputSize]));
}

export type WindowKind = 'hann' | 'hamming' | 'blackman';
export function window(kind: WindowKind, length: number, periodic = true, dtype: DType = 'float32'): Tensor {
  return wrap(native.window(kind, length, periodic, dtypeCodes[dtype]));
}
export interface StftOptions {
  nFft: number;
  hopSamples?: number;
  winSamples?: number;
  window?: Tensor | null;
  center?: boolean;
  padMode?: 'reflect' | 'constant';
  normalized?: boolean;
}
/** x [T] or [B, T] -> complex64 [B?, nFft/2 + 1, frames]. */
export function stft(x: Tensor, o: StftOptions): Tensor {
  return wrap(
    native.stft(
      x.handle,
      o.nFft,
      o.hopSamples ?? null,
      o.winSamples ?? null,
      opt(o.window),
      o.center ?? true,
      o.padMode ?? 'reflect',
      o.normalized ?? false,
    ),
  );
}
/** Inverse of stft (complex [B?, nFft/2 + 1, frames] -> [B?, T]); length trims to an exact sample count. */
export function istft(spec: Tensor, o: StftOptions & { length?: number }): Tensor {
  return wrap(
    native.istft(
      spec.handle,
      o.nFft,
      o.hopSamples ?? null,
      o.winSamples ?? null,
      opt(o.window),
      o.center ?? true,
      o.normalized ?? false,
      o.length ?? null,
    ),
  );
}

/** Samples indices from rows of non-negative weights [N?, C] -> int64 [N?, numSamples]. */
export function multinomial(probs: Tensor, numSamples: number, replacement = false): Tensor {
  return wrap(native.multinomial(probs.handle, numSamples, replacement));
}
export function dropout(x: Tensor, p: number, training: boolean): Tensor {
  return wrap(native.dropout(x.handle, p, training));
}
export function oneHot(indices: Tensor, numClasses: number): Tensor {
  return wrap(native.oneHot(indices.handle, numClasses));
}

export interface CrossEntropyOptions {
  ignoreIndex?: number;
  labelSmoothing?: number;
  reduction?: Reduction;
}
/** logits [N, C, ...] and int64 targets [N, ...]. */
export function crossEntropy(logits: Tensor, target: Tensor, o: CrossEntropyOptions = {}): Tensor {
  return wrap(
    native.crossEntropy(
      logits.handle,
      target.handle,
      o.ignoreIndex ?? -100,
      o.labelSmoothing ?? 0,
      o.reduction ?? 'mean',
    ),
  );
}
export function mseLoss(a: Tensor, b: Tensor, reduction: Reduction = 'mean'): Tensor {
  return wrap(native.mseLoss(a.handle, b.handle, reduction));
}
export function l1Loss(a: Tensor, b: Tensor, reduction: Reduction = 'mean'): Tensor {
  return wrap(native.l1Loss(a.handle, b.handle, reduction));
}
export function bceWithLogits(logits: Tensor, target: Tensor, reduction: Reduction = 'mean'): Tensor {
  return wrap(native.bceWithLogits(logits.handle, target.handle, reduction));
}

/**
 * A layer's weights repacked for decoding (query/key/value stacked, scale folded in, [in, out] layout), owned
 * by the layer that uses it. It repacks itself when a weight is replaced or changed in place; release() frees
 * the copy.
 */
export interface LayerPlan {
  release(): void;
}
export function layerPlan(): LayerPlan {
  const Plan = native.LayerPlan as unknown as new () => LayerPlan;
  return new Plan();
}

/**
 * Fused layer steps of at most `rows` rows (B x T) run on one thread, larger ones on all (default 16, see
 * native/src/ops_fused.cc; 0 always uses all threads). Returns the previous limit.
 */
export function setSerialRowLimit(rows: number): number {
  return native.setSerialRowLimit(rows);
}

/** Inputs of one fused pre-norm Transformer layer step (see transformerLayerStep). */
export interface LayerStepInputs {
  /**
   * Layer tensors: self norm w, b; q, k, v, o weights and biases; feed norm w, b; up w, b; down w, b; then,
   * with memory, cross norm w, b and cross q, k, v, o weights and biases (16 or 26 tensors).
   */
  weights: Tensor[];
  plan: LayerPlan;
  numHeads: number;
  eps: number;
  /** Self-attention key/value buffers [B, H, max, headDim]; positions 0..past-1 hold earlier steps. */
  selfKeys: Tensor;
  selfValues: Tensor;
  past: number;
  /** Added to the self-attention logits, broadcastable to [B, H, T, past + T]. */
  bias?: Tensor | null;
  /** Boolean, true = blocked, broadcastable to [B, H, T, past + T]. */
  mask?: Tensor | null;
  /** Encoder output [B, S, D] for cross-attention, with its cross key/value buffers [B, H, >= S, headDim]. */
  memory?: Tensor | null;
  memoryMask?: Tensor | null;
  crossKeys?: Tensor | null;
  crossValues?: Tensor | null;
  /** false: project memory into the cross buffers first (the first step of a generation). */
  crossFilled?: boolean;
}

/**
 * One pre-norm Transformer layer (self-attention with a KV cache, optional cross-attention, GELU feed-forward)
 * on x [B, T, D] in a single native call, for incremental decoding with gradients off. Writes this step's keys
 * and values into the buffers at past..past+T-1 (and the cross buffers when not yet filled); the caller
 * records the new lengths.
 */
export function transformerLayerStep(x: Tensor, o: LayerStepInputs): Tensor {
  return wrap(
    native.transformerLayerStep(
      x.handle,
      o.weights.map((w) => w.handle),
      o.plan,
      o.numHeads,
      o.eps,
      o.selfKeys.handle,
      o.selfValues.handle,
      o.past,
      opt(o.bias),
      opt(o.mask),
      opt(o.memory),
      opt(o.memoryMask),
      opt(o.crossKeys),
      opt(o.crossValues),
      o.crossFilled ?? false,
    ),
  );
}
