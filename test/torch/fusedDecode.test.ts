// The fused layer step (F.transformerLayerStep, native/src/ops_fused.cc) that cached decoding runs: the same
// numbers as the layer-by-layer forward for self- and cross-attention, prefill and single steps, padding masks,
// both thread paths; its weight plan follows in-place weight changes; bad calls give clear errors.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  cat,
  enableGrad,
  F,
  getNumThreads,
  liveTensorCount,
  manualSeed,
  nn,
  noGrad,
  randn,
  type Tensor,
  tensor,
  tidy,
} from '../../src/torch/index.js';

const config: nn.TransformerConfig = {
  dModel: 32,
  numHeads: 4,
  numLayers: 2,
  dFeedForward: 64,
  dropout: 0,
  relativeBuckets: 16,
  relativeMaxDistance: 32,
};

/** Decodes x [B, T, D] in chunks of the given lengths through the cache (the fused path); concatenated. */
function chunked(stack: nn.TransformerStack, x: Tensor, chunks: number[], memory?: Tensor, pad?: Tensor) {
  const cache = new nn.DecoderCache(config.numLayers, x.size(1), memory?.size(1) ?? 0);
  const outs: Tensor[] = [];
  let at = 0;
  for (const n of chunks) {
    outs.push(stack.forward(x.narrow(1, at, n), { cache, memory, memoryPaddingMask: pad }));
    at += n;
  }
  assert.equal(cache.length, x.size(1));
  cache.dispose();
  return cat(outs, 1);
}

/** bool [rows, columns] with true at the listed columns of each row. */
function paddingMask(columns: number, padded: number[][]): Tensor {
  const data = new Uint8Array(padded.length * columns);
  padded.forEach((row, r) => {
    for (const c of row) data[r * columns + c] = 1;
  });
  return tensor(data, [padded.length, columns], { dtype: 'bool' });
}

const maxDiff = (a: Tensor, b: Tensor) => a.sub(b).abs().max().item();

/** Runs fn on a fresh causal stack in eval mode, gradients off, inside one scope. */
function withStack(seed: number, withCross: boolean, fn: (stack: nn.TransformerStack) => void): void {
  manualSeed(seed);
  const stack = new nn.TransformerStack(config, true, withCross).eval();
  try {
    tidy(() => noGrad(() => fn(stack)));
  } finally {
    stack.dispose();
  }
}

test('fused cached decoding matches the full forward: self-attention, prefill then single steps', () => {
  withStack(11, false, (stack) => {
    const x = randn([2, 9, 32]);
    const full = stack.forward(x);
    const threads = getNumThreads();
    let fusedCalls = 0;
    for (const layer of stack.layers.items) {
      const step = layer.step.bind(layer);
      layer.step = (input, o) => {
        fusedCalls++;
        return step(input, o);
      };
    }
    const before = liveTensorCount();
    const stepwise = tidy(() => chunked(stack, x, [4, 1, 1, 2, 1]));
    assert.equal(fusedCalls, 5 * config.numLayers, 'every cached step ran fused');
    // the result is all that remains (the position-bias index kept for the last shape replaced the old one)
    assert.equal(liveTensorCount() - before, 1);
    assert.equal(getNumThreads(), threads, 'the one-thread scope restores the thread count');
    assert.deepEqual(stepwise.shape, [2, 9, 32]);
    assert.ok(maxDiff(full, stepwise) < 1e-5, `max |diff| ${maxDiff(full, stepwise)}`);
    assert.ok(full.abs().mean().item() > 0.1, 'outputs are not trivially zero');
    // with gradients on (training), the same cached call goes layer by layer
    fusedCalls = 0;
    const recorded = enableGrad(() => tidy(() => chunked(stack, x, [4, 5])));
    assert.equal(fusedCalls, 0);
    assert.ok(maxDiff(full, recorded) < 1e-5);
  });
});

test('fused cached decoding matches the full forward with cross-attention and a memory padding mask', () => {
  withStack(12, true, (stack) => {
    const x = randn([3, 6, 32]);
    const memory = randn([3, 5, 32]);
    const pad = paddingMask(5, [[4], [], [2, 3, 4]]);
    const full = stack.forward(x, { memory, memoryPaddingMask: pad });
    const stepwise = chunked(stack, x, [1, 1, 3, 1], memory, pad);
    assert.ok(maxDiff(full, stepwise) < 1e-5, `max |diff| ${maxDiff(full, stepwise)}`);
    // the padding matters: without it the result differs
    const unpadded = chunked(stack, x, [6], memory);
    assert.ok(maxDiff(full, unpadded) > 1e-3);
    // one memory shared by the whole batch (broadcast), as the layer-by-layer forward allows
    const shared = memory.narrow(0, 1, 1);
    assert.ok(maxDiff(stack.forward(x, { memory: shared }), chunked(stack, x, [2, 1, 3], shared)) < 1e-5);
  });
});

