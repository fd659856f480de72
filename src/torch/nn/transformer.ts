// Pre-norm Transformer layers and stacks (encoder, decoder with optional cross-attention) with shared T5
// relative position biases. The three V2Meow stages (src/models/) are built from these.
import { isGradEnabled } from '../autograd.js';
import { ones } from '../create.js';
import * as F from '../functional.js';
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

  #plan: F.LayerPlan | null = null;

  /**
   * The same layer in one native call (F.transformerLayerStep) for cached incremental decoding with gradients
   * off and no dropout: numerically the forward above, with the caches advanced.
   */
  step(x: Tensor, o: LayerInputs & { selfCache: KVCache }): Tensor {
    const [b, t] = x.shape as [number, number];
    const a = this.selfAttention;
    const [selfKeys, selfValues] = o.selfCache.buffers(b, a.numHeads, a.headDim, x.dtype, t);
    const weights = [
      ...normTensors(this.selfNorm),
      ...attentionTensors(a),
      ...normTensors(this.feedNorm),
      ...linearTensors(this.feedForward.up),
      ...linearTensors(this.feedForward.down),
    ];
    let cross: Partial<F.LayerStepInputs> = {};
    const crossCache = o.crossCache;
    if (this.crossAttention && o.memory) {
      if (!crossCache) throw new Error('TransformerLayer.step: cross-attention needs a cross cache');
      const [mb, s] = o.memory.shape as [number, number];
      const filled = crossCache.length > 0;
      const [crossKeys, crossValues] = crossCache.buffers(mb, a.numHeads, a.headDim, x.dtype, filled ? 0 : s);
      weights.push(...normTensors(this.crossNorm!), ...attentionTensors(this.crossAttention));
      cross = { memory: o.memory, memoryMask: o.memoryMask, crossKeys, crossValues, crossFilled: filled };
    }
    this.#plan ??= F.layerPlan();
    const y = F.transformerLayerStep(x, {
      weights,
      plan: this.#plan,
      numHeads: a.numHeads,
      eps: this.selfNorm.eps,
      selfKeys,
      selfValues,
      past: o.selfCache.length,
      bias: o.bias,
      mask: o.mask,
      ...cross,
    });
    o.selfCache.advance(t);
    if (cross.memory && !cross.crossFilled) crossCache!.advance(o.memory!.shape[1]!);
    return y;
  }

  override dispose(): void {
    this.#plan?.release();
    this.#plan = null;
    super.dispose();
  }
}

const normTensors = (n: LayerNorm): Tensor[] => [n.weight, n.bias];
const linearTensors = (l: Linear): Tensor[] => {
  if (!l.bias) throw new Error('TransformerLayer.step: linear layers need biases');
  return [l.weight, l.bias];
};
const attentionTensors = (a: MultiHeadAttention): Tensor[] => [
  ...linearTensors(a.query),
  ...linearTensors(a.key),
  ...linearTensors(a.value),
  ...linearTensors(a.output),
];

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
    // the mask is folded into the position bias once, instead of a masked fill of the logits in every layer
    const logitBias = mask ? bias.maskedFill(mask, Number.NEGATIVE_INFINITY) : bias;
    const memoryMask = o.memoryPaddingMask ? o.memoryPaddingMask.unsqueeze(1).unsqueeze(1) : null;
    // cached decoding without gradients runs each layer as one native call
    const fused = o.cache && !isGradEnabled() && (!this.training || this.config.dropout === 0);
    this.layers.items.forEach((layer, k) => {
      if (fused) {
        const caches = { selfCache: o.cache!.self[k]!, crossCache: o.cache!.cross[k] };
        x = layer.step(x, { bias: logitBias, memory: o.memory, memoryMask, ...caches });
        return;
      }
      x = layer.forward(x, {
        bias: logitBias,
        memory: o.memory,
        memoryMask,
        selfCache: o.cache?.self[k],
        crossCache: o.cache?.cross[k],
      });
    });
    return this.finalNorm.forward(x);
  }
}
