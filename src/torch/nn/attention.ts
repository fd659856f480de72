// Multi-head attention with an optional KV cache for incremental decoding, and a T5-style relative position
// bias (Raffel et al. 2020, section 2.1): a learned scalar per head and log-spaced distance bucket, added to
// the attention logits. V2Meow's stages are Transformers with relative positions (paper section 3).
import { tensor, zeros } from '../create.js';
import type { DType } from '../dtype.js';
import * as F from '../functional.js';
import type { Tensor } from '../tensor.js';
import { Embedding, Linear } from './layers.js';
import { Module } from './module.js';

/**
 * Keys and values of past positions for one attention layer: preallocated [B, H, maxLength, headDim]
 * buffers written in place, so a decode step costs no reallocation. Owned by the generation state.
 */
export class KVCache {
  #keys: Tensor | null = null;
  #values: Tensor | null = null;
  length = 0;
  constructor(readonly maxLength: number) {}

  /** Appends k, v [B, H, T, headDim]; returns views of all cached positions [B, H, length, headDim]. */
  append(k: Tensor, v: Tensor): [Tensor, Tensor] {
    const [b, h, t, d] = k.shape as [number, number, number, number];
    const [keys, values] = this.buffers(b, h, d, k.dtype, t);
    keys.narrow(2, this.length, t).copy_(k);
    values.narrow(2, this.length, t).copy_(v);
    this.length += t;
    return [keys.narrow(2, 0, this.length), values.narrow(2, 0, this.length)];
  }

