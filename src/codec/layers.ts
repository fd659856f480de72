// Streamable SoundStream building blocks (Zeghidour et al. 2021, as shipped in Lyra v2): causal 1-D
// convolutions that keep their left context as state, transposed convolutions that overlap-add their tail
// into the next call, and the pre-activation residual unit of Lyra. Whole-clip calls (zero state) and
// frame-by-frame streaming give the same samples. Layout is PyTorch's: x [B, C, T].
import { cat, F, nn, type Tensor, zeros } from '../torch/index.js';

/** LeakyReLU slope used everywhere in Lyra's SoundStream. */
export const leakySlope = 0.3;

/**
 * Streaming state of every stateful layer, keyed by the layer. A whole-clip call passes null: every layer then
 * starts from zeros, which is what a fresh streaming run does too.
 */
export class StreamState {
  readonly #tensors = new Map<object, Tensor>();
  get(layer: object): Tensor | undefined {
    return this.#tensors.get(layer);
  }
  /** Stores a layer's new state (kept alive past tidy scopes), freeing the old one. */
  set(layer: object, value: Tensor): void {
    this.#tensors.get(layer)?.dispose();
    this.#tensors.set(layer, value.keep());
  }
  dispose(): void {
    for (const t of this.#tensors.values()) t.dispose();
    this.#tensors.clear();
  }
}

export interface CausalConvOptions {
  stride?: number;
  dilation?: number;
  groups?: number;
}

/**
 * Causal conv: output frame t sees inputs up to its own last sample. Left context
 * L = (K - 1) * dilation for stride 1 and K - stride for stride > 1 (Lyra's rule: T_in = T_out * stride).
 */
export class CausalConv1d extends nn.Module {
  readonly weight: Tensor;
  readonly bias: Tensor;
  readonly stride: number;
  readonly dilation: number;
  readonly groups: number;
  readonly context: number;

  /** x [B, inChannels, T * stride] -> [B, outChannels, T]. */
  constructor(
    readonly inChannels: number,
    readonly outChannels: number,
    readonly kernelSize: number,
    o: CausalConvOptions = {},
  ) {
    super();
    this.stride = o.stride ?? 1;
    this.dilation = o.dilation ?? 1;
    this.groups = o.groups ?? 1;
    this.context = this.stride === 1 ? (kernelSize - 1) * this.dilation : kernelSize - this.stride;
    const fanIn = (inChannels / this.groups) * kernelSize;
    this.weight = this.param(
      'weight',
      nn.fanInUniform([outChannels, inChannels / this.groups, kernelSize], fanIn),
    );
    this.bias = this.param('bias', nn.fanInUniform([outChannels], fanIn));
  }

  forward(x: Tensor, state: StreamState | null = null): Tensor {
    let buffer: Tensor;
    if (state === null) {
      buffer = F.pad(x, [this.context, 0]);
    } else {
      const previous = state.get(this) ?? zeros([x.size(0), this.inChannels, this.context]);
      buffer = cat([previous, x], 2);
      state.set(this, buffer.narrow(2, buffer.size(2) - this.context, this.context).contiguous());
    }
    return F.conv1d(buffer, this.weight, this.bias, {
      stride: this.stride,
      dilation: this.dilation,
      groups: this.groups,
    });
  }
}

/**
 * Transposed conv with overlap-add streaming: y = ConvT(x) + b has T * stride + (K - stride) samples; the
 * first T * stride are emitted and the tail (minus the bias) is added to the head of the next call.
 */
export class CausalConvTranspose1d extends nn.Module {
  /** PyTorch layout [inChannels, outChannels / groups, K]. */
  readonly weight: Tensor;
  readonly bias: Tensor;
  readonly tail: number;

  /** x [B, inChannels, T] -> [B, outChannels, T * stride]. */
  constructor(
    readonly inChannels: number,
    readonly outChannels: number,
    readonly kernelSize: number,
    readonly stride: number,
    readonly groups = 1,
  ) {
    super();
    this.tail = kernelSize - stride;
    const fanIn = (outChannels / groups) * kernelSize;
    this.weight = this.param(
      'weight',
      nn.fanInUniform([inChannels, outChannels / groups, kernelSize], fanIn),
    );
    this.bias = this.param('bias', nn.fanInUniform([outChannels], fanIn));
  }

  forward(x: Tensor, state: StreamState | null = null): Tensor {
    let y = F.convTranspose1d(x, this.weight, this.bias, { stride: this.stride, groups: this.groups });
    const emitted = x.size(2) * this.stride;
    if (state !== null) {
      const previous = state.get(this);
      if (previous) y = y.add(F.pad(previous, [0, y.size(2) - this.tail]));
      const tail = y.narrow(2, emitted, this.tail).sub(this.bias.detach().reshape([1, -1, 1]));
      state.set(this, tail.contiguous());
    }
    return y.narrow(2, 0, emitted);
  }
}

/**
 * Lyra's residual unit RU(d): h = LReLU(x); h = DepthwiseConv(K=3, dilation d, causal)(h); h = Conv1x1(h);
 * h = LReLU(h); h = Conv1x1(groups g)(h); out = x + h. x [B, C, T] -> [B, C, T].
 */
export class ResidualUnit extends nn.Module {
  readonly depthwise: CausalConv1d;
  readonly pointwise: CausalConv1d;
  readonly mix: CausalConv1d;

  constructor(channels: number, dilation: number, groups: number) {
    super();
    this.depthwise = this.child(
      'depthwise',
      new CausalConv1d(channels, channels, 3, { dilation, groups: channels }),
    );
    this.pointwise = this.child('pointwise', new CausalConv1d(channels, channels, 1));
    this.mix = this.child('mix', new CausalConv1d(channels, channels, 1, { groups }));
  }

  forward(x: Tensor, state: StreamState | null = null): Tensor {
    let h = this.depthwise.forward(x.leakyRelu(leakySlope), state);
    h = this.pointwise.forward(h).leakyRelu(leakySlope);
    return x.add(this.mix.forward(h));
  }
}

/** Dilations of the three residual units in every block. */
export const residualDilations = [1, 3, 9] as const;

/** Three residual units (dilations 1, 3, 9) at one width. */
export class ResidualStack extends nn.Module {
  readonly units: ResidualUnit[];
  constructor(channels: number, groups: number) {
    super();
    this.units = residualDilations.map((d, k) =>
      this.child(String(k), new ResidualUnit(channels, d, groups)),
    );
  }
  forward(x: Tensor, state: StreamState | null = null): Tensor {
    let h = x;
    for (const unit of this.units) h = unit.forward(h, state);
    return h;
  }
}
