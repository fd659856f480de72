// Basic layers: Linear, Embedding, LayerNorm, Conv1d, ConvTranspose1d, Conv2d, Dropout.
import { ones, zeros } from '../create.js';
import * as F from '../functional.js';
import type { Tensor } from '../tensor.js';
import { fanInUniform, normal } from './init.js';
import { Module } from './module.js';

export class Linear extends Module {
  readonly weight: Tensor;
  readonly bias: Tensor | null;
  /** x [..., inFeatures] -> [..., outFeatures]. */
  constructor(
    readonly inFeatures: number,
    readonly outFeatures: number,
    bias = true,
  ) {
    super();
    this.weight = this.param('weight', fanInUniform([outFeatures, inFeatures], inFeatures));
    this.bias = bias ? this.param('bias', fanInUniform([outFeatures], inFeatures)) : null;
  }
  forward(x: Tensor): Tensor {
    return F.linear(x, this.weight, this.bias);
  }
}

export class Embedding extends Module {
  readonly weight: Tensor;
  /** int64 indices [...] -> [..., dim]; weights N(0, 1) as in PyTorch unless std is given. */
  constructor(
    readonly numEmbeddings: number,
    readonly dim: number,
    std = 1,
  ) {
    super();
    this.weight = this.param('weight', normal([numEmbeddings, dim], std));
  }
  forward(indices: Tensor): Tensor {
    return F.embedding(this.weight, indices);
  }
}

export class LayerNorm extends Module {
  readonly weight: Tensor;
  readonly bias: Tensor;
  constructor(
    readonly dim: number,
    readonly eps = 1e-5,
  ) {
    super();
    this.weight = this.param('weight', ones([dim]));
    this.bias = this.param('bias', zeros([dim]));
  }
  forward(x: Tensor): Tensor {
    return F.layerNorm(x, [this.dim], this.weight, this.bias, this.eps);
  }
}

export interface ConvOptions {
  stride?: number;
  padding?: number;
  dilation?: number;
  groups?: number;
  bias?: boolean;
}

export class Conv1d extends Module {
  readonly weight: Tensor;
  readonly bias: Tensor | null;
  /** x [B, inChannels, T] -> [B, outChannels, T']. */
  constructor(
    readonly inChannels: number,
    readonly outChannels: number,
    readonly kernelSize: number,
    readonly options: ConvOptions = {},
  ) {
    super();
    const fanIn = (inChannels / (options.groups ?? 1)) * kernelSize;
    this.weight = this.param(
      'weight',
      fanInUniform([outChannels, inChannels / (options.groups ?? 1), kernelSize], fanIn),
    );
    this.bias = options.bias === false ? null : this.param('bias', fanInUniform([outChannels], fanIn));
  }
  forward(x: Tensor): Tensor {
    return F.conv1d(x, this.weight, this.bias, this.options);
  }
}

export class ConvTranspose1d extends Module {
  readonly weight: Tensor;
  readonly bias: Tensor | null;
  /** x [B, inChannels, T] -> [B, outChannels, (T - 1) * stride - 2 * padding + dilation * (K - 1) + outputPadding + 1]. */
  constructor(
    readonly inChannels: number,
    readonly outChannels: number,
    readonly kernelSize: number,
    readonly options: ConvOptions & { outputPadding?: number } = {},
  ) {
    super();
    const groups = options.groups ?? 1;
    const fanIn = (outChannels / groups) * kernelSize;
    this.weight = this.param('weight', fanInUniform([inChannels, outChannels / groups, kernelSize], fanIn));
    this.bias = options.bias === false ? null : this.param('bias', fanInUniform([outChannels], fanIn));
  }
  forward(x: Tensor): Tensor {
    return F.convTranspose1d(x, this.weight, this.bias, this.options);
  }
}

export class Conv2d extends Module {
  readonly weight: Tensor;
  readonly bias: Tensor | null;
  /** x [B, inChannels, H, W] -> [B, outChannels, H', W']. */
  constructor(
    readonly inChannels: number,
    readonly outChannels: number,
    readonly kernelSize: number | [number, number],
    readonly options: F.Conv2dOptions & { bias?: boolean } = {},
  ) {
    super();
    const [kh, kw] = typeof kernelSize === 'number' ? [kernelSize, kernelSize] : kernelSize;
    const groups = options.groups ?? 1;
    const fanIn = (inChannels / groups) * kh * kw;
    this.weight = this.param('weight', fanInUniform([outChannels, inChannels / groups, kh, kw], fanIn));
    this.bias = options.bias === false ? null : this.param('bias', fanInUniform([outChannels], fanIn));
  }
  forward(x: Tensor): Tensor {
    return F.conv2d(x, this.weight, this.bias, this.options);
  }
}

export class Dropout extends Module {
  constructor(readonly p: number) {
    super();
  }
  forward(x: Tensor): Tensor {
    return this.training && this.p > 0 ? F.dropout(x, this.p, true) : x;
  }
}