test('fused prefill above the one-thread limit (B x T > 16 rows) matches the full forward', () => {
  withStack(13, false, (stack) => {
    const x = randn([2, 150, 32]);
    assert.ok(maxDiff(stack.forward(x), chunked(stack, x, [150])) < 1e-5);
    // the limit is settable: 0 runs every step on all threads, with the same numbers
    assert.equal(F.setSerialRowLimit(0), 16);
    try {
      assert.ok(maxDiff(stack.forward(x), chunked(stack, x, [1, 149])) < 1e-5);
    } finally {
      assert.equal(F.setSerialRowLimit(16), 0);
    }
    assert.throws(() => F.setSerialRowLimit(-1), /rows must be >= 0/);
  });
});

test('the weight plan repacks after in-place changes and after loading other weights', () => {
  manualSeed(14);
  const stack = new nn.TransformerStack(config, true, false).eval();
  const other = new nn.TransformerStack(config, true, false).eval();
  tidy(() =>
    noGrad(() => {
      const x = randn([1, 5, 32]);
      const first = chunked(stack, x, [1, 1, 1, 1, 1]);
      const layer = stack.layers.items[0]!;
      const key = layer.selfAttention.key.weight;
      key.copy_(key.mul(1.5));
      layer.feedForward.down.bias!.fill_(0.25);
      const changed = chunked(stack, x, [1, 1, 1, 1, 1]);
      assert.ok(maxDiff(first, changed) > 1e-2, 'the change shows');
      assert.ok(maxDiff(stack.forward(x), changed) < 1e-5);
      stack.loadStateDict(other.stateDict());
      assert.ok(maxDiff(other.forward(x), chunked(stack, x, [2, 3])) < 1e-5);
    }),
  );
  stack.dispose();
  other.dispose();
});

test('fused step errors: gradients on, wrong tensor count, wrong plan, full cache', () => {
  manualSeed(15);
  const stack = new nn.TransformerStack(config, true, false).eval();
  const layer = stack.layers.items[0]!;
  tidy(() => {
    const x = randn([1, 1, 32]);
    const cache = new nn.KVCache(2);
    const [keys, values] = cache.buffers(1, 4, 8, 'float32', 1);
    const inputs = { weights: [x, x, x], plan: F.layerPlan(), numHeads: 4, eps: 1e-5 };
    const call = (o: Partial<F.LayerStepInputs> = {}) =>
      F.transformerLayerStep(x, { ...inputs, selfKeys: keys, selfValues: values, past: 0, ...o });
    assert.throws(() => call(), /gradient mode must be off \(run it inside noGrad\)/);
    noGrad(() => {
      assert.throws(() => call(), /expected 16 layer tensors, got 3/);
      const weights = [
        ...[layer.selfNorm.weight, layer.selfNorm.bias],
        ...[layer.selfAttention.query, layer.selfAttention.key, layer.selfAttention.value].flatMap((l) => [
          l.weight,
          l.bias!,
        ]),
        ...[layer.selfAttention.output.weight, layer.selfAttention.output.bias!],
        ...[layer.feedNorm.weight, layer.feedNorm.bias],
        ...[layer.feedForward.up, layer.feedForward.down].flatMap((l) => [l.weight, l.bias!]),
      ];
      assert.throws(() => call({ weights, plan: {} as F.LayerPlan }), /expected a LayerPlan/);
      assert.throws(() => call({ weights, past: 2 }), /3 positions exceed the cache length 2/);
      assert.deepEqual(call({ weights }).shape, [1, 1, 32]);
      inputs.plan.release();
      // through the stack: a cache that is too short names both lengths
      const short = new nn.DecoderCache(config.numLayers, 2);
      stack.forward(randn([1, 2, 32]), { cache: short });
      assert.throws(() => stack.forward(x, { cache: short }), /KVCache: 3 positions exceed maxLength 2/);
      short.dispose();
    });
    cache.dispose();
  });
  stack.dispose();
});
