// The SoundStream encoder and decoder networks with Lyra v2's layout (ref: ../shared/reference/
// lyra_soundstream_structure.md): a strided input conv, three blocks of residual units with strided
// (transposed) convs between them, grouped 1x1 mixing, a grouped bottleneck to the latent, no normalisation.
// The widths and groups are configurable so a small debug preset trains in seconds.
import { nn, type Tensor } from '../torch/index.js';
import {
  CausalConv1d,
  CausalConvTranspose1d,
  leakySlope,
  ResidualStack,
  type StreamState,
} from './layers.js';

/** Shape of the encoder/decoder pair. Lyra v2 is `lyraNetConfig`. */
export interface SoundStreamNetConfig {
  /** Widths of the three residual blocks, e.g. [64, 128, 256]; the bottleneck runs at 2x the last. */
  readonly channels: readonly [number, number, number];
  /** Groups of the 1x1 mixing conv (and the strided convs leaving the block) per block, e.g. [1, 2, 4]. */
  readonly groups: readonly [number, number, number];
  /** Strides: input conv, then after each block, e.g. [16, 5, 2, 2] (product = samples per frame). */
  readonly strides: readonly [number, number, number, number];
  /** Latent dimension per frame. */
  readonly latentDim: number;
  /** Groups of the bottleneck convs (to and from the latent). */
  readonly bottleneckGroups: number;
}

export const lyraNetConfig: SoundStreamNetConfig = {
  channels: [64, 128, 256],
  groups: [1, 2, 4],
  strides: [16, 5, 2, 2],
  latentDim: 64,
  bottleneckGroups: 4,
};

/** Samples per latent frame. */
export function hopSamples(config: SoundStreamNetConfig): number {
  return config.strides.reduce((a, b) => a * b, 1);
}

/** Kernel of a strided conv: 4x the stride for the input layer (Lyra: K=64, s=16), else 2x (K=10 s=5, K=4 s=2). */
function stridedKernel(stride: number, first: boolean): number {
  return first ? 4 * stride : 2 * stride;
}

/** Waveform [B, 1, T * hop] -> latents [B, latentDim, T]. */
export class SoundStreamEncoder extends nn.Module {
  readonly input: CausalConv1d;
  readonly blocks: ResidualStack[] = [];
  readonly downsample: CausalConv1d[] = [];
  readonly bottleneck: CausalConv1d;

  constructor(readonly config: SoundStreamNetConfig) {
    super();
    const { channels, groups, strides } = config;
    this.input = this.child(
      'input',
      new CausalConv1d(1, channels[0], stridedKernel(strides[0], true), { stride: strides[0] }),
    );
    for (let b = 0; b < 3; b++) {
      this.blocks.push(this.child(`block${b}`, new ResidualStack(channels[b]!, groups[b]!)));
      const out = b < 2 ? channels[b + 1]! : 2 * channels[2];
      const stride = strides[b + 1]!;
      this.downsample.push(
        this.child(
          `down${b}`,
          new CausalConv1d(channels[b]!, out, stridedKernel(stride, false), { stride, groups: groups[b]! }),
        ),
      );
    }
    this.bottleneck = this.child(
      'bottleneck',
      new CausalConv1d(2 * channels[2], config.latentDim, 3, { groups: config.bottleneckGroups }),
    );
  }

  forward(wave: Tensor, state: StreamState | null = null): Tensor {
    let h = this.input.forward(wave, state);
    for (let b = 0; b < 3; b++) {
      h = this.blocks[b]!.forward(h, state).leakyRelu(leakySlope);
      h = this.downsample[b]!.forward(h, state);
    }
    return this.bottleneck.forward(h.leakyRelu(leakySlope), state);
  }
}

/** Latents [B, latentDim, T] -> waveform [B, 1, T * hop] (no output squashing, as in Lyra). */
export class SoundStreamDecoder extends nn.Module {
  readonly bottleneck: CausalConv1d;
  readonly upsample: CausalConvTranspose1d[] = [];
  readonly blocks: ResidualStack[] = [];
  readonly output: CausalConvTranspose1d;

  constructor(readonly config: SoundStreamNetConfig) {
    super();
    const { channels, groups, strides } = config;
    const width = 2 * channels[2];
    this.bottleneck = this.child(
      'bottleneck',
      new CausalConv1d(config.latentDim, width, 3, { groups: config.bottleneckGroups }),
    );
    // Blocks run from wide to narrow: block 2 (channels[2]) first.
    let inChannels = width;
    for (let b = 2; b >= 0; b--) {
      const stride = strides[b + 1]!;
      // Lyra splits the up-conv input into groups of 128 channels: 4 (512 in), 2 (256 in), 1 (128 in).
      const upGroups = groups[b]!;
      this.upsample.push(
        this.child(
          `up${2 - b}`,
          new CausalConvTranspose1d(inChannels, channels[b]!, stridedKernel(stride, false), stride, upGroups),
        ),
      );
      this.blocks.push(this.child(`block${2 - b}`, new ResidualStack(channels[b]!, groups[b]!)));
      inChannels = channels[b]!;
    }
    this.output = this.child(
      'output',
      new CausalConvTranspose1d(channels[0], 1, stridedKernel(strides[0], true), strides[0]),
    );
  }

  forward(latents: Tensor, state: StreamState | null = null): Tensor {
    let h = this.bottleneck.forward(latents, state);
    for (let b = 0; b < 3; b++) {
      h = this.upsample[b]!.forward(h.leakyRelu(leakySlope), state);
      h = this.blocks[b]!.forward(h, state);
    }
    return this.output.forward(h.leakyRelu(leakySlope), state);
  }
}
