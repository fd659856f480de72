// Pre-norm Transformer layers and stacks (encoder, decoder with optional cross-attention) with shared T5
// relative position biases. The three V2Meow stages (src/models/) are built from these.
import { ones } from '../create.js';
import type { Tensor } from '../tensor.js';
import { KVCache, MultiHeadAttention, RelativePositionBias } from './attention.js';
import { Dropout, LayerNorm, Linear } from './layers.js';
import { Module, ModuleList } from './module.js';

export interface TransformerConfig {
  /** Model width. */
  readonly dModel: number;
  /** Attention heads (dModel divisible by it). */
  readonly numHeads: number;
  /** Layers in the stack. */
  readonly numLayers: number;
  /** Feed-forward hidden width (usually 4 x dModel). */
  readonly dFeedForward: number;
  /** Dropout on attention weights and residual branches. */
  readonly dropout: number;
  /** Relative position buckets and the distance beyond which they saturate. */
  readonly relativeBuckets: number;
  readonly relativeMaxDistance: number;
}

class FeedForward extends Module {
  readonly up: Linear;
  readonly down: Linear;
  constructor(dModel: number, hidden: number) {
    super();
    this.up = this.child('up', new Linear(dModel, hidden));
    this.down = this.child('down', new Linear(hidden, dModel));
  }
  forward(x: Tensor): Tensor {
    return this.down.forward(this.up.forward(x).gelu());
  }
}

/** One layer: self-attention, optional cross-attention, feed-forward; each pre-normed with a residual. */
export class TransformerLayer extends Module {
  readonly selfNorm: LayerNorm;
  readonly selfAttention: MultiHeadAttention;
  readonly crossNorm: LayerNorm | null;
  readonly crossAttention: MultiHeadAttention | null;
  readonly feedNorm: LayerNorm;
  readonly feedForward: FeedForward;
  readonly drop: Dropout;

  constructor(c: TransformerConfig, withCross: boolean) {
    super();
    this.selfNorm = this.child('selfNorm', new LayerNorm(c.dModel));
    this.selfAttention = this.child('selfAttention', new MultiHeadAttention(c.dModel, c.numHeads, c.dropout));
    this.crossNorm = withCross ? this.child('crossNorm', new LayerNorm(c.dModel)) : null;
    this.crossAttention = withCross
      ? this.child('crossAttention', new MultiHeadAttention(c.dModel, c.numHeads, c.dropout, true))
      : null;
    this.feedNorm = this.child('feedNorm', new LayerNorm(c.dModel));
    this.feedForward = this.child('feedForward', new FeedForward(c.dModel, c.dFeedForward));
    this.drop = this.child('drop', new Dropout(c.dropout));
  }

  forward(x: Tensor, o: LayerInputs): Tensor {
    const h = this.selfNorm.forward(x);
    x = x.add(
      this.drop.forward(this.selfAttention.forward(h, h, { mask: o.mask, bias: o.bias, cache: o.selfCache })),
    );
    if (this.crossAttention && o.memory) {
      const hc = this.crossNorm!.forward(x);
      x = x.add(
        this.drop.forward(
          this.crossAttention.forward(hc, o.memory, { mask: o.memoryMask, cache: o.crossCache }),
        ),
      );
    }
    return x.add(this.drop.forward(this.feedForward.forward(this.feedNorm.forward(x))));
  }
}

interface LayerInputs {
  mask?: Tensor | null;
  bias?: Tensor | null;
  memory?: Tensor | null;
  memoryMask?: Tensor | null;
  selfCache?: KVCache | null;
  crossCache?: KVCache | null;
}

/** Per-layer caches for incremental decoding: part of a generation state, not of the weights. */
export class DecoderCache {
  readonly self: KVCache[];
  readonly cross: KVCache[];
  constructor(numLayers: number, maxLength: number, memoryLength = 0) {
    this.self = Array.from({ length: numLayers }, () => new KVCache(maxLength));
    this.cross = Array.from({ length: numLayers }, () => new KVCache(Math.max(memoryLength, 1)));
  }
  get length(): number {
    return this.self[0]?.length ?? 0;
  }
  dispose(): void {
    for (const c of [...this.self, ...this.cross]) c.dispose();
  }
}

export interface StackInputs {
  /** Key padding mask for this stack's own input: bool [B, T], true = padding. */
  paddingMask?: Tensor | null;
  /** Encoder output [B, S, D] for cross-attention. */
  memory?: Tensor | null;
  /** bool [B, S], true = padding in memory. */
  memoryPaddingMask?: Tensor | null;
  /** Incremental decoding state; x then holds only the new positions. */
  cache?: DecoderCache | null;
}

/** A stack of layers with a final norm. causal: decoder self-attention sees only earlier positions. */
export class TransformerStack extends Module {
  readonly layers: ModuleList<TransformerLayer>;
  readonly positionBias: RelativePositionBias;
  readonly finalNorm: LayerNorm;

  constructor(
    readonly config: TransformerConfig,
    readonly causal: boolean,
    readonly withCross: boolean,
  ) {
    super();
    const layers = Array.from({ length: config.numLayers }, () => new TransformerLayer(config, withCross));
    this.layers = this.child('layers', new ModuleList(layers));
    this.positionBias = this.child(
      'positionBias',
      new RelativePositionBias(config.numHeads, !causal, config.relativeBuckets, config.relativeMaxDistance),
    );
    this.finalNorm = this.child('finalNorm', new LayerNorm(config.dModel));
  }

  /** x [B, T, D] -> [B, T, D]. */
  forward(x: Tensor, o: StackInputs = {}): Tensor {
    const [, t] = x.shape as [number, number];
    const past = o.cache?.length ?? 0;
    const keyLength = past + t;
    const bias = this.positionBias.forward(t, keyLength, past);
    let mask: Tensor | null = null;
    if (this.causal && t > 1) {
      // true above the diagonal (future keys); keys 0..past-1 are always visible
      mask = ones([t, keyLength], { dtype: 'bool' }).triu(past + 1);
    }
    if (o.paddingMask) {
      const pad = o.paddingMask.unsqueeze(1).unsqueeze(1); // [B, 1, 1, T]
      mask = mask ? mask.logicalOr(pad) : pad;
    }
    const memoryMask = o.memoryPaddingMask ? o.memoryPaddingMask.unsqueeze(1).unsqueeze(1) : null;
    this.layers.items.forEach((layer, k) => {
      x = layer.forward(x, {
        mask,
        bias,
        memory: o.memory,
        memoryMask,
        selfCache: o.cache?.self[k],
        crossCache: o.cache?.cross[k],
      });
    });
    return this.finalNorm.forward(x);
  }
}