  /**
   * The whole [B, H, maxLength, headDim] buffers, allocated on first use, checked to have room for `adding`
   * more positions. The fused layer step (TransformerLayer) writes into them and then calls advance().
   */
  buffers(b: number, h: number, d: number, dtype: DType, adding: number): [Tensor, Tensor] {
    if (this.#keys === null) {
      this.#keys = zeros([b, h, this.maxLength, d], { dtype }).keep();
      this.#values = zeros([b, h, this.maxLength, d], { dtype }).keep();
    }
    if (this.length + adding > this.maxLength) {
      throw new Error(`KVCache: ${this.length + adding} positions exceed maxLength ${this.maxLength}`);
    }
    return [this.#keys, this.#values!];
  }

  /** Records `t` positions written directly into buffers(). */
  advance(t: number): void {
    this.length += t;
  }

  /** Cached views without appending (for cross-attention computed once). */
  get(): [Tensor, Tensor] | null {
    if (this.#keys === null || this.length === 0) return null;
    return [this.#keys.narrow(2, 0, this.length), this.#values!.narrow(2, 0, this.length)];
  }

  dispose(): void {
    this.#keys?.dispose();
    this.#values?.dispose();
    this.#keys = this.#values = null;
    this.length = 0;
  }
}

export interface AttentionOptions {
  /** Boolean mask, true = not allowed, broadcastable to [B, H, Tq, Tk]. */
  mask?: Tensor | null;
  /** Added to the logits, broadcastable to [B, H, Tq, Tk] (e.g. RelativePositionBias output). */
  bias?: Tensor | null;
  /** Self-attention: appends this step's keys/values. Cross-attention: computed on first use, then reused. */
  cache?: KVCache | null;
}

export class MultiHeadAttention extends Module {
  readonly query: Linear;
  readonly key: Linear;
  readonly value: Linear;
  readonly output: Linear;
  readonly headDim: number;

  constructor(
    readonly dModel: number,
    readonly numHeads: number,
    readonly dropout = 0,
    /** Cross-attention caches keys/values once instead of appending. */
    readonly isCross = false,
  ) {
    super();
    if (dModel % numHeads !== 0) throw new Error(`dModel ${dModel} is not divisible by numHeads ${numHeads}`);
    this.headDim = dModel / numHeads;
    this.query = this.child('query', new Linear(dModel, dModel));
    this.key = this.child('key', new Linear(dModel, dModel));
    this.value = this.child('value', new Linear(dModel, dModel));
    this.output = this.child('output', new Linear(dModel, dModel));
  }

  /** [B, T, D] -> [B, H, T, headDim] */
  private heads(x: Tensor): Tensor {
    const [b, t] = x.shape as [number, number];
    return x.reshape([b, t, this.numHeads, this.headDim]).transpose(1, 2);
  }

  /** query [B, Tq, D], context [B, Tk, D] (= query for self-attention) -> [B, Tq, D]. */
  forward(query: Tensor, context: Tensor, o: AttentionOptions = {}): Tensor {
    const [b, tq] = query.shape as [number, number];
    const q = this.heads(this.query.forward(query));
    let k: Tensor;
    let v: Tensor;
    const cached = this.isCross ? o.cache?.get() : null;
    if (cached) {
      [k, v] = cached;
    } else {
      k = this.heads(this.key.forward(context));
      v = this.heads(this.value.forward(context));
      if (o.cache) [k, v] = o.cache.append(k, v);
    }
    // scaling q ([.., Tq, headDim]) costs less than scaling the [.., Tq, Tk] logits
    let logits = q.mul(1 / Math.sqrt(this.headDim)).matmul(k.transpose(2, 3));
    if (o.bias) logits = logits.add(o.bias);
    if (o.mask) logits = logits.maskedFill(o.mask, Number.NEGATIVE_INFINITY);
    let weights = logits.softmax(-1);
    if (this.training && this.dropout > 0) weights = F.dropout(weights, this.dropout, true);
    const out = weights.matmul(v).transpose(1, 2).reshape([b, tq, this.dModel]);
    return this.output.forward(out);
  }
}

/**
 * T5 relative position bias: distance (key - query) -> bucket (exact below numBuckets/2 (or /4 each way when
 * bidirectional), log-spaced up to maxDistance) -> a learned value per head. Shared by all layers of a stack.
 */
export class RelativePositionBias extends Module {
  readonly table: Embedding;
  constructor(
    readonly numHeads: number,
    readonly bidirectional: boolean,
    readonly numBuckets = 32,
    readonly maxDistance = 128,
  ) {
    super();
    this.table = this.child('table', new Embedding(numBuckets, numHeads, 0.02));
  }

  /** Bucket of one relative distance (key position minus query position). */
  bucket(relative: number): number {
    let buckets = this.numBuckets;
    let offset = 0;
    let n = -relative;
    if (this.bidirectional) {
      buckets = Math.floor(buckets / 2);
      if (n < 0) offset = buckets;
      n = Math.abs(n);
    } else {
      n = Math.max(n, 0);
    }
    const exact = Math.floor(buckets / 2);
    if (n < exact) return offset + n;
    const large =
      exact + Math.floor((Math.log(n / exact) / Math.log(this.maxDistance / exact)) * (buckets - exact));
    return offset + Math.min(large, buckets - 1);
  }

  #cachedKey = '';
  #cachedIndex: Tensor | null = null;

  /** Bucket ids [queryLength, keyLength] (int64); the last shape's ids are kept, as training repeats it. */
  private bucketIndex(queryLength: number, keyLength: number, queryOffset: number): Tensor {
    const key = `${queryLength},${keyLength},${queryOffset}`;
    if (key === this.#cachedKey && this.#cachedIndex) return this.#cachedIndex;
    const ids = new Int32Array(queryLength * keyLength);
    for (let i = 0; i < queryLength; i++) {
      for (let j = 0; j < keyLength; j++) ids[i * keyLength + j] = this.bucket(j - (i + queryOffset));
    }
    this.#cachedIndex?.dispose();
    this.#cachedIndex = tensor(ids, [queryLength, keyLength], { dtype: 'int64' }).keep();
    this.#cachedKey = key;
    return this.#cachedIndex;
  }

  /** Bias [1, H, queryLength, keyLength] for queries at positions queryOffset.. and keys at 0... */
  forward(queryLength: number, keyLength: number, queryOffset = 0): Tensor {
    const index = this.bucketIndex(queryLength, keyLength, queryOffset);
    return this.table.forward(index).permute([2, 0, 1]).unsqueeze(0);
  }

  override dispose(): void {
    this.#cachedIndex?.dispose();
    this.#cachedIndex = null;
    super.dispose();
  }
}
